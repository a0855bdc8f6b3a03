import { parseArgs } from 'node:util';
import { readStoreStatus } from '../status-command.js';
import { done, type OperatorCommand } from './operator-command.js';

/** `store status`: the store's part of `status` (audit log head and checkpoint, open quarantine, each source's last run) as JSON. */
export const storeStatus: OperatorCommand = {
  name: 'store status',
  prepare(args) {
    parseArgs({ args: [...args] });
    return async ({ db, config }) => done(JSON.stringify(await readStoreStatus(db, config)));
  },
};

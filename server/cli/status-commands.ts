import { parseArgs } from 'node:util';
import type { Env } from '../../config/env.js';
import { probeReadiness, statusLines, type HubStatus } from '../status-command.js';
import { hubUrlOf, runOperatorCommand } from './run-operator-command.js';
import { storeStatus } from './store-status-command.js';

/**
 * `status [--json]`: the running hub's readiness (at HUB_URL or PORT) and its store, read through the
 * hub's operator channel when it runs, else from the database. Exit 0 when the hub answers ready, 3 otherwise.
 */
export async function showStatus(env: Env, args: readonly string[]): Promise<{ lines: string[]; exitCode: number }> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } } });
  const hub = await probeReadiness(hubUrlOf(env));
  const store = await runOperatorCommand(env, storeStatus, []).then(
    (outcome) => JSON.parse(outcome.lines.join('')) as HubStatus['store'],
    (error: unknown) => ({ unavailable: `not read: ${error instanceof Error ? error.message : String(error)}` }),
  );
  const status: HubStatus = { hub, store };
  return { lines: values.json ? [JSON.stringify(status)] : statusLines(status), exitCode: hub.ready ? 0 : 3 };
}

import { parseArgs } from 'node:util';
import { createLocalJWKSet } from 'jose';
import { checkAuditReceipt } from '../../audit/receipts.js';
import { verifyAuditLog } from '../../audit/verify-log.js';
import { tokenIdentity } from '../hub-config.js';
import { firstPositional } from './arguments.js';
import { done, type OperatorCommand } from './operator-command.js';

/** `audit verify`: the whole log against its chain and signed checkpoints; exit 2 names the first altered entry. */
const verifyLog: OperatorCommand = {
  name: 'audit verify',
  prepare(args) {
    parseArgs({ args: [...args] });
    return async ({ db, keys, config }, progress) => {
      const result = await verifyAuditLog(db, keys, tokenIdentity(config).issuer, (checked, total) => {
        progress('audit log', 'entries', checked, total);
      });
      if (!result.firstProblem) return done(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints verified`);
      return {
        lines: [
          `AUDIT LOG ALTERED: ${result.firstProblem.problem}`,
          `(first problem at seq ${result.firstProblem.seq}; ${result.entries} entries, ${result.checkpoints} checkpoints examined)`,
        ],
        exitCode: 2,
      };
    };
  },
};

/** `audit check-receipt JWT`: exit 0 the entry is held, 2 altered or dropped, 1 not a receipt of this hub. */
const checkReceipt: OperatorCommand = {
  name: 'audit check-receipt',
  prepare(args) {
    const { positionals } = parseArgs({ args: [...args], allowPositionals: true });
    const receipt = firstPositional(positionals, 'audit check-receipt needs the receipt (the JWT from extensions.auditReceipts)');
    return async ({ db, keys, config }) => {
      const jwks = createLocalJWKSet({ keys: (await keys.allPublicKeys()).map((key) => key.jwk) });
      const check = await checkAuditReceipt({ db, jwks, issuer: tokenIdentity(config).issuer }, receipt);
      return { lines: [`${check.verdict}: ${check.message}`], exitCode: check.verdict === 'HELD' ? 0 : check.verdict === 'INVALID' ? 1 : 2 };
    };
  },
};

export const AUDIT_COMMANDS: readonly OperatorCommand[] = [verifyLog, checkReceipt];

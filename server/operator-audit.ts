import { randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/audit-log.js';
import type { HubDb } from '../store/database.js';

/** The audit log's name for the operator at the hub's machine: the OS user who owns its data, by the CLI. */
export const LOCAL_OPERATOR = 'local-operator';

/**
 * Runs an operator's change and appends its audit entry in one transaction, as the GraphQL mutations
 * do: both commit or neither. `operation` is e.g. `operator client revoke`; `returned` names what was
 * changed (`client:bank-1`), never row data or identity numbers. The change returns undefined when it
 * changed nothing: then nothing is appended.
 */
export async function recordOperatorChange<T>(
  db: HubDb,
  clock: () => Date,
  operation: string,
  change: (trx: HubDb) => Promise<{ readonly value: T; readonly returned: readonly string[] } | undefined>,
): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const changed = await change(trx);
    if (!changed) return undefined;
    await appendOperatorEntry(trx, clock, operation, changed.returned);
    return changed.value;
  });
}

/** Appends the entry of an operator action whose writes committed on their own (an import's batches, a key rotation). */
export async function appendOperatorEntry(db: HubDb, clock: () => Date, operation: string, returned: readonly string[]): Promise<void> {
  await appendAuditEvent(db, {
    at: clock(),
    clientId: LOCAL_OPERATOR,
    clientType: 'OPERATOR',
    operation,
    subjects: [],
    returned: [...returned].sort(),
    purpose: null,
    authorizations: [],
    outcome: 'OK',
    requestId: randomUUID(),
  });
}

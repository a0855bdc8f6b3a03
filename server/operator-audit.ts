import { randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../audit/audit-log.js';
import type { HubDb } from '../store/database.js';
import { CommandCancelled, operatorFailure } from './operator-protocol.js';

/** The audit log's name for the operator at the hub's machine: the OS user who owns its data, by the CLI. */
export const LOCAL_OPERATOR = 'local-operator';

/** How an operator action ended (OK, or ERROR:<code> for one that failed or was cancelled after it began) and who ran the CLI. */
export interface OperatorEntryDetails {
  readonly outcome?: string;
  /** The OS user the CLI ran as, as it said: recorded as the entry's person. */
  readonly osUser?: string | undefined;
}

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
  details: OperatorEntryDetails = {},
): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const changed = await change(trx);
    if (!changed) return undefined;
    await appendOperatorEntry(trx, clock, operation, changed.returned, details);
    return changed.value;
  });
}

/**
 * Appends the entry of an operator action in `db`, which is the action's own transaction (a key
 * rotation) or, for an action whose writes commit on their own (an import's batches), the database
 * when the action ends, whether it succeeded or not (`details.outcome`).
 */
export async function appendOperatorEntry(
  db: HubDb,
  clock: () => Date,
  operation: string,
  returned: readonly string[],
  details: OperatorEntryDetails = {},
): Promise<void> {
  await appendAuditEvent(db, {
    at: clock(),
    clientId: LOCAL_OPERATOR,
    clientType: 'OPERATOR',
    person: details.osUser === undefined ? undefined : `${details.osUser} (OS user)`,
    operation,
    subjects: [],
    returned: [...returned].sort(),
    purpose: null,
    authorizations: [],
    outcome: details.outcome ?? 'OK',
    requestId: randomUUID(),
  });
}

/**
 * Runs an operator action whose writes commit as it goes (an import's batches, a replay's pages) and
 * appends its entry when it ends: OK, or, when it throws after it began, ERROR:CANCELLED,
 * ERROR:REFUSED (a foreseen refusal) or ERROR:FAILED, so batches committed before a failure are
 * never without an entry. `returned` is read when it ends (e.g. the batches written so far).
 */
export async function withOperatorEntry<T>(
  deps: { readonly db: HubDb; readonly clock: () => Date; readonly osUser?: string | undefined },
  operation: string,
  returned: () => readonly string[],
  action: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await action();
  } catch (error) {
    const outcome = error instanceof CommandCancelled ? 'ERROR:CANCELLED' : operatorFailure(error).known ? 'ERROR:REFUSED' : 'ERROR:FAILED';
    await appendOperatorEntry(deps.db, deps.clock, operation, returned(), { outcome, osUser: deps.osUser });
    throw error;
  }
  await appendOperatorEntry(deps.db, deps.clock, operation, returned(), { osUser: deps.osUser });
  return result;
}

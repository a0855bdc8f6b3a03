import { ConflictError, NotFoundError } from '../ingestion/errors.js';
import { findIdentityNumberIn, maskIdentityNumbersIn } from '../ingestion/identifiers.js';
import { findDraw, type DrawRow } from '../store/draw-queries.js';
import { storeDrawCancellation } from '../store/draw-rules-queries.js';
import type { HubDb } from '../store/database.js';
import { DrawInputError, NotDrawOwnerError } from './draw-errors.js';
import type { Executor } from './execute-draw.js';
import type { InspectionDeps } from './inspection-deps.js';

export const MAX_CANCEL_REASON_LENGTH = 500;
/** C0 controls and DEL (U+0000–U+001F, U+007F): the control characters (\p{Cc}) less the C1 range. */
const CONTROL = /(?=\p{Cc})[^\u0080-\u009F]/u;

/** Checks a cancellation reason: 1-500 characters, no control characters, no identity number (it is published). */
function validateReason(raw: string): string {
  const reason = raw.trim();
  const shown = JSON.stringify(maskIdentityNumbersIn(reason.slice(0, 80)));
  if (reason.length === 0 || reason.length > MAX_CANCEL_REASON_LENGTH || CONTROL.test(reason)) {
    throw new DrawInputError('reason', 'TEXT', `${shown} must be 1-${MAX_CANCEL_REASON_LENGTH} characters without control characters`);
  }
  if (findIdentityNumberIn(reason) !== undefined)
    throw new DrawInputError('reason', 'IDENTITY_NUMBER_IN_TEXT', `${shown} holds an identity number; the reason is published to every client`);
  return reason;
}

/**
 * Withdraws a committed, unexecuted draw (a mistaken commitment): it stays published, as cancelled,
 * and frees the agency's one open draw of the period. By the committing agency or an admin. `audit`
 * writes the mutation's audit entry in the same transaction. Throws NotFoundError, NotDrawOwnerError,
 * ConflictError (executed or already cancelled) or DrawInputError for a bad reason.
 */
export async function cancelInspectionDraw(
  deps: InspectionDeps,
  id: string,
  rawReason: string,
  executor: Executor,
  audit: (trx: HubDb) => Promise<void>,
): Promise<DrawRow> {
  const reason = validateReason(rawReason);
  return deps.db.transaction().execute(async (trx) => {
    const draw = await findDraw(trx, id, true);
    if (!draw) throw new NotFoundError(`no inspection draw ${JSON.stringify(id.slice(0, 40))}`);
    if (!executor.isAdmin && executor.agencyCode !== draw.agency_code) throw new NotDrawOwnerError(draw.agency_code);
    if (draw.cancelled_at) throw new ConflictError(`inspection draw ${draw.id} was already cancelled at ${draw.cancelled_at.toISOString()}`);
    if (draw.executed_at) throw new ConflictError(`inspection draw ${draw.id} was executed at ${draw.executed_at.toISOString()}: an executed draw stands`);
    await storeDrawCancellation(trx, draw.id, deps.clock(), executor.clientId, reason);
    await audit(trx);
    const cancelled = await findDraw(trx, id);
    if (!cancelled) throw new Error('inspection draw vanished during its cancellation');
    return cancelled;
  });
}

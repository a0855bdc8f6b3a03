import type { HubDb } from '../store/database.js';
import { resolveQuarantine } from '../store/ingest-writes.js';
import { findQuarantineEntry, recordUsccOverrides } from '../store/quarantine-queries.js';
import { acceptedChecksumFailures } from './checksum-overrides.js';
import { chinaToday } from './dates.js';
import { ConflictError, InvalidInputError, NotFoundError } from './errors.js';
import { drawReferenceRejections } from './draw-references.js';
import { authorityRejections } from './fact-authority.js';
import { writePreparedBatch, type IngestionDeps } from './ingest-batch.js';
import { readQuarantinedPayload, readQuarantineReasons } from './quarantine-payload.js';
import { validateRecord } from './validate-record.js';

const MAX_JUSTIFICATION_LENGTH = 500;

/**
 * An operator's override of a quarantined record whose only fault is a failing USCC check digit
 * (real pilot-era codes fail it). Stores the record as sent, marks the entry RELEASED with the
 * justification and stores the override, so the USCC's check digit is accepted from then on (the
 * same row read again is stored, not quarantined again); all in one transaction (with
 * `alsoInTransaction`, e.g. its audit entry). Throws NotFoundError, ConflictError (already handled)
 * or InvalidInputError (other faults, which only the agency can correct).
 */
export async function releaseQuarantinedRecord(
  deps: IngestionDeps,
  id: number,
  justification: string,
  alsoInTransaction?: (trx: HubDb) => Promise<void>,
): Promise<void> {
  const reason = justification.trim();
  if (!reason || reason.length > MAX_JUSTIFICATION_LENGTH) {
    throw new InvalidInputError(`justification must be 1 to ${MAX_JUSTIFICATION_LENGTH} characters`);
  }
  const entry = await findQuarantineEntry(deps.db, id);
  if (!entry) throw new NotFoundError(`quarantine entry ${id} does not exist`);
  if (entry.status !== 'OPEN') throw new ConflictError(`quarantine entry ${id} is already ${entry.status}`);
  const reasons = readQuarantineReasons(entry.reasons);
  const otherFaults = reasons.filter((r) => r.rule !== 'USCC_CHECKSUM');
  if (otherFaults.length > 0) {
    throw new InvalidInputError(
      `only a failing USCC check digit can be overridden; this record also breaks ${otherFaults.map((r) => `${r.field} ${r.rule}`).join(', ')}`,
    );
  }
  const usccs = reasons.flatMap((r) => (r.value ? [r.value] : []));
  const overridden = new Set([...(await acceptedChecksumFailures(deps.db, deps.usccAllowList)), ...usccs]);
  const now = deps.clock();
  const agency = deps.agencies.get(entry.agency_code);
  if (!agency) throw new NotFoundError(`agency ${entry.agency_code} is not registered`);
  const { record } = readQuarantinedPayload(entry.payload);
  if (!record) throw new InvalidInputError(`quarantine entry ${id} holds no readable record (an unreadable line or file): the agency must send it again`);
  const result = validateRecord(record, {
    today: chinaToday(now),
    publication: deps.publication,
    acceptedChecksumFailures: overridden,
  });
  // An agency's configuration may have changed since: it still publishes only its own decisions.
  const authorityFailures = result.ok ? authorityRejections(result.record, agency) : result.rejections;
  // A result naming a draw still needs the agency's own executed draw that drew its subject.
  const drawFailures =
    result.ok && authorityFailures.length === 0 ? [...(await drawReferenceRejections(deps.db, entry.agency_code, [result.record])).values()] : [];
  const failures = [...authorityFailures, ...drawFailures];
  if (!result.ok || failures.length > 0) throw new InvalidInputError(`the record still fails: ${failures.map((r) => r.message).join('; ')}`);
  const batch = {
    agencyCode: entry.agency_code,
    source: `quarantine:${id}`,
    startedAt: now,
    received: 1,
    valid: [result.record],
    quarantined: [],
    rejectedIndexes: [],
    changedBy: `quarantine:${id}`,
  };
  await writePreparedBatch(deps, batch, async (trx) => {
    await recordUsccOverrides(trx, usccs, id, reason);
    await resolveQuarantine(trx, id, 'RELEASED', reason, now);
    await alsoInTransaction?.(trx);
  });
  deps.logger.info({ quarantineId: id, agency: entry.agency_code }, 'quarantined record released by operator override');
}

import type { QuarantineRow } from '../store/ingest-writes.js';
import { KIND_LAYOUTS, isRecordKind } from './record-kinds.js';
import { textOf, toHalfWidth } from './text.js';
import type { IncomingRecord, ValidatedRecord } from './validate-record.js';

/**
 * The id a refused record would have been stored under, as validation derives it: the agency's id,
 * else the document number of its kind; null when neither can be read. Keying its quarantine entry by
 * this id lets a later valid version resolve the entry even when the agency sends no ids.
 */
export function quarantineSourceRecordId(record: IncomingRecord): string | null {
  const explicit = toHalfWidth(textOf(record.sourceRecordId));
  if (explicit) return explicit;
  const kind = toHalfWidth(textOf(record.kind)).toUpperCase();
  if (!isRecordKind(kind)) return null;
  const documentNo = record.fields[KIND_LAYOUTS[kind].documentNo];
  return toHalfWidth(textOf(documentNo)) || null;
}

/** What a batch does to the quarantine once its records' order is taken into account. */
export interface QuarantineSettlement {
  /** The batch's refused rows to quarantine: those not followed by a valid version of their record in the batch. */
  readonly toQuarantine: readonly QuarantineRow[];
  /** Records whose last version in the batch is valid: their earlier OPEN entries are superseded. */
  readonly supersededIds: readonly string[];
}

/**
 * Settles a batch's refused rows against its valid records, by position in the batch (pre-rejected
 * rows count as coming first). Reading the same batch again settles the same way, so a re-read adds
 * no entry and resolves none twice. Arguments as in PreparedBatch.
 */
export function settleQuarantine(
  valid: readonly ValidatedRecord[],
  quarantined: readonly QuarantineRow[],
  rejectedIndexes: readonly number[],
): QuarantineSettlement {
  const refusedAt = new Set(rejectedIndexes);
  const lastValid = new Map<string, number>();
  let position = 0;
  for (const record of valid) {
    while (refusedAt.has(position)) position += 1;
    lastValid.set(record.sourceRecordId, position);
    position += 1;
  }
  const preRejectedCount = quarantined.length - rejectedIndexes.length;
  const lastRefused = new Map<string, number>();
  const toQuarantine = quarantined.filter((row, k) => {
    const id = row.source_record_id;
    if (id === null) return true;
    const at = k < preRejectedCount ? -1 : (rejectedIndexes[k - preRejectedCount] ?? -1);
    lastRefused.set(id, Math.max(at, lastRefused.get(id) ?? -1));
    const validAt = lastValid.get(id);
    return validAt === undefined || validAt < at;
  });
  const supersededIds = [...lastValid].filter(([id, validAt]) => (lastRefused.get(id) ?? -Infinity) < validAt).map(([id]) => id);
  return { toQuarantine, supersededIds };
}

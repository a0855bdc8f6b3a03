import { z } from 'zod';
import type { IncomingRecord, Rejection } from './validate-record.js';

// Checked, not rebuilt: zod's record would copy the row and drop an own `__proto__` column, which a
// replay must still see (and refuse as unmapped) as the first ingestion did.
const row = z.custom<Readonly<Record<string, unknown>>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'an object');
const originSchema = z.object({ connector: z.string(), row });
const storedPayloadSchema = z.object({
  kind: z.string().optional(),
  sourceRecordId: z.string().optional(),
  fields: row.optional(),
  origin: originSchema.optional(),
});
const rejectionSchema = z.object({ field: z.string(), rule: z.string(), value: z.string().nullable(), message: z.string() });

/** A quarantine entry's payload as read back from the store. */
export interface QuarantinedPayload {
  /** The record it holds (pushed, or as a connector mapped it); undefined for what a connector kept of an unreadable line or file. */
  readonly record: IncomingRecord | undefined;
  /** The agency's row and the connector that read it, for a record a connector mapped: what a replay maps again. */
  readonly origin: z.infer<typeof originSchema> | undefined;
}

/**
 * Reads a quarantine entry's stored payload. Parsed, not cast: an entry in a shape this version does
 * not expect (an older hub's, an unreadable line's) yields no record rather than reaching validation.
 */
export function readQuarantinedPayload(payload: unknown): QuarantinedPayload {
  const parsed = storedPayloadSchema.safeParse(payload);
  if (!parsed.success) return { record: undefined, origin: undefined };
  const { kind, sourceRecordId, fields, origin } = parsed.data;
  return { record: kind !== undefined && fields ? { kind, sourceRecordId, fields, origin } : undefined, origin };
}

const UNREADABLE_REASON: Rejection = {
  field: 'reasons',
  rule: 'UNREADABLE_REASON',
  value: null,
  message: 'a stored reason in a shape this hub version cannot read',
};

/**
 * A quarantine entry's stored reasons. A reason in a shape this version does not expect is kept as
 * UNREADABLE_REASON, so a check on the reasons (e.g. which faults an override may clear) fails closed.
 */
export function readQuarantineReasons(reasons: unknown): Rejection[] {
  if (!Array.isArray(reasons)) return [UNREADABLE_REASON];
  return reasons.map((reason) => {
    const parsed = rejectionSchema.safeParse(reason);
    return parsed.success ? parsed.data : UNREADABLE_REASON;
  });
}

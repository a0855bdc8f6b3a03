import { z } from 'zod';
import type { IncomingRecord, Rejection } from './validate-record.js';

const row = z.record(z.string(), z.unknown());
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

/** A quarantine entry's stored reasons (a reason in a shape this version does not expect is left out). */
export function readQuarantineReasons(reasons: unknown): Rejection[] {
  if (!Array.isArray(reasons)) return [];
  return reasons.flatMap((reason) => {
    const parsed = rejectionSchema.safeParse(reason);
    return parsed.success ? [parsed.data] : [];
  });
}

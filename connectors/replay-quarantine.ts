import type { Mapping } from './mapping-schema.js';
import { prepareBatch, writePreparedBatch, type IngestionDeps } from '../ingestion/ingest-batch.js';
import { readQuarantinedPayload, type QuarantinedPayload } from '../ingestion/quarantine-payload.js';
import type { IncomingRecord, Rejection } from '../ingestion/validate-record.js';
import { resolveQuarantine } from '../store/ingest-writes.js';
import { listOpenQuarantinePayloads, replaceQuarantineReasons } from '../store/quarantine-queries.js';
import { applyMapping } from './mapping.js';
import { addCounts, emptyTotals, type RunTotals } from './types.js';

const PAGE = 1000;

export interface ReplayTotals extends RunTotals {
  /** Open entries looked at. */
  examined: number;
  /** Entries that now pass and were stored (their quarantine entries are RESOLVED). */
  replayed: number;
  /** Entries that still fail; they stay OPEN, with the reasons they fail for now. */
  stillRejected: number;
}

/** An open entry as re-validated: the record to store, the reasons it fails for now, or neither (nothing to re-read). */
type Revalidation =
  { readonly id: number; readonly record: IncomingRecord } | { readonly id: number; readonly reasons: readonly Rejection[] } | { readonly id: number };

/**
 * Replays an agency's open quarantine after a fix — a corrected mapping in the config, a code list
 * entry, an allow-listed USCC: each entry is mapped again from the agency's original row (when a
 * connector received it) with that connector's current mapping, and validated again completely.
 * Those that now pass are written as a batch per page, their entries marked RESOLVED in the same
 * transaction. Those that still fail stay open with the reasons they fail for now (a row first
 * refused for an unmapped column shows its real faults once mapped), noted as re-validated. An
 * entry with nothing to re-read (an unreadable line or file, a row of a connector no longer
 * configured) stays as it is. `onProgress` hears the entries examined so far, a page at a time.
 */
export async function replayQuarantine(
  ingestion: IngestionDeps,
  agencyCode: string,
  mappings: ReadonlyMap<string, Mapping>,
  onProgress?: (examined: number) => void,
): Promise<ReplayTotals> {
  const totals: ReplayTotals = { ...emptyTotals(), examined: 0, replayed: 0, stillRejected: 0 };
  const note = `re-validated by a replay on ${ingestion.clock().toISOString()}: the reasons are the current mapping's and rules'`;
  let afterId = 0;
  for (;;) {
    const entries = await listOpenQuarantinePayloads(ingestion.db, agencyCode, afterId, PAGE);
    const last = entries.at(-1);
    if (!last) break;
    afterId = last.id;
    totals.examined += entries.length;
    onProgress?.(totals.examined);
    const remapped = entries.map((entry) => remap(entry.id, readQuarantinedPayload(entry.payload), mappings));
    const candidates = remapped.filter((r) => 'record' in r);
    const batch = await prepareBatch(ingestion, { agencyCode, source: 'replay:quarantine', records: candidates.map((c) => c.record) });
    // Without pre-rejected rows, the batch's quarantined rows are its rejected records, in order.
    const stillFailing = new Map(batch.rejectedIndexes.map((index, position) => [index, batch.quarantined[position]?.reasons ?? []]));
    const passing = candidates.filter((_, index) => !stillFailing.has(index));
    const currentReasons = [
      ...remapped.flatMap((r) => ('reasons' in r ? [{ id: r.id, reasons: r.reasons }] : [])),
      ...candidates.flatMap((c, index) => {
        const reasons = stillFailing.get(index);
        return reasons ? [{ id: c.id, reasons }] : [];
      }),
    ];
    totals.stillRejected += entries.length - passing.length;
    await replaceQuarantineReasons(ingestion.db, currentReasons, note);
    if (passing.length === 0) continue;
    // Only what now passes is written: entries that still fail are not quarantined a second time.
    const onlyValid = { ...batch, received: passing.length, quarantined: [], rejectedIndexes: [] };
    const ids = passing.map((c) => c.id);
    addCounts(
      totals,
      await writePreparedBatch(ingestion, onlyValid, (trx) => resolveQuarantine(trx, ids, 'RESOLVED', 'replayed after a correction', ingestion.clock())),
    );
    totals.replayed += passing.length;
  }
  return totals;
}

/**
 * The record mapped again from its original row with its connector's current mapping; a pushed
 * record as stored. A row whose connector is no longer configured cannot be mapped again: its stored
 * fields are what the old mapping made of it, perhaps without a column it could not map.
 */
function remap(id: number, { record, origin }: QuarantinedPayload, mappings: ReadonlyMap<string, Mapping>): Revalidation {
  if (!origin) return record ? { id, record } : { id };
  const mapping = mappings.get(origin.connector);
  if (!mapping) return { id };
  const mapped = applyMapping(origin.row, mapping, origin.connector);
  return mapped.ok ? { id, record: mapped.record } : { id, reasons: mapped.rejected.rejections };
}

import type { Mapping } from '../config/hub-config.js';
import type { IncomingRecord } from '../ingestion/validate-record.js';
import { resolveQuarantine } from '../store/ingest-writes.js';
import { listOpenQuarantinePayloads } from '../store/quarantine-queries.js';
import { applyMapping } from './mapping.js';
import { addCounts, emptyTotals, type ConnectorDeps, type RunTotals } from './types.js';

const PAGE = 1000;

export interface ReplayTotals extends RunTotals {
  /** Open entries looked at. */
  examined: number;
  /** Entries that now pass and were stored (their quarantine entries are RESOLVED). */
  replayed: number;
  /** Entries that still fail; they stay OPEN with their original reasons. */
  stillRejected: number;
}

/**
 * Replays an agency's open quarantine after a fix — a corrected mapping in the config, a code list
 * entry, an allow-listed USCC: each entry is mapped again from the agency's original row (when a
 * connector received it) with that connector's current mapping, and validated again. Those that now
 * pass are written as a batch per page, their entries marked RESOLVED in the same transaction;
 * the others stay open, untouched.
 */
export async function replayQuarantine(deps: ConnectorDeps, agencyCode: string, mappings: ReadonlyMap<string, Mapping>): Promise<ReplayTotals> {
  const totals: ReplayTotals = { ...emptyTotals(), examined: 0, replayed: 0, stillRejected: 0 };
  let afterId = 0;
  for (;;) {
    const entries = await listOpenQuarantinePayloads(deps.db, agencyCode, afterId, PAGE);
    if (entries.length === 0) break;
    afterId = entries.at(-1)!.id;
    totals.examined += entries.length;
    const candidates: { id: number; record: IncomingRecord }[] = [];
    for (const entry of entries) {
      const record = remap(entry.payload as IncomingRecord, mappings);
      if (record) candidates.push({ id: entry.id, record });
    }
    const batch = await deps.prepare({ agencyCode, source: 'replay:quarantine', records: candidates.map((c) => c.record) });
    const failed = new Set(batch.rejectedIndexes);
    const passing = candidates.filter((_, index) => !failed.has(index));
    totals.stillRejected += entries.length - passing.length;
    if (passing.length === 0) continue;
    // Only what now passes is written: entries that still fail are not quarantined a second time.
    const onlyValid = { ...batch, received: passing.length, quarantined: [], rejectedIndexes: [] };
    const ids = passing.map((c) => c.id);
    addCounts(totals, await deps.write(onlyValid, (trx) => resolveQuarantine(trx, ids, 'RESOLVED', 'replayed after a correction')));
    totals.replayed += passing.length;
  }
  return totals;
}

/** The record mapped again from its original row, if its connector still exists; otherwise as stored. Undefined when it still cannot be mapped. */
function remap(stored: IncomingRecord, mappings: ReadonlyMap<string, Mapping>): IncomingRecord | undefined {
  const mapping = stored.origin ? mappings.get(stored.origin.connector) : undefined;
  if (!stored.origin || !mapping) return stored.fields ? stored : undefined;
  const mapped = applyMapping(stored.origin.row, mapping, stored.origin.connector);
  return mapped.ok ? mapped.record : undefined;
}

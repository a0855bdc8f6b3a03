import { readFile } from 'node:fs/promises';
import type { HttpJsonSourceConfig } from '../../config/hub-config.js';
import type { PreRejected } from '../../ingestion/ingest-batch.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { readWatermark, saveWatermark } from '../../store/connector-state.js';
import { applyMapping } from '../mapping.js';
import { addCounts, emptyTotals, type Connector, type ConnectorDeps } from '../types.js';
import { fetchPage } from './fetch-page.js';

/**
 * Pulls an agency's changes page by page from an HTTP JSON API, from its watermark (the latest
 * `updatedAtField` stored so far, sent as `updated_since`, inclusive). Each page is one batch, and
 * the watermark is saved in that batch's transaction: a run that stops anywhere resumes without
 * skipping a record, and records read twice are unchanged no-ops.
 */
export function createHttpJsonConnector(agencyCode: string, name: string, source: HttpJsonSourceConfig, deps: ConnectorDeps): Connector {
  return {
    type: 'http-json',
    name,
    agencyCode,
    run: async () => {
      const token = source.bearerTokenFile ? (await readFile(source.bearerTokenFile, 'utf8')).trim() : undefined;
      // The run pages through one query, from the watermark it started with; the stored watermark
      // moves page by page, so a run that stops resumes after the last page it stored.
      const since = await readWatermark(deps.db, agencyCode, name);
      let watermark = since;
      const totals = emptyTotals();
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = { [source.params.pageSize]: String(source.pageSize) };
        if (since) query[source.params.updatedSince] = since;
        if (cursor) query[source.params.cursor] = cursor;
        const page = await fetchPage(source, query, token, deps.logger);
        const { records, rejected, latest } = mapPage(page.records, source, name, watermark);
        if (records.length + rejected.length > 0) {
          const batch = await deps.prepare({ agencyCode, source: `http:${name}`, records, preRejected: rejected });
          const moved = latest !== watermark && latest !== undefined ? latest : undefined;
          addCounts(totals, await deps.write(batch, moved ? (trx) => saveWatermark(trx, agencyCode, name, moved) : undefined));
          watermark = latest;
        }
        cursor = page.nextCursor;
      } while (cursor);
      return totals;
    },
  };
}

function mapPage(rows: readonly Record<string, unknown>[], source: HttpJsonSourceConfig, connector: string, watermark: string | undefined) {
  const records: IncomingRecord[] = [];
  const rejected: PreRejected[] = [];
  let latest = watermark === undefined ? Number.NEGATIVE_INFINITY : Date.parse(watermark);
  for (const row of rows) {
    const { [source.updatedAtField]: updatedAt, ...fields } = row;
    const changedAt = typeof updatedAt === 'string' ? Date.parse(updatedAt) : Number.NaN;
    if (Number.isNaN(changedAt)) {
      rejected.push({ payload: row, sourceRecordId: null, kind: null, rejections: [{ field: source.updatedAtField, rule: 'DATETIME', value: String(updatedAt ?? '') || null, message: `${source.updatedAtField} must be an ISO 8601 time` }] });
      continue;
    }
    latest = Math.max(latest, changedAt);
    const mapped = applyMapping(fields, source.mapping, connector);
    if (mapped.ok) records.push(mapped.record);
    else rejected.push(mapped.rejected);
  }
  return { records, rejected, latest: Number.isFinite(latest) ? new Date(latest).toISOString() : watermark };
}

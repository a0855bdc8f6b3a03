import { readFile } from 'node:fs/promises';
import type { HttpJsonSourceConfig } from './config.js';
import type { PreRejected } from '../../ingestion/ingest-batch.js';
import { textOf } from '../../ingestion/text.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { applyMapping } from '../mapping.js';
import { createOrderedWriter, emptyTotals, IGNORED_REPORT, type Connector, type ConnectorDeps, type RunReport } from '../types.js';
import { CHANGE_TIME_FORMS, parseChangeTime } from './change-time.js';
import { openPage, type Row } from './fetch-page.js';
import { changeOrderCheck, firstPosition, nextPosition, pageQuery, type PagePosition, type PagingWarning } from './paging.js';

/** A page is ingested in batches of at most this many records as it streams in. */
const STREAM_BATCH_SIZE = 2000;

/**
 * Pulls an agency's changes page by page from an HTTP JSON API, from its watermark (the latest
 * `updatedAtField` stored so far, sent as `updated_since`: as it is, or slightly earlier for an API
 * that reads it as exclusive), by cursor, offset or page number (see paging.ts: the end of data is
 * confirmed, never inferred from a short page). A page is parsed as it streams in and written in batches; the watermark
 * is saved in the transaction of the page's last batch: a run that stops anywhere resumes without
 * skipping a record, and records read twice are unchanged no-ops. Validation of the next batch
 * overlaps the write of the current one. The run reports each page read, paging warnings (once per
 * code) and its watermark before and after; it fails with a ConnectorFailure naming the reason.
 */
export function createHttpJsonConnector(agencyCode: string, name: string, source: HttpJsonSourceConfig, deps: ConnectorDeps): Connector {
  return {
    type: 'http-json',
    name,
    agencyCode,
    run: async (report: RunReport = IGNORED_REPORT) => {
      const storedToken = source.bearerTokenFile ? (await readFile(source.bearerTokenFile, 'utf8')).trim() : undefined;
      const audience = source.signedJwtAudience;
      // A signed token is made per page: it lives 60 s, a run may take longer.
      const tokenForPage = async () => (audience ? deps.signRequestToken(audience) : storedToken);
      // The stored watermark moves page by page, so a run that stops resumes after the last page it stored.
      const before = await deps.readWatermark(agencyCode, name);
      let watermark = before;
      const warned = new Set<PagingWarning['code']>();
      const warn = ({ code, message }: PagingWarning) => {
        if (warned.has(code)) return;
        warned.add(code);
        deps.logger.warn({ code, reason: message }, 'agency API paging warning');
        report.warn(code, message);
      };
      const totals = emptyTotals();
      const writer = createOrderedWriter(deps.write, totals);
      let position: PagePosition | null = firstPosition(watermark);
      try {
        while (position) {
          const page = await openPage(source, pageQuery(source, position), await tokenForPage(), deps.logger);
          const checkOrder = changeOrderCheck(source, position.since);
          let rows: Row[] = [];
          let received = 0;
          let first: string | undefined;
          let latest = watermark;
          for await (const row of page.records) {
            rows.push(row);
            if (received++ === 0) first = JSON.stringify(row);
            if (rows.length === STREAM_BATCH_SIZE) {
              latest = await submit(rows, latest, checkOrder, false);
              rows = [];
            }
          }
          // The page's last batch carries the watermark: only a page stored whole moves it.
          watermark = await submit(rows, latest, checkOrder, true);
          report.pageRead();
          const step = nextPosition(source, position, { rows: received, latest: watermark, first, summary: page.summary() });
          step.warnings.forEach(warn);
          position = step.next;
        }
        await writer.drain();
      } catch (error) {
        await writer.drain().catch(() => undefined);
        // The watermark as stored: the pages written before the failure moved it.
        report.watermark(before, await deps.readWatermark(agencyCode, name).catch(() => watermark));
        throw error;
      }
      report.watermark(before, watermark);
      return totals;

      /** Prepares rows as a batch and queues its write, with the watermark when it ends a page. Returns the latest change time seen. */
      async function submit(
        rows: Row[],
        latestSoFar: string | undefined,
        checkOrder: (changedAt: number) => void,
        endOfPage: boolean,
      ): Promise<string | undefined> {
        const { records, rejected, latest } = mapPage(rows, source, name, latestSoFar, checkOrder);
        const watermarkToSave = endOfPage ? latest : undefined;
        const moves = watermarkToSave !== undefined && watermarkToSave !== watermark;
        if (records.length + rejected.length === 0 && !moves) return latest;
        const batch = await deps.prepare({ agencyCode, source: `http:${name}`, records, preRejected: rejected, defaultRegion: source.mapping.defaultRegion });
        await writer.submit(batch, moves ? { watermark: { connector: name, value: watermarkToSave } } : undefined);
        return latest;
      }
    },
  };
}

function mapPage(
  rows: readonly Row[],
  source: HttpJsonSourceConfig,
  connector: string,
  watermark: string | undefined,
  checkOrder: (changedAt: number) => void,
) {
  const records: IncomingRecord[] = [];
  const rejected: PreRejected[] = [];
  let latest = watermark === undefined ? Number.NEGATIVE_INFINITY : Date.parse(watermark);
  for (const row of rows) {
    const { [source.updatedAtField]: updatedAt, ...fields } = row;
    const changedAt = parseChangeTime(updatedAt);
    if (Number.isNaN(changedAt)) {
      rejected.push({
        payload: row,
        sourceRecordId: null,
        kind: null,
        rejections: [
          {
            field: source.updatedAtField,
            rule: 'DATETIME',
            value: textOf(updatedAt) || null,
            message: `${source.updatedAtField} must be ${CHANGE_TIME_FORMS}`,
          },
        ],
      });
      continue;
    }
    checkOrder(changedAt);
    latest = Math.max(latest, changedAt);
    const mapped = applyMapping(fields, source.mapping, connector);
    if (mapped.ok) records.push(mapped.record);
    else rejected.push(mapped.rejected);
  }
  return { records, rejected, latest: Number.isFinite(latest) ? new Date(latest).toISOString() : watermark };
}

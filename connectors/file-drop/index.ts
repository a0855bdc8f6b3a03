import { mkdir, readdir, rename } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { FileDropSourceConfig } from './config.js';
import type { PreRejected } from '../../ingestion/ingest-batch.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { applyMapping } from '../mapping.js';
import {
  addCounts,
  ConnectorFailure,
  createOrderedWriter,
  emptyTotals,
  IGNORED_REPORT,
  mergeTotals,
  type Connector,
  type ConnectorDeps,
  type RunReport,
  type RunTotals,
} from '../types.js';
import { readCsvRows, readJsonLines, type FileRow } from './read-rows.js';

const READERS: Readonly<Record<string, (path: string, encoding: FileDropSourceConfig['encoding']) => AsyncGenerator<FileRow>>> = {
  '.csv': readCsvRows,
  '.jsonl': readJsonLines,
  '.ndjson': readJsonLines,
};

export const FILE_DROP_BATCH_SIZE = 2000;

/** Error codes that mean the file itself cannot be read (a record over its size limit among them): it goes to failed/ rather than being retried. */
export const UNREADABLE: ReadonlySet<string> = new Set([
  'ENCODING',
  'RECORD_TOO_LONG',
  'NOT_A_REGULAR_FILE',
  'CSV_MAX_RECORD_SIZE',
  'CSV_QUOTE_NOT_CLOSED',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH',
  'EACCES',
  'EISDIR',
]);

/**
 * Reads an agency's CSV and JSON Lines files from a folder, in name order, streaming: memory stays
 * flat whatever the file size. Each file is ingested in batches; one transaction per batch. With
 * afterRun 'move', a file fully read goes to processed/ and an unreadable one to failed/; any other
 * failure (the database, say) leaves the file in place for the next run and ends the run.
 */
export function createFileDropConnector(agencyCode: string, name: string, source: FileDropSourceConfig, deps: ConnectorDeps): Connector {
  const moveTo = async (file: string, folder: 'processed' | 'failed') => {
    await mkdir(join(source.folder, folder), { recursive: true });
    await rename(join(source.folder, file), join(source.folder, folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${file}`));
  };
  return {
    type: 'file-drop',
    name,
    agencyCode,
    run: async (report: RunReport = IGNORED_REPORT) => {
      const entries = await readdir(source.folder, { withFileTypes: true }).catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        throw new ConnectorFailure(
          'SOURCE_UNREADABLE',
          `folder ${source.folder} of source ${name} cannot be read (${typeof code === 'string' ? code : 'unknown error'})`,
          { cause: error },
        );
      });
      const files = entries
        .filter((e) => e.isFile() && READERS[extname(e.name).toLowerCase()])
        .map((e) => e.name)
        .sort();
      const totals = emptyTotals();
      for (const file of files) {
        // Batches written before a file turns out unreadable stay, and count.
        const fileTotals = emptyTotals();
        try {
          await ingestFile({ agencyCode, connector: name, path: join(source.folder, file) }, source, deps, fileTotals);
          deps.logger.info({ file, ...fileTotals }, 'file ingested');
          report.pageRead();
          if (source.afterRun === 'move') await moveTo(file, 'processed');
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code !== 'string' || !UNREADABLE.has(code)) throw error;
          const reason = (error as Error).message;
          deps.logger.warn({ file, code, reason }, 'file cannot be read');
          // The agency sees it with its rejected records: the file, the rule it broke and why.
          const rejection = { field: 'file', rule: code, value: file, message: `${file} cannot be read: ${reason}` };
          addCounts(
            fileTotals,
            await deps.write(
              await deps.prepare({
                agencyCode,
                source: `file:${file}`,
                records: [],
                preRejected: [{ payload: { file }, sourceRecordId: null, kind: null, rejections: [rejection] }],
              }),
            ),
          );
          if (source.afterRun === 'move') await moveTo(file, 'failed');
        } finally {
          mergeTotals(totals, fileTotals);
        }
      }
      return totals;
    },
  };
}

/**
 * Reads one file into batches through the source's mapping and the ingestion core, adding what each
 * batch did to `totals`; `onRows` hears how many rows each batch took (progress of a long import).
 * Used by the file-drop connector and by `npm run hub -- import`.
 */
export async function ingestFile(
  { agencyCode, connector, path }: { agencyCode: string; connector: string; path: string },
  source: Pick<FileDropSourceConfig, 'encoding' | 'mapping'>,
  deps: Pick<ConnectorDeps, 'prepare' | 'write'>,
  totals: RunTotals,
  onRows: (rows: number) => void = () => undefined,
): Promise<void> {
  const read = READERS[extname(path).toLowerCase()];
  if (!read) return;
  const writer = createOrderedWriter((batch) => deps.write(batch), totals);
  let records: IncomingRecord[] = [];
  let rejected: PreRejected[] = [];
  const flush = async () => {
    if (records.length + rejected.length === 0) return;
    const batch = await deps.prepare({
      agencyCode,
      source: `file:${basename(path)}`,
      records,
      preRejected: rejected,
      defaultRegion: source.mapping.defaultRegion,
    });
    onRows(records.length + rejected.length);
    records = [];
    rejected = [];
    await writer.submit(batch);
  };
  try {
    for await (const item of read(path, source.encoding)) {
      if ('error' in item) {
        rejected.push({
          payload: { file: basename(path), line: item.line },
          sourceRecordId: null,
          kind: null,
          rejections: [{ field: `line ${item.line}`, rule: 'SYNTAX', value: null, message: item.error }],
        });
      } else {
        const mapped = applyMapping(item.row, source.mapping, connector);
        if (mapped.ok) records.push(mapped.record);
        else rejected.push(mapped.rejected);
      }
      if (records.length + rejected.length >= FILE_DROP_BATCH_SIZE) await flush();
    }
    await flush();
  } catch (error) {
    // Let the batch in flight finish before the caller moves on, so batches stay in order across files.
    await writer.drain().catch(() => undefined);
    throw error;
  }
  await writer.drain();
}

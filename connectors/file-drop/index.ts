import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { FileDropSourceConfig } from '../../config/hub-config.js';
import type { PreRejected } from '../../ingestion/ingest-batch.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { applyMapping } from '../mapping.js';
import { createOrderedWriter, emptyTotals, mergeTotals, type Connector, type ConnectorDeps, type RunTotals } from '../types.js';
import { readCsvRows, readJsonLines, type FileRow } from './read-rows.js';

const READERS: Readonly<Record<string, (path: string) => AsyncGenerator<FileRow>>> = {
  '.csv': readCsvRows,
  '.jsonl': readJsonLines,
  '.ndjson': readJsonLines,
};

export const FILE_DROP_BATCH_SIZE = 2000;

/**
 * Reads an agency's CSV and JSON Lines files from a folder, in name order, streaming: memory stays
 * flat whatever the file size. Each file is ingested in batches; one transaction per batch.
 */
export function createFileDropConnector(agencyCode: string, source: FileDropSourceConfig, deps: ConnectorDeps): Connector {
  return {
    type: 'file-drop',
    agencyCode,
    run: async () => {
      const files = (await readdir(source.folder)).filter((name) => READERS[extname(name).toLowerCase()]).sort();
      const totals = emptyTotals();
      for (const name of files) {
        const fileTotals = await ingestFile(agencyCode, join(source.folder, name), source, deps);
        deps.logger.info({ file: name, ...fileTotals }, 'file ingested');
        mergeTotals(totals, fileTotals);
      }
      return totals;
    },
  };
}

async function ingestFile(agencyCode: string, path: string, source: FileDropSourceConfig, deps: ConnectorDeps): Promise<RunTotals> {
  const read = READERS[extname(path).toLowerCase()];
  const totals = emptyTotals();
  if (!read) return totals;
  const writer = createOrderedWriter(deps.write, totals);
  let records: IncomingRecord[] = [];
  let rejected: PreRejected[] = [];
  const flush = async () => {
    if (records.length + rejected.length === 0) return;
    const batch = await deps.prepare({ agencyCode, source: `file:${basename(path)}`, records, preRejected: rejected });
    records = [];
    rejected = [];
    await writer.submit(batch);
  };
  for await (const item of read(path)) {
    if ('error' in item) {
      rejected.push({ payload: { file: basename(path), line: item.line }, sourceRecordId: null, kind: null, rejections: [{ field: `line ${item.line}`, rule: 'SYNTAX', value: null, message: item.error }] });
    } else {
      const mapped = applyMapping(item.row, source.mapping);
      if (mapped.ok) records.push(mapped.record);
      else rejected.push(mapped.rejected);
    }
    if (records.length + rejected.length >= FILE_DROP_BATCH_SIZE) await flush();
  }
  await flush();
  await writer.drain();
  return totals;
}

import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Logger } from 'pino';
import type { FileDropSourceConfig } from '../connectors/file-drop/config.js';
import type { HubConfig } from './hub-config.js';
import { ingestFile } from '../connectors/file-drop/index.js';
import { connectorName } from '../connectors/index.js';
import { emptyTotals, type RunTotals } from '../connectors/types.js';
import { prepareBatch, writePreparedBatch } from '../ingestion/ingest-batch.js';
import type { HubDb } from '../store/database.js';
import { ingestionDepsFor } from './ingestion-deps.js';

/** An import the operator asked for that cannot run as given; the message says what to change. */
export class ImportError extends Error {}

export interface ImportRequest {
  readonly agencyCode: string;
  /** The agency's file-drop source whose mapping reads the file; needed only when it has several. */
  readonly sourceName: string | undefined;
  readonly path: string;
}

/**
 * `import <file>`: ingests one CSV or JSON Lines file for an agency through the mapping of one of its
 * file-drop sources and the ingestion core, as a file dropped in that source's folder would be: the
 * same validation, quarantine, history and batches (named `file:<name>`). The file is not moved.
 * `onProgress` hears the rows read so far and the file's row count.
 */
export async function importFile(
  deps: { readonly db: HubDb; readonly config: HubConfig; readonly clock: () => Date; readonly logger: Logger },
  request: ImportRequest,
  onProgress: (rowsRead: number, rowsInFile: number) => void,
): Promise<RunTotals> {
  const { source, connector } = fileDropSourceFor(deps.config, request);
  if (!['.csv', '.jsonl', '.ndjson'].includes(extname(request.path).toLowerCase()))
    throw new ImportError(`${basename(request.path)}: only .csv, .jsonl and .ndjson files can be imported`);
  const rowsInFile = await countRows(request.path);
  const ingestion = ingestionDepsFor(deps.config, deps.db, deps.clock, deps.logger);
  const totals = emptyTotals();
  let rowsRead = 0;
  onProgress(0, rowsInFile);
  await ingestFile(
    { agencyCode: request.agencyCode, connector, path: request.path },
    source,
    { prepare: (batch) => prepareBatch(ingestion, batch), write: (batch) => writePreparedBatch(ingestion, batch) },
    totals,
    (rows) => {
      onProgress((rowsRead += rows), rowsInFile);
    },
  );
  return totals;
}

function fileDropSourceFor(config: HubConfig, request: ImportRequest): { source: FileDropSourceConfig; connector: string } {
  const agency = config.agencies.find((a) => a.code === request.agencyCode);
  if (!agency)
    throw new ImportError(`--agency ${request.agencyCode} is not a configured agency (configured: ${config.agencies.map((a) => a.code).join(', ')})`);
  const fileDrops = agency.sources.flatMap((source, index) => (source.type === 'file-drop' ? [{ source, connector: connectorName(source, index) }] : []));
  const named = request.sourceName === undefined ? fileDrops : fileDrops.filter((s) => s.connector === request.sourceName);
  const [only, ...more] = named;
  if (only && more.length === 0) return only;
  const names = fileDrops.map((s) => s.connector).join(', ') || 'none';
  if (request.sourceName !== undefined)
    throw new ImportError(`--source ${request.sourceName} is not a file-drop source of ${agency.code} (its file-drop sources: ${names})`);
  throw new ImportError(
    fileDrops.length === 0
      ? `${agency.code} has no file-drop source whose mapping could read the file`
      : `${agency.code} has several file-drop sources (${names}): name the one whose mapping reads the file with --source`,
  );
}

/** Lines that are not blank: a CSV's rows plus its header, a JSON Lines file's records (an estimate for progress only). */
async function countRows(path: string): Promise<number> {
  let lines = 0;
  let lineHasText = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (byte === 0x0a) {
        if (lineHasText) lines += 1;
        lineHasText = false;
      } else if (byte !== 0x0d && byte !== 0x20) lineHasText = true;
    }
  }
  if (lineHasText) lines += 1;
  return extname(path).toLowerCase() === '.csv' ? Math.max(lines - 1, 0) : lines;
}

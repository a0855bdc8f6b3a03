import { basename, extname } from 'node:path';
import { FileRefusal, openRegularFile } from '../config/regular-file.js';
import type { FileDropSourceConfig } from '../connectors/file-drop/config.js';
import type { HubConfig } from './hub-config.js';
import { ingestFile, UNREADABLE } from '../connectors/file-drop/index.js';
import { connectorName } from '../connectors/index.js';
import type { RunTotals } from '../connectors/types.js';
import { prepareBatch, writePreparedBatch, type IngestionDeps } from '../ingestion/ingest-batch.js';

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
 * `onProgress` hears the rows read so far and the file's row count; it may throw to stop the import
 * before its next batch. `totals` is filled batch by batch: what committed before a failure is in it.
 * A file that cannot be read as rows (not a regular file, not valid text, a record over the size
 * limit) throws ImportError naming the file and the rule.
 */
export async function importFile(
  deps: { readonly config: HubConfig; readonly ingestion: IngestionDeps },
  request: ImportRequest,
  totals: RunTotals,
  onProgress: (rowsRead: number, rowsInFile: number) => void,
): Promise<void> {
  const { source, connector } = fileDropSourceFor(deps.config, request);
  const file = basename(request.path);
  if (!['.csv', '.jsonl', '.ndjson'].includes(extname(request.path).toLowerCase()))
    throw new ImportError(`${file}: only .csv, .jsonl and .ndjson files can be imported`);
  const { ingestion } = deps;
  let rowsRead = 0;
  try {
    const rowsInFile = await countRows(request.path);
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
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new ImportError(`${file}: no such file (resolved as ${request.path})`, { cause: error });
    if (typeof code === 'string' && UNREADABLE.has(code)) throw new ImportError(`${file} cannot be imported: ${(error as Error).message}`, { cause: error });
    throw error;
  }
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
  const file = await openRegularFile(path).catch((error: unknown) => {
    throw error instanceof FileRefusal ? new FileRefusal(error.code, `the file ${error.message}`) : error;
  });
  for await (const chunk of file.createReadStream() as AsyncIterable<Buffer>) {
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

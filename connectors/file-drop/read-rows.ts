import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { FileRefusal, kibibytes, openRegularFile } from '../../config/regular-file.js';
import type { FileDropSourceConfig } from './config.js';

/** A row read from a file, or a line that could not be read as one. */
export type FileRow = { readonly line: number; readonly row: Record<string, unknown> } | { readonly line: number; readonly error: string };

type FileEncoding = FileDropSourceConfig['encoding'];

/** The longest JSON Lines line or CSV record read, in characters: one record is a few kilobytes; a longer one would only fill memory. */
export const MAX_RECORD_CHARACTERS = 1024 * 1024;

/** A file whose bytes are not text in the configured encoding: it cannot be read as rows at all. */
class EncodingError extends Error {
  readonly code = 'ENCODING';
}

/** A line longer than MAX_RECORD_CHARACTERS: the file cannot be read as rows. */
class RecordTooLongError extends Error {
  readonly code = 'RECORD_TOO_LONG';
}

/**
 * The file's text, chunk by chunk, decoded strictly: bytes that are not `encoding` stop the read
 * rather than turn into replacement characters that would be stored as names and reasons.
 */
async function* decodedText(path: string, encoding: FileEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let offset = 0;
  const fail = () => {
    const hint = encoding === 'utf-8' ? ': an export in GBK or GB18030 needs "encoding": "gb18030" in the source' : '';
    return new EncodingError(`the file is not valid ${encoding.toUpperCase()} near byte ${offset}${hint}`);
  };
  const file = await openRegularFile(path).catch((error: unknown) => {
    throw error instanceof FileRefusal ? new FileRefusal(error.code, `the file ${error.message}`) : error;
  });
  for await (const chunk of file.createReadStream() as AsyncIterable<Buffer>) {
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch {
      throw fail();
    }
    offset += chunk.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw fail();
  }
}

/** Streams rows of a CSV file with a header line (a UTF-8 byte order mark is skipped). */
export async function* readCsvRows(path: string, encoding: FileEncoding): AsyncGenerator<FileRow> {
  const parser = parse({
    bom: true,
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    info: true,
    max_record_size: MAX_RECORD_CHARACTERS,
  });
  // A failure on either side destroys the parser with it, so it surfaces in the loop below.
  pipeline(Readable.from(decodedText(path, encoding)), parser).catch(() => undefined);
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>) {
    yield { line: info.lines, row: record };
  }
}

/** Streams objects of a JSON Lines file; a line that is not a JSON object is reported, not fatal. */
export async function* readJsonLines(path: string, encoding: FileEncoding): AsyncGenerator<FileRow> {
  let line = 0;
  let partial = '';
  for await (const text of decodedText(path, encoding)) {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const content of lines) {
      line += 1;
      if (content.length > MAX_RECORD_CHARACTERS) throw tooLong(line);
      yield* jsonLine(line, content);
    }
    if (partial.length > MAX_RECORD_CHARACTERS) throw tooLong(line + 1);
  }
  if (partial) yield* jsonLine(line + 1, partial);
}

const tooLong = (line: number) =>
  new RecordTooLongError(`line ${line} is over the ${kibibytes(MAX_RECORD_CHARACTERS)} limit of a JSON Lines record (${MAX_RECORD_CHARACTERS} characters)`);

function* jsonLine(line: number, text: string): Generator<FileRow> {
  const content = (line === 1 ? text.replace(/^\uFEFF/, '') : text).replace(/\r$/, '');
  if (content.trim() === '') return;
  try {
    const value: unknown = JSON.parse(content);
    if (value && typeof value === 'object' && !Array.isArray(value)) yield { line, row: value as Record<string, unknown> };
    else yield { line, error: 'line is not a JSON object' };
  } catch (error) {
    yield { line, error: `line is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

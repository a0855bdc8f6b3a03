import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/** A row read from a file, or a line that could not be read as one. */
export type FileRow = { readonly line: number; readonly row: Record<string, unknown> } | { readonly line: number; readonly error: string };

/** Streams rows of a CSV file with a header line (UTF-8, with or without BOM). */
export async function* readCsvRows(path: string): AsyncGenerator<FileRow> {
  const parser = createReadStream(path).pipe(parse({ bom: true, columns: true, skip_empty_lines: true, relax_column_count: true, trim: true, info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>) {
    yield { line: info.lines, row: record };
  }
}

/** Streams objects of a JSON Lines file; a line that is not a JSON object is reported, not fatal. */
export async function* readJsonLines(path: string): AsyncGenerator<FileRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    const content = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (content.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(content);
      if (value && typeof value === 'object' && !Array.isArray(value)) yield { line, row: value as Record<string, unknown> };
      else yield { line, error: 'line is not a JSON object' };
    } catch (error) {
      yield { line, error: `line is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

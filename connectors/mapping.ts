import type { Mapping } from '../config/hub-config.js';
import type { PreRejected } from '../ingestion/ingest-batch.js';
import { toHalfWidth } from '../ingestion/text.js';
import type { IncomingRecord } from '../ingestion/validate-record.js';
import { compileDateFormat, DATE_COLUMNS } from '../ingestion/date-format.js';

const STANDARD_CODE = /^(XK|CF|MD)_[A-Z_]+$|^BZ$/;

const dateRewriters = new WeakMap<Mapping, (value: string) => string>();

/** The mapping's date rewriter, compiled once per mapping. */
function dateRewriter(mapping: Mapping): ((value: string) => string) | undefined {
  if (!mapping.dateFormat) return undefined;
  let rewrite = dateRewriters.get(mapping);
  if (!rewrite) {
    rewrite = compileDateFormat(mapping.dateFormat);
    dateRewriters.set(mapping, rewrite);
  }
  return rewrite;
}

export type MappedRow = { readonly ok: true; readonly record: IncomingRecord } | { readonly ok: false; readonly rejected: PreRejected };

/**
 * Turns one row in an agency's own columns into a record in standard columns. Several agency
 * columns mapped to one standard column (legacy 处罚类别1/2) are joined with ';'. A column that is
 * neither mapped, standard, nor ignored is a quarantine reason: schema drift must be seen, not dropped.
 * The row and the connector's name travel with the record (`origin`), so a quarantined record can be
 * mapped again once the mapping is fixed.
 */
export function applyMapping(row: Readonly<Record<string, unknown>>, mapping: Mapping, connector: string): MappedRow {
  const fields: Record<string, string> = {};
  const unmapped: string[] = [];
  const reserved = new Set([mapping.kindColumn, mapping.sourceRecordIdColumn, ...mapping.ignoreColumns]);
  const rewriteDate = dateRewriter(mapping);
  for (const [column, raw] of Object.entries(row)) {
    if (reserved.has(column)) continue;
    const code = mapping.columns[column] ?? (STANDARD_CODE.test(column) ? column : undefined);
    if (code === undefined) {
      unmapped.push(column);
      continue;
    }
    const value = raw === null || raw === undefined ? '' : toHalfWidth(String(raw));
    if (value === '') continue;
    const translated = mapping.values[code]?.[value] ?? (rewriteDate && DATE_COLUMNS.has(code) ? rewriteDate(value) : value);
    fields[code] = fields[code] ? `${fields[code]};${translated}` : translated;
  }
  for (const [code, value] of Object.entries(mapping.defaults)) fields[code] ??= value;
  const kind = mapping.kind ?? String(row[mapping.kindColumn ?? ''] ?? '');
  const sourceRecordId = mapping.sourceRecordIdColumn ? String(row[mapping.sourceRecordIdColumn] ?? '') || undefined : undefined;
  const origin = { connector, row };
  if (unmapped.length > 0) {
    return {
      ok: false,
      rejected: {
        payload: { kind, sourceRecordId, fields, origin } satisfies IncomingRecord,
        sourceRecordId: sourceRecordId ?? null,
        kind,
        rejections: unmapped.map((column) => ({ field: column, rule: 'UNMAPPED_COLUMN', value: null, message: `column ${column} has no mapping to a standard field` })),
      },
    };
  }
  return { ok: true, record: { kind, sourceRecordId, fields, origin } };
}

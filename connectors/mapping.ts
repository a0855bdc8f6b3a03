import type { KindRules, Mapping } from './mapping-schema.js';
import type { PreRejected } from '../ingestion/ingest-batch.js';
import { RECORD_KINDS, isRecordKind, standardColumn, type RecordKind } from '../ingestion/record-kinds.js';
import { textOf, toHalfWidth } from '../ingestion/text.js';
import type { IncomingRecord, Rejection } from '../ingestion/validate-record.js';
import { compileDateFormat, DATE_COLUMNS } from '../ingestion/date-format.js';

const STANDARD_CODE = /^(XK|CF|MD)_[A-Z_]+$|^BZ$/;
const MAX_REPORTED_CODE_LENGTH = 60;

/** One kind's rules, top level and `byKind` merged, agency values keyed by their normal form. */
interface ResolvedRules {
  readonly columns: ReadonlyMap<string, string>;
  readonly values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly defaults: readonly (readonly [string, string])[];
  readonly ignored: ReadonlySet<string>;
}

interface CompiledMapping {
  readonly kindCodes: ReadonlyMap<string, RecordKind> | undefined;
  readonly byKind: ReadonlyMap<RecordKind, ResolvedRules>;
  /** The top-level rules unfiltered, for a row whose kind is not a record kind (validation refuses it). */
  readonly unknownKind: ResolvedRules;
  /** Columns some kind maps or ignores: empty in a row of another kind, they are not schema drift. */
  readonly known: ReadonlySet<string>;
  readonly reserved: ReadonlySet<string>;
  readonly rewriteDate: ((value: string) => string) | undefined;
}

const compiled = new WeakMap<Mapping, CompiledMapping>();

export type MappedRow = { readonly ok: true; readonly record: IncomingRecord } | { readonly ok: false; readonly rejected: PreRejected };

/**
 * Turns one row in an agency's own columns into a record in standard columns. The row's kind is the
 * mapping's `kind`, or its `kindColumn` value translated through `kindValues`; the kind's rules are the
 * top-level `columns`, `values`, `defaults` and `ignoreColumns` whose standard columns belong to it,
 * with its `byKind` entries added and winning. Values are passed on as sent: only `values` lookups
 * and date rewriting read their normal form, and validation normalises what is not free text.
 * Several agency columns mapped to one standard column (legacy 处罚类别1/2) are joined with ';'. A
 * column that is neither mapped, standard, nor ignored is a quarantine reason (schema drift must be
 * seen, not dropped), unless it is empty and another kind maps it. The row and the connector's name
 * travel with the record (`origin`), so a quarantined record can be mapped again once the mapping is fixed.
 */
export function applyMapping(row: Readonly<Record<string, unknown>>, mapping: Mapping, connector: string): MappedRow {
  const plan = compile(mapping);
  const sourceRecordId = mapping.sourceRecordIdColumn ? textOf(row[mapping.sourceRecordIdColumn]) || undefined : undefined;
  const origin = { connector, row };
  const resolved = resolveKind(row, mapping, plan);
  if ('rejection' in resolved) {
    const payload: IncomingRecord = { kind: resolved.code, sourceRecordId, fields: {}, origin };
    return { ok: false, rejected: { payload, sourceRecordId: sourceRecordId ?? null, kind: resolved.code, rejections: [resolved.rejection] } };
  }
  const { kind } = resolved;
  // Read as validation reads it, so `penalty` in a kind column gets the PENALTY rules.
  const recordKind = toHalfWidth(kind).toUpperCase();
  const rules = isRecordKind(recordKind) ? (plan.byKind.get(recordKind) ?? plan.unknownKind) : plan.unknownKind;
  const fields: Record<string, string> = {};
  const unmapped: Rejection[] = [];
  for (const [column, raw] of Object.entries(row)) {
    if (plan.reserved.has(column) || rules.ignored.has(column)) continue;
    const value = textOf(raw);
    const code = rules.columns.get(column) ?? (STANDARD_CODE.test(column) ? column : undefined);
    if (code === undefined) {
      if (value.trim() !== '' || !plan.known.has(column)) unmapped.push(unmappedColumn(column, kind, plan.known.has(column)));
      continue;
    }
    if (value.trim() === '') continue;
    const table = rules.values.get(code);
    const translated = table?.get(toHalfWidth(value)) ?? (plan.rewriteDate && DATE_COLUMNS.has(code) ? plan.rewriteDate(toHalfWidth(value)) : value);
    fields[code] = fields[code] ? `${fields[code]};${translated}` : translated;
  }
  for (const [code, value] of rules.defaults) fields[code] ??= value;
  const record: IncomingRecord = { kind, sourceRecordId, fields, origin };
  if (unmapped.length > 0) return { ok: false, rejected: { payload: record, sourceRecordId: sourceRecordId ?? null, kind, rejections: unmapped } };
  return { ok: true, record };
}

function unmappedColumn(column: string, kind: string, mappedForAnotherKind: boolean): Rejection {
  const message = mappedForAnotherKind
    ? `column ${column} is mapped for another kind only, and this ${kind} row has a value in it`
    : `column ${column} has no mapping to a standard field`;
  return { field: column, rule: 'UNMAPPED_COLUMN', value: null, message };
}

/**
 * The row's kind: the fixed one, the kind column's code through `kindValues`, or, without
 * `kindValues`, the column's value as it is (validation refuses one that is not a record kind).
 */
function resolveKind(
  row: Readonly<Record<string, unknown>>,
  mapping: Mapping,
  plan: CompiledMapping,
): { kind: string } | { code: string; rejection: Rejection } {
  if (mapping.kind) return { kind: mapping.kind };
  const column = mapping.kindColumn ?? '';
  const sent = textOf(row[column]);
  if (!plan.kindCodes) return { kind: sent };
  const code = toHalfWidth(sent);
  const kind = plan.kindCodes.get(code);
  if (kind) return { kind };
  const rejection: Rejection = code
    ? {
        field: column,
        rule: 'KIND_CODE',
        value: code.length > MAX_REPORTED_CODE_LENGTH ? `${code.slice(0, MAX_REPORTED_CODE_LENGTH)}…` : code,
        message: `kind code in column ${column} is not one of mapping.kindValues (${[...plan.kindCodes.keys()].join(', ')})`,
      }
    : { field: column, rule: 'REQUIRED', value: null, message: `the kind column ${column} is empty` };
  return { code: sent, rejection };
}

function compile(mapping: Mapping): CompiledMapping {
  let plan = compiled.get(mapping);
  if (plan) return plan;
  const kindCodes = mapping.kindValues ? new Map(Object.entries(mapping.kindValues).map(([code, kind]) => [toHalfWidth(code), kind])) : undefined;
  const byKind = new Map(RECORD_KINDS.map((kind) => [kind, resolveRules(mapping, mapping.byKind?.[kind], (code) => standardColumn(kind, code) !== undefined)]));
  const known = new Set([...Object.keys(mapping.columns), ...mapping.ignoreColumns]);
  for (const rules of Object.values(mapping.byKind ?? {})) for (const column of [...Object.keys(rules.columns), ...rules.ignoreColumns]) known.add(column);
  plan = {
    kindCodes,
    byKind,
    unknownKind: resolveRules(mapping, undefined, () => true),
    known,
    reserved: new Set([mapping.kindColumn, mapping.sourceRecordIdColumn].filter((column) => column !== undefined)),
    rewriteDate: mapping.dateFormat ? compileDateFormat(mapping.dateFormat) : undefined,
  };
  compiled.set(mapping, plan);
  return plan;
}

/** Top-level rules for the standard columns `belongs` accepts, then the kind's own, which win. */
function resolveRules(top: KindRules, own: KindRules | undefined, belongs: (code: string) => boolean): ResolvedRules {
  const columns = new Map(Object.entries(top.columns).filter(([, code]) => belongs(code)));
  const values = new Map<string, Map<string, string>>();
  const defaults = new Map(Object.entries(top.defaults).filter(([code]) => belongs(code)));
  const addValues = (table: KindRules['values']) => {
    for (const [code, translations] of Object.entries(table)) {
      if (!belongs(code)) continue;
      const merged = values.get(code) ?? new Map<string, string>();
      for (const [sent, standard] of Object.entries(translations)) merged.set(toHalfWidth(sent), standard);
      values.set(code, merged);
    }
  };
  addValues(top.values);
  const ignored = new Set(top.ignoreColumns);
  if (own) {
    for (const [column, code] of Object.entries(own.columns)) columns.set(column, code);
    addValues(own.values);
    for (const [code, value] of Object.entries(own.defaults)) defaults.set(code, value);
    for (const column of own.ignoreColumns) ignored.add(column);
    // A column the kind maps is taken even where the top level ignores it.
    for (const column of Object.keys(own.columns)) if (!own.ignoreColumns.includes(column)) ignored.delete(column);
  }
  return { columns, values, defaults: [...defaults], ignored };
}

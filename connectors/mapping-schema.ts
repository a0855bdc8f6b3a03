import { z } from 'zod';
import { compileDateFormat } from '../ingestion/date-format.js';
import { provinceCode } from '../ingestion/identifier-schemas.js';
import { RECORD_KINDS, STATUS_OR_PERIOD_COLUMNS, standardColumn, type RecordKind } from '../ingestion/record-kinds.js';

/**
 * What a mapping says about standard columns: at the top level for every kind (each entry where its
 * standard column belongs to the row's kind), in `byKind` for one kind.
 */
const columnRules = {
  /** Agency column → standard column code. Columns already named by standard code need no entry. */
  columns: z.record(z.string(), z.string()).default({}),
  /** Standard column code → (agency value → standard value), e.g. penalty type codes. */
  values: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /**
   * Standard column code → value used when the agency leaves it empty, e.g. its own name as 数据来源单位.
   * Never for a column that decides a record's status or period (dates, status): refused at load.
   */
  defaults: z.record(z.string(), z.string()).default({}),
  /** Agency columns the hub deliberately does not take. */
  ignoreColumns: z.array(z.string()).default([]),
};

/** One kind's own rules in a mixed feed: they add to the top-level ones and win over them. */
const kindRulesSchema = z.object(columnRules).strict();
export type KindRules = z.infer<typeof kindRulesSchema>;

/** How an agency's own columns and codes become standard fields (README, Configuration: mapping). */
export const mappingSchema = z
  .object({
    /** Fixed kind for every row of the source, or the agency column holding the kind. */
    kind: z.enum(RECORD_KINDS).optional(),
    kindColumn: z.string().min(1).optional(),
    /**
     * The agency's kind codes → record kinds, e.g. { "XZCF": "PENALTY", "XZXK": "PERMIT" }. With it, a
     * row whose code is not listed is quarantined (KIND_CODE); without it, kindColumn holds record kinds.
     */
    kindValues: z.record(z.string().min(1), z.enum(RECORD_KINDS)).optional(),
    /** Agency column with the agency's own record id; defaults to the document number. */
    sourceRecordIdColumn: z.string().optional(),
    ...columnRules,
    /** Per-kind columns, values, defaults and ignored columns of a feed that mixes kinds. */
    byKind: z.partialRecord(z.enum(RECORD_KINDS), kindRulesSchema).optional(),
    /**
     * Province (GB/T 2260) for subjects whose USCC names none: registered at national level (100000)
     * or a pilot-era code. Default: the agency's region.
     */
    defaultRegion: provinceCode.optional(),
    /**
     * The agency's own date format for date columns, e.g. DD/MM/YYYY (tokens YYYY, YY, MM, M, DD, D).
     * Values in it are rewritten to YYYY-MM-DD; the forms every agency may send are still accepted.
     */
    dateFormat: z
      .string()
      .max(40)
      .superRefine((format, ctx) => {
        try {
          compileDateFormat(format);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
  })
  .strict()
  .refine((m) => (m.kind === undefined) !== (m.kindColumn === undefined), { error: 'set exactly one of kind and kindColumn' })
  .superRefine((mapping, ctx) => {
    for (const problem of mappingProblems(mapping)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
export type Mapping = z.infer<typeof mappingSchema>;

interface MappingProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * What the schema alone cannot see: kind codes without a kind column, per-kind rules for a kind no row
 * can have, targets that are not a standard column of the kinds they apply to, and defaults that
 * would change what a record means.
 */
function mappingProblems(mapping: Mapping): MappingProblem[] {
  const problems: MappingProblem[] = [];
  if (mapping.kindValues && !mapping.kindColumn)
    problems.push({ path: ['kindValues'], message: 'kindValues translates the codes of kindColumn: set kindColumn' });
  const possible: readonly RecordKind[] = mapping.kind ? [mapping.kind] : mapping.kindValues ? [...new Set(Object.values(mapping.kindValues))] : RECORD_KINDS;
  problems.push(...ruleProblems(mapping, possible, []));
  for (const [kind, rules] of Object.entries(mapping.byKind ?? {}) as [RecordKind, KindRules][]) {
    if (!possible.includes(kind)) {
      const why = mapping.kind ? `every row of this source is ${mapping.kind}` : 'no code in kindValues maps to it';
      problems.push({ path: ['byKind', kind], message: `no row can be ${kind}: ${why}` });
    } else {
      problems.push(...ruleProblems(rules, [kind], ['byKind', kind]));
    }
  }
  return problems;
}

function ruleProblems(rules: KindRules, kinds: readonly RecordKind[], at: (string | number)[]): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const known = (code: string) => kinds.some((kind) => standardColumn(kind, code) !== undefined);
  const notStandard = (code: string) => `${code} is not a standard column of ${kinds.join(', ')}`;
  for (const [column, code] of Object.entries(rules.columns)) if (!known(code)) problems.push({ path: [...at, 'columns', column], message: notStandard(code) });
  for (const code of Object.keys(rules.values)) if (!known(code)) problems.push({ path: [...at, 'values', code], message: notStandard(code) });
  for (const code of Object.keys(rules.defaults)) {
    if (STATUS_OR_PERIOD_COLUMNS.has(code)) problems.push({ path: [...at, 'defaults', code], message: meaningChangingDefault(code, kinds) });
    else if (!known(code)) problems.push({ path: [...at, 'defaults', code], message: notStandard(code) });
  }
  return problems;
}

function meaningChangingDefault(code: string, kinds: readonly RecordKind[]): string {
  const label = kinds.map((kind) => standardColumn(kind, code)?.label).find((found) => found !== undefined);
  return (
    `${code}${label ? ` (${label})` : ''} decides a record's status or period: a default would give every record that lacks it ` +
    'the same value and change what the record means. Leave it out: the hub derives it where the rules allow and otherwise quarantines the record (README, Required fields)'
  );
}

import { sql } from 'kysely';
import type { HubDb } from './database.js';
import { recordInForce } from './record-in-force.js';
import type { CreditClass } from './tables.js';

/** An enterprise's current grade, as the grading job stored it. */
export interface StoredGrade {
  readonly subject_uscc: string;
  readonly model_version: string;
  /** numeric(12,2) as an exact decimal string. */
  readonly score: string;
  readonly class: CreditClass;
  readonly capped_by: string | null;
  readonly contributions: readonly { indicator: string; dimension: string; points: string; records: number[] }[];
  readonly reasons: readonly { code: string; points: string; records: number[] }[];
  readonly evaluated_at: Date;
}

/** One change of an enterprise's grade. */
export interface StoredGradeChange {
  readonly id: number;
  readonly model_version: string;
  readonly score: string;
  readonly class: CreditClass;
  readonly previous_score: string | null;
  readonly previous_class: CreditClass | null;
  readonly cause: string;
  readonly evaluated_at: Date;
}

/** The current grades of these enterprises (none for an enterprise not graded yet). */
export async function findGrades(db: HubDb, usccs: readonly string[]): Promise<StoredGrade[]> {
  if (usccs.length === 0) return [];
  return db
    .selectFrom('credit_grades')
    .select(['subject_uscc', 'model_version', 'score', 'class', 'capped_by', 'contributions', 'reasons', 'evaluated_at'])
    .where('subject_uscc', 'in', usccs)
    .execute();
}

/** A page of an enterprise's grade changes, newest first, before the change `beforeId` when given; one extra row says whether more follow. */
export async function listGradeHistory(
  db: HubDb,
  uscc: string,
  first: number,
  beforeId: number | undefined,
): Promise<{ rows: StoredGradeChange[]; hasMore: boolean }> {
  let query = db
    .selectFrom('credit_grade_history')
    .select(['id', 'model_version', 'score', 'class', 'previous_score', 'previous_class', 'cause', 'evaluated_at'])
    .where('subject_uscc', '=', uscc);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

/** Whom a grade distribution counts: every graded enterprise, or those registered in a region, or those with records of an agency. */
export interface DistributionFilter {
  /** Province-level GB/T 2260 code of the subjects' registration. */
  readonly region?: string | undefined;
  /** Only subjects with at least one record (any status) of this agency. */
  readonly agencyCode?: string | undefined;
}

/** How many graded enterprises each class holds under the filter (classes without any are absent). */
export async function countGradesByClass(db: HubDb, filter: DistributionFilter): Promise<{ class: CreditClass; n: number }[]> {
  let query = db.selectFrom('credit_grades as g').select(['g.class', (eb) => eb.fn.countAll<string>().as('n')]);
  if (filter.region) {
    const region = filter.region;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('subjects as s').select(sql.lit(1).as('one')).whereRef('s.uscc', '=', 'g.subject_uscc').where('s.region', '=', region)),
    );
  }
  if (filter.agencyCode) {
    const agency = filter.agencyCode;
    query = query.where((eb) =>
      eb.exists(
        eb.selectFrom('records as r').select(sql.lit(1).as('one')).whereRef('r.subject_uscc', '=', 'g.subject_uscc').where('r.agency_code', '=', agency),
      ),
    );
  }
  const rows = await query.groupBy('g.class').execute();
  return rows.map((row) => ({ class: row.class, n: Number(row.n) }));
}

/**
 * The records of an enterprise of these kinds in force on `today` (China date; recordInForce, the rule
 * grading applies), with a penalty's 处罚类别: what the measures catalogue decides on. Ids and kinds
 * only; their content is read through the record grant.
 */
export async function listRecordFactsInForce(
  db: HubDb,
  uscc: string,
  kinds: readonly string[],
  today: string,
): Promise<{ id: number; kind: string; penaltyTypes: string[] }[]> {
  if (kinds.length === 0) return [];
  const rows = await db
    .selectFrom('records as r')
    .select(['r.id', 'r.kind', sql`r.fields -> 'CF_CFLB'`.as('penalty_types')])
    .where('r.subject_uscc', '=', uscc)
    .where('r.kind', 'in', kinds)
    .where(recordInForce(today))
    .execute();
  return rows.map((row) => ({ id: row.id, kind: row.kind, penaltyTypes: penaltyTypesOf(row.penalty_types) }));
}

/** CF_CFLB is stored as a list; a lone string (older rows) counts as one type. */
function penaltyTypesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** How many enterprises have no stored grade yet (the grading job has not reached them). */
export async function countUngradedSubjects(db: HubDb): Promise<number> {
  const row = await db
    .selectFrom('subjects as s')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('credit_grades as g').select(sql.lit(1).as('one')).whereRef('g.subject_uscc', '=', 's.uscc'))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

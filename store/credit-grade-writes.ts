import { sql, type RawBuilder } from 'kysely';
import type { HubDb } from './database.js';
import { recordInForce } from './record-in-force.js';

/** One indicator as the grading statement reads it (jsonb_to_recordset): numbers stay decimal strings. */
export interface IndicatorRow {
  /** Position in the model: contributions are listed in this order. */
  readonly ord: number;
  readonly code: string;
  readonly dimension: string;
  readonly kind: string;
  /** Rank of the penalty tier in the model's tiers (0 = most severe), or null for any tier. */
  readonly tier_rank: number | null;
  readonly fine_min: string | null;
  readonly fine_max: string | null;
  readonly results: readonly string[] | null;
  readonly points: string;
  readonly cap: string | null;
}

/** A credit model flattened into the tables set-based SQL joins against (credit/credit-model.ts builds it). */
export interface ModelTables {
  readonly version: string;
  readonly base: string;
  readonly indicators: readonly IndicatorRow[];
  /** Decay bands per indicator (ord): factor applies for ages from_day..to_day (null: open-ended). */
  readonly bands: readonly { ord: number; from_day: number; to_day: number | null; factor: string }[];
  /** 处罚类别 → tier rank (0 = most severe). */
  readonly tiers: readonly { category: string; rank: number }[];
  readonly caps: readonly { kind: string; max_class: string }[];
  /** Lowest score of classes A, B and C; D takes the rest. */
  readonly thresholds: { readonly A: string; readonly B: string; readonly C: string };
}

export type GradeCause = 'RECORD_CHANGE' | 'DECAY' | 'MODEL_ACTIVATION';

/**
 * The rank of a penalty's most severe tier (0 = most severe), from the 处罚类别 array CF_CFLB of the
 * record `r`: one `?|` test per tier, cheaper than unnesting every penalty's categories.
 */
function penaltyTierRank(tiers: ModelTables['tiers']): RawBuilder<number | null> {
  const ranks = [...new Set(tiers.map((t) => t.rank))].sort((a, b) => a - b);
  if (ranks.length === 0) return sql<null>`null::int`;
  const tests = ranks.map((rank) => {
    const categories = JSON.stringify(tiers.filter((t) => t.rank === rank).map((t) => t.category));
    return sql`when r.fields->'CF_CFLB' ?| array(select jsonb_array_elements_text(${categories}::jsonb)) then ${rank}::int`;
  });
  return sql<number | null>`case ${sql.join(tests, sql` `)} end`;
}

/**
 * The common table expressions that grade the `targets` (a query of subject_uscc, cause) on `today`,
 * ending in `graded(subject_uscc, cause, score, class, capped_by, contributions, reasons)`. Each
 * (subject, indicator) contribution is the sum of points × decay factor of its counting records,
 * capped, then rounded to 2 places; the score is base + the rounded contributions, so they sum to
 * score − base exactly. Ties are broken by indicator code and record id: the output is a function
 * of the records and the model alone.
 */
function gradingCtes(model: ModelTables, today: string, targets: RawBuilder<unknown>): RawBuilder<unknown> {
  const { A, B, C } = model.thresholds;
  return sql`
    ind as (
      select * from jsonb_to_recordset(${JSON.stringify(model.indicators)}::jsonb) as i(ord int, code text, dimension text, kind text,
        tier_rank int, fine_min numeric, fine_max numeric, results jsonb, points numeric, cap numeric)
    ),
    bands as (select * from jsonb_to_recordset(${JSON.stringify(model.bands)}::jsonb) as b(ord int, from_day int, to_day int, factor numeric)),
    caps as (select * from jsonb_to_recordset(${JSON.stringify(model.caps)}::jsonb) as c(kind text, max_class text)),
    targets as (${targets}),
    counting as materialized (
      select r.id, r.subject_uscc, r.kind, greatest(${today}::date - r.event_date, 0) as age,
        case when r.kind = 'PENALTY' then ${penaltyTierRank(model.tiers)} end as tier_rank,
        case when r.kind = 'PENALTY' and r.fields->>'CF_NR_FK' ~ '^[0-9]+([.][0-9]+)?$' then (r.fields->>'CF_NR_FK')::numeric end as fine,
        case when r.kind = 'INSPECTION' then r.fields->>'JC_JCJG' end as result
      from records r join targets g on g.subject_uscc = r.subject_uscc
      where ${recordInForce(today)}
    ),
    matched as (
      select c.subject_uscc, c.id, i.ord, i.code, i.dimension, i.cap, i.points * b.factor as points
      from counting c
      join ind i on i.kind = c.kind
      join bands b on b.ord = i.ord and c.age >= b.from_day and (b.to_day is null or c.age <= b.to_day)
      where b.factor > 0
        and (i.tier_rank is null or i.tier_rank = c.tier_rank)
        and (i.fine_min is null or c.fine >= i.fine_min)
        and (i.fine_max is null or c.fine < i.fine_max)
        and (i.results is null or jsonb_exists(i.results, c.result))
    ),
    contributions as (
      select subject_uscc, ord, code, dimension,
        round(case when cap is null then sum(points) when cap < 0 then greatest(sum(points), cap) else least(sum(points), cap) end, 2) as points,
        jsonb_agg(id order by id) as records
      from matched
      group by subject_uscc, ord, code, dimension, cap
    ),
    ranked as (
      select c.*, row_number() over (partition by c.subject_uscc order by c.points, c.code) as cost_rank from contributions c
    ),
    totals as (
      select subject_uscc, sum(points) as total,
        jsonb_agg(jsonb_build_object('indicator', code, 'dimension', dimension, 'points', points::text, 'records', records) order by ord) as contributions,
        coalesce(jsonb_agg(jsonb_build_object('code', code, 'points', points::text, 'records', records) order by cost_rank)
          filter (where points < 0 and cost_rank <= 4), '[]'::jsonb) as reasons
      from ranked group by subject_uscc
    ),
    subject_caps as (
      select c.subject_uscc, max(k.max_class) as max_class, (array_agg(k.kind order by k.max_class desc, k.kind))[1] as kind
      from counting c join caps k on k.kind = c.kind group by c.subject_uscc
    ),
    scored as (
      select g.subject_uscc, g.cause, ${model.base}::numeric + coalesce(t.total, 0) as score,
        coalesce(t.contributions, '[]'::jsonb) as contributions, coalesce(t.reasons, '[]'::jsonb) as reasons,
        k.max_class as cap_class, k.kind as cap_kind
      from targets g left join totals t on t.subject_uscc = g.subject_uscc left join subject_caps k on k.subject_uscc = g.subject_uscc
    ),
    by_points as (
      select s.*, case when s.score >= ${A}::numeric then 'A' when s.score >= ${B}::numeric then 'B' when s.score >= ${C}::numeric then 'C' else 'D' end as points_class
      from scored s
    ),
    graded as (
      select subject_uscc, cause, score, contributions, reasons,
        greatest(points_class, coalesce(cap_class, 'A')) as class,
        case when cap_class >= points_class then cap_kind end as capped_by
      from by_points
    )`;
}

export interface GradeWriteResult {
  /** Subjects graded. */
  readonly graded: number;
  /** Grades written (new, or different from the stored one in any part). */
  readonly written: number;
  /** History rows appended: first grades and changes of score or class. */
  readonly changed: number;
}

export interface GradeWriteOptions {
  readonly model: ModelTables;
  /** China date (YYYY-MM-DD) decay ages and publication ends are read at. */
  readonly today: string;
  readonly evaluatedAt: Date;
  /** The change-log position (record_history.seq) the grades reflect. */
  readonly recordSeq: number;
}

/**
 * Grades the subjects `targets` selects (subject_uscc, cause) in one statement: upserts
 * credit_grades where anything differs and appends credit_grade_history where the score or class
 * changed (FIRST_GRADE for a subject without a grade). Unchanged grades are left as they are.
 */
async function writeGrades(db: HubDb, targets: RawBuilder<unknown>, options: GradeWriteOptions): Promise<GradeWriteResult> {
  const { model, today, evaluatedAt, recordSeq } = options;
  const result = await sql<GradeWriteResult>`
    with ${gradingCtes(model, today, targets)},
    upserted as (
      insert into credit_grades (subject_uscc, model_version, score, class, capped_by, contributions, reasons, evaluated_at, record_seq)
      select subject_uscc, ${model.version}, score, class, capped_by, contributions, reasons, ${evaluatedAt}, ${recordSeq} from graded
      on conflict (subject_uscc) do update set model_version = excluded.model_version, score = excluded.score, class = excluded.class,
        capped_by = excluded.capped_by, contributions = excluded.contributions, reasons = excluded.reasons,
        evaluated_at = excluded.evaluated_at, record_seq = excluded.record_seq
      where (credit_grades.model_version, credit_grades.score, credit_grades.class, credit_grades.contributions, credit_grades.reasons, credit_grades.capped_by)
        is distinct from (excluded.model_version, excluded.score, excluded.class, excluded.contributions, excluded.reasons, excluded.capped_by)
      returning 1
    ),
    history as (
      insert into credit_grade_history (subject_uscc, model_version, score, class, previous_score, previous_class, cause, evaluated_at)
      select g.subject_uscc, ${model.version}, g.score, g.class, o.score, o.class, case when o.subject_uscc is null then 'FIRST_GRADE' else g.cause end, ${evaluatedAt}
      from graded g left join credit_grades o on o.subject_uscc = g.subject_uscc
      where o.subject_uscc is null or o.score <> g.score or o.class <> g.class
      returning 1
    )
    select (select count(*) from graded)::int as graded, (select count(*) from upserted)::int as written, (select count(*) from history)::int as changed
  `.execute(db);
  return result.rows[0] ?? { graded: 0, written: 0, changed: 0 };
}

/**
 * Settings for the rest of a grading transaction: the grouping and sorting of a full grading fit in
 * memory, and no statement pays for JIT compilation (it costs more than it saves on the 15-second
 * incremental runs). Call first thing after the transaction's first statement.
 */
export async function tuneGradingTransaction(trx: HubDb): Promise<void> {
  await sql`select set_config('work_mem', '128MB', true), set_config('jit', 'off', true)`.execute(trx);
}

/** Grades every subject (enterprises with a USCC), all with `cause` where a grade changes. */
export function gradeEverySubject(db: HubDb, cause: GradeCause, options: GradeWriteOptions): Promise<GradeWriteResult> {
  return writeGrades(db, sql`select uscc as subject_uscc, ${cause}::text as cause from subjects`, options);
}

/** Grades the subjects collected in grading_targets (see collectGradingTargets); call in the same transaction. */
export function gradeCollectedTargets(trx: HubDb, options: GradeWriteOptions): Promise<GradeWriteResult> {
  return writeGrades(trx, sql`select subject_uscc, cause from grading_targets`, options);
}

/** Class transitions of the whole population: what the baseline model gives → what the candidate gives. */
export interface ModelComparisonRows {
  /** `from` is null for every subject when there is no baseline model. */
  readonly transitions: readonly { from: string | null; to: string; count: number }[];
}

/**
 * Grades every subject with `baseline` (the active model; null: none) and with `candidate` on the
 * same `today`, in one statement and without writing anything, and counts each (baseline class →
 * candidate class) pair: a comparison of two models on the same records, so a model compared with
 * itself moves nobody.
 */
export async function compareModelGrades(db: HubDb, baseline: ModelTables | null, candidate: ModelTables, today: string): Promise<ModelComparisonRows> {
  const targets = sql`select uscc as subject_uscc, 'MODEL_ACTIVATION'::text as cause from subjects`;
  const graded = (model: ModelTables) => sql`(with ${gradingCtes(model, today, targets)} select subject_uscc, class from graded)`;
  const before = baseline ? graded(baseline) : sql`(select null::text as subject_uscc, null::text as class where false)`;
  const result = await sql<{ from: string | null; to: string; count: number }>`
    select b.class as "from", c.class as "to", count(*)::int as count
    from ${graded(candidate)} c left join ${before} b on b.subject_uscc = c.subject_uscc
    group by 1, 2 order by 1 nulls first, 2
  `.execute(db);
  return { transitions: result.rows };
}

/**
 * Population stability index Σ (c − a)·ln(c / a) over the classes, in SQL numeric, from class counts
 * before (a) and after (c); a share of 0 is taken as `epsilon` so that an empty class does not make
 * the index infinite. Rounded to 4 places; null when either side is empty.
 */
export async function populationStabilityIndex(db: HubDb, counts: readonly { before: number; after: number }[], epsilon: string): Promise<string | null> {
  const result = await sql<{ psi: string | null }>`
    with c as (select * from jsonb_to_recordset(${JSON.stringify(counts)}::jsonb) as c(before numeric, after numeric)),
    t as (select sum(before) as tb, sum(after) as ta from c),
    shares as (select greatest(c.before / t.tb, ${epsilon}::numeric) as a, greatest(c.after / t.ta, ${epsilon}::numeric) as b from c, t where t.tb > 0 and t.ta > 0)
    select round(sum((b - a) * ln(b / a)), 4)::text as psi from shares
  `.execute(db);
  return result.rows[0]?.psi ?? null;
}

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

/** Compares two non-negative decimal strings exactly (the model's amounts): negative, 0 or positive. */
function compareDecimal(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+/, '');
  const bInt = bi.replace(/^0+/, '');
  if (aInt.length !== bInt.length) return aInt.length - bInt.length;
  const width = Math.max(af.length, bf.length);
  const aDigits = aInt + af.padEnd(width, '0');
  const bDigits = bInt + bf.padEnd(width, '0');
  return aDigits < bDigits ? -1 : aDigits > bDigits ? 1 : 0;
}

/** The matching keys of a record (see keyedRules), and the rule rows they select. */
interface MatchKeys {
  /** Per kind, the ages (days, ascending) from which some indicator of the kind is in another decay band. */
  readonly ageBreakpoints: ReadonlyMap<string, readonly number[]>;
  /** The model's fine bounds (万元), ascending, as PostgreSQL numeric[] text. */
  readonly finePoints: string;
  readonly rules: readonly { kind: string; tier_key: number; result_key: string; age_bucket: number; fine_bucket: number; ord: number; factor: string }[];
}

/**
 * Expands the model into one row per matching key, so that records are matched by one hash join on
 * equal keys instead of being tested against every indicator and band of their kind. A record's key:
 * its kind; its tier rank (-1: none); its inspection result ('' for other kinds); its age bucket
 * (width_bucket of its age among its kind's breakpoints: within a bucket every indicator is in one
 * decay band); its fine bucket (-1: no fine; 0: below every bound; n: from the n-th bound). An
 * indicator without a tier matches every tier key; INSPECTION indicators always list their results
 * (the model schema). Bands with factor 0 give no row.
 */
function keyedRules(model: ModelTables): MatchKeys {
  const ageBreakpoints = new Map<string, number[]>();
  for (const indicator of model.indicators) {
    const points = new Set(ageBreakpoints.get(indicator.kind) ?? []);
    for (const band of model.bands.filter((b) => b.ord === indicator.ord)) {
      if (band.from_day > 0) points.add(band.from_day);
      if (band.to_day !== null) points.add(band.to_day + 1);
    }
    ageBreakpoints.set(
      indicator.kind,
      [...points].sort((x, y) => x - y),
    );
  }
  const bounds = model.indicators
    .flatMap((i) => [i.fine_min, i.fine_max])
    .filter((v): v is string => v !== null)
    .sort(compareDecimal);
  const finePoints = bounds.filter((v, n) => n === 0 || compareDecimal(v, bounds[n - 1] ?? v) !== 0);
  const tierKeys = [...new Set(model.tiers.map((t) => t.rank)), -1];
  const rules: MatchKeys['rules'][number][] = [];
  for (const indicator of model.indicators) {
    const breakpoints = ageBreakpoints.get(indicator.kind) ?? [];
    const bands = model.bands.filter((b) => b.ord === indicator.ord && /[1-9]/.test(b.factor));
    const fineBuckets = [-1, 0, ...finePoints.map((_, n) => n + 1)].filter((bucket) => {
      if (indicator.fine_min === null && indicator.fine_max === null) return true;
      if (bucket < 0) return false;
      const from = finePoints[bucket - 1];
      // Bucket 0 lies below every bound, so below any maximum; bucket n starts at bound n.
      const aboveMin = indicator.fine_min === null || (from !== undefined && compareDecimal(from, indicator.fine_min) >= 0);
      const belowMax = indicator.fine_max === null || from === undefined || compareDecimal(from, indicator.fine_max) < 0;
      return aboveMin && belowMax;
    });
    const tiers = indicator.tier_rank === null ? tierKeys : [indicator.tier_rank];
    const results = indicator.results === null ? [''] : [...new Set(indicator.results)];
    for (let bucket = 0; bucket <= breakpoints.length; bucket++) {
      const age = bucket === 0 ? 0 : (breakpoints[bucket - 1] ?? 0);
      const band = bands.find((b) => age >= b.from_day && (b.to_day === null || age <= b.to_day));
      if (!band) continue;
      for (const tier_key of tiers) {
        for (const result_key of results) {
          for (const fine_bucket of fineBuckets)
            rules.push({ kind: indicator.kind, tier_key, result_key, age_bucket: bucket, fine_bucket, ord: indicator.ord, factor: band.factor });
        }
      }
    }
  }
  return { ageBreakpoints, finePoints: `{${finePoints.join(',')}}`, rules };
}

/**
 * The common table expressions that grade the `targets` (a query of subject_uscc, cause) on `today`,
 * ending in `graded(subject_uscc, cause, score, class, capped_by, contributions, reasons)`. Each
 * (subject, indicator) contribution is the sum of points × decay factor of its counting records,
 * capped, then rounded to 2 places; the score is base + the rounded contributions, so they sum to
 * score − base exactly. Ties are broken by indicator code and record id: the output is a function
 * of the records and the model alone. `everySubject`: the targets are every subject, so the records
 * are read without joining them (a record of another subject is graded and then dropped).
 *
 * Matching is one hash join on equal keys: each record gets (kind, tier, inspection result, age
 * bucket, fine bucket), and the model is expanded beforehand into one rule row per key it matches
 * (keyed_rules), so no record is tested against every indicator and band of its kind.
 */
function gradingCtes(model: ModelTables, today: string, targets: RawBuilder<unknown>, everySubject = false): RawBuilder<unknown> {
  const { A, B, C } = model.thresholds;
  const kinds = [...new Set([...model.indicators.map((i) => i.kind), ...model.caps.map((c) => c.kind)])];
  const keys = keyedRules(model);
  // Indicator attributes by position (ord + 1): looked up after grouping by (subject, ord), not joined.
  const byOrd = [...model.indicators].sort((a, b) => a.ord - b.ord);
  if (byOrd.some((indicator, n) => indicator.ord !== n)) throw new Error('credit model indicators must be numbered 0..n-1 (ord)');
  const codes = byOrd.map((i) => i.code);
  const dimensions = byOrd.map((i) => i.dimension);
  const capsByOrd = byOrd.map((i) => i.cap);
  const age = sql`greatest(${today}::date - r.event_date, 0)`;
  const ageBuckets = [...keys.ageBreakpoints].map(([kind, points]) => sql`when ${kind} then width_bucket(${age}, ${`{${points.join(',')}}`}::int[])`);
  return sql`
    ind as (
      select * from jsonb_to_recordset(${JSON.stringify(model.indicators)}::jsonb) as i(ord int, code text, dimension text, kind text,
        tier_rank int, fine_min numeric, fine_max numeric, results jsonb, points numeric, cap numeric)
    ),
    caps as (select * from jsonb_to_recordset(${JSON.stringify(model.caps)}::jsonb) as c(kind text, max_class text)),
    keyed_rules as materialized (
      select k.kind, k.tier_key, k.result_key, k.age_bucket, k.fine_bucket, k.ord, i.points * k.factor as points
      from jsonb_to_recordset(${JSON.stringify(keys.rules)}::jsonb) as k(kind text, tier_key int, result_key text, age_bucket int, fine_bucket int, ord int, factor numeric)
      join ind i on i.ord = k.ord
    ),
    targets as (${targets}),
    counting as materialized (
      select r.id, r.subject_uscc, r.kind,
        coalesce(case when r.kind = 'PENALTY' then ${penaltyTierRank(model.tiers)} end, -1) as tier_key,
        case when r.kind = 'INSPECTION' then coalesce(r.fields->>'JC_JCJG', '') else '' end as result_key,
        ${ageBuckets.length > 0 ? sql`case r.kind ${sql.join(ageBuckets, sql` `)} else 0 end` : sql`0`} as age_bucket,
        case when r.kind = 'PENALTY' and r.fields->>'CF_NR_FK' ~ '^[0-9]+([.][0-9]+)?$'
          then width_bucket((r.fields->>'CF_NR_FK')::numeric, ${keys.finePoints}::numeric[]) else -1 end as fine_bucket
      from records r ${everySubject ? sql`` : sql`join targets g on g.subject_uscc = r.subject_uscc`}
      where r.kind = any(${kinds}::text[]) ${everySubject ? sql`and r.subject_uscc is not null` : sql``}
        and ${recordInForce(today)}
    ),
    matched as (
      select c.subject_uscc, c.id, k.ord, k.points
      from counting c
      join keyed_rules k on k.kind = c.kind and k.tier_key = c.tier_key and k.result_key = c.result_key
        and k.age_bucket = c.age_bucket and k.fine_bucket = c.fine_bucket
    ),
    contributions as (
      select m.subject_uscc, m.ord, (${codes}::text[])[m.ord + 1] as code, (${dimensions}::text[])[m.ord + 1] as dimension,
        round(case when m.cap is null then m.total when m.cap < 0 then greatest(m.total, m.cap) else least(m.total, m.cap) end, 2) as points, m.records
      from (
        select subject_uscc, ord, (${capsByOrd}::numeric[])[ord + 1] as cap, sum(points) as total, array_agg(id order by id) as records
        from matched group by subject_uscc, ord
      ) m
    ),
    ranked as (
      select c.*, row_number() over (partition by c.subject_uscc order by c.points, c.code) as cost_rank from contributions c
    ),
    totals as (
      select subject_uscc, sum(points) as total,
        -- Built as json text and converted once per subject: cheaper than jsonb per contribution, same jsonb.
        (json_agg(json_build_object('indicator', code, 'dimension', dimension, 'points', points::text, 'records', records) order by ord))::jsonb as contributions,
        coalesce((json_agg(json_build_object('code', code, 'points', points::text, 'records', records) order by cost_rank)
          filter (where points < 0 and cost_rank <= 4))::jsonb, '[]'::jsonb) as reasons
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
async function writeGrades(db: HubDb, targets: RawBuilder<unknown>, everySubject: boolean, options: GradeWriteOptions): Promise<GradeWriteResult> {
  const { model, today, evaluatedAt, recordSeq } = options;
  const result = await sql<GradeWriteResult>`
    with ${gradingCtes(model, today, targets, everySubject)},
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
    select (select count(*) from targets)::int as graded, (select count(*) from upserted)::int as written, (select count(*) from history)::int as changed
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
  return writeGrades(db, sql`select uscc as subject_uscc, ${cause}::text as cause from subjects`, true, options);
}

/** Grades the subjects collected in grading_targets (see collectGradingTargets); call in the same transaction. */
export function gradeCollectedTargets(trx: HubDb, options: GradeWriteOptions): Promise<GradeWriteResult> {
  return writeGrades(trx, sql`select subject_uscc, cause from grading_targets`, false, options);
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

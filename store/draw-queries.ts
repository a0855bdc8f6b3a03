import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** A draw as stored: its commitment, and its seed and execution once executed. */
export interface DrawRow {
  readonly id: string;
  readonly agency_code: string;
  readonly regions: string[];
  readonly filters: { kinds: string[]; agencies: string[] };
  readonly algorithm: string;
  readonly population_size: number;
  readonly population_digest: string;
  readonly classes: { class: string; population: number; ratio: string; sample: number }[];
  readonly inspectors_per_target: number;
  readonly inspector_pool: { id: string; name: string; agency: string; conflicts: string[] }[];
  readonly inspector_pool_digest: string;
  readonly randomness_reference: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly committed_at: Date;
  readonly committed_by: string;
  readonly seed: string | null;
  readonly executed_at: Date | null;
  readonly executed_by: string | null;
  /** The randomness source, structured (inspections/randomness-source.ts RandomnessSource). */
  readonly randomness_source: { kind: 'DRAND_QUICKNET'; round: number; roundTime: string } | { kind: 'OPERATOR' };
  readonly cancelled_at: Date | null;
  readonly cancelled_by: string | null;
  readonly cancel_reason: string | null;
}

/** What a commitment freezes before the population is taken. */
export interface NewDraw {
  readonly agencyCode: string;
  readonly regions: readonly string[];
  readonly kinds: readonly string[];
  readonly agencies: readonly string[];
  readonly algorithm: string;
  readonly inspectorsPerTarget: number;
  readonly pool: readonly { id: string; name: string; agency: string; conflicts: readonly string[] }[];
  readonly poolDigest: string;
  readonly randomnessReference: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Class of an enterprise with no grade. */
  readonly ungradedAs: string;
  readonly committedAt: Date;
  readonly committedBy: string;
}

/** The population a commitment froze: its size, digest and counts per class. */
export interface FrozenPopulation {
  readonly id: string;
  readonly size: number;
  readonly digest: string;
  readonly countsByClass: ReadonlyMap<string, number>;
}

const DRAW_COLUMNS = sql`id, agency_code, regions, filters, algorithm, population_size, population_digest, classes, inspectors_per_target,
  inspector_pool, inspector_pool_digest, randomness_reference, to_char(period_start, 'YYYY-MM-DD') as period_start,
  to_char(period_end, 'YYYY-MM-DD') as period_end, committed_at, committed_by, seed, executed_at, executed_by,
  randomness_source, cancelled_at, cancelled_by, cancel_reason`;

/**
 * Creates a draw and freezes its population in one statement set (call in a transaction): every
 * subject of `regions` (with an ACTIVE record of `kinds` / from `agencies` when given), minus those
 * the agency inspected in the period (its INSPECTION records dated in it, any status but REVOKED) and
 * the targets of its draws executed in the period, each with its credit class or `ungradedAs`.
 */
export async function insertDrawWithPopulation(trx: HubDb, draw: NewDraw): Promise<FrozenPopulation> {
  // The period's year (China time), not the commit instant's UTC year: a draw on 1 January 07:00 belongs to the new year.
  const year = draw.periodStart.slice(0, 4);
  const inserted = await sql<{ id: string }>`
    insert into inspection_draws (id, agency_code, regions, filters, algorithm, population_size, population_digest, classes,
      inspectors_per_target, inspector_pool, inspector_pool_digest, randomness_reference, period_start, period_end, committed_at, committed_by)
    values ('SJCC-' || ${year} || '-' || lpad(nextval('inspection_draw_seq')::text, 6, '0'), ${draw.agencyCode}, ${[...draw.regions]}::text[],
      ${JSON.stringify({ kinds: draw.kinds, agencies: draw.agencies })}::jsonb, ${draw.algorithm}, 0, '', '[]'::jsonb, ${draw.inspectorsPerTarget},
      ${JSON.stringify(draw.pool)}::jsonb, ${draw.poolDigest}, ${draw.randomnessReference}, ${draw.periodStart}::date, ${draw.periodEnd}::date,
      ${draw.committedAt}, ${draw.committedBy})
    returning id
  `.execute(trx);
  const id = inserted.rows[0]?.id;
  if (!id) throw new Error('inspection draw insert returned no id');
  const kinds = draw.kinds.length > 0 ? [...draw.kinds] : null;
  const agencies = draw.agencies.length > 0 ? [...draw.agencies] : null;
  // Big sorts (the digest's, the exclusion hashes) stay in memory for this transaction.
  await sql`set local work_mem = '256MB'`.execute(trx);
  // Compiling these statements costs more than it saves.
  await sql`set local jit = off`.execute(trx);
  await sql`
    insert into inspection_draw_population (draw_id, uscc, class)
    with excluded as (
      select r.subject_uscc as uscc from records r
      where r.kind = 'INSPECTION' and r.agency_code = ${draw.agencyCode} and r.status <> 'REVOKED'
        and r.event_date between ${draw.periodStart}::date and ${draw.periodEnd}::date and r.subject_uscc is not null
      union
      select t.uscc from inspection_draw_targets t join inspection_draws d on d.id = t.draw_id
      where d.agency_code = ${draw.agencyCode} and d.executed_at is not null and d.period_start = ${draw.periodStart}::date
    )
    select ${id}, s.uscc collate "C", coalesce(g.class, ${draw.ungradedAs})
    from subjects s left join credit_grades g on g.subject_uscc = s.uscc
    where s.region = any(${[...draw.regions]}::text[])
      and (${kinds}::text[] is null or exists (
        select 1 from records r where r.subject_uscc = s.uscc and r.status = 'ACTIVE' and r.kind = any(${kinds}::text[])))
      and (${agencies}::text[] is null or exists (
        select 1 from records r where r.subject_uscc = s.uscc and r.status = 'ACTIVE' and r.agency_code = any(${agencies}::text[])))
      and s.uscc not in (select uscc from excluded)
    -- In key order, so the snapshot's index is appended to rather than split all over.
    order by 3, 2
  `.execute(trx);
  // Digest, size and counts per class in one pass over the snapshot.
  const digest = await sql<{ digest: string; size: number; a: number; b: number; c: number; d: number }>`
    select encode(sha256(convert_to(coalesce(string_agg(uscc, E'\\n' order by uscc collate "C"), ''), 'UTF8')), 'hex') as digest, count(*)::int as size,
      count(*) filter (where class = 'A')::int as a, count(*) filter (where class = 'B')::int as b,
      count(*) filter (where class = 'C')::int as c, count(*) filter (where class = 'D')::int as d
    from inspection_draw_population where draw_id = ${id}
  `.execute(trx);
  const frozen = digest.rows[0];
  if (!frozen) throw new Error('inspection draw digest returned no row');
  const countsByClass = new Map([
    ['A', frozen.a],
    ['B', frozen.b],
    ['C', frozen.c],
    ['D', frozen.d],
  ]);
  return { id, size: frozen.size, digest: frozen.digest, countsByClass };
}

/** Completes a commitment with its population digest, size and per-class sample. */
export async function completeCommitment(trx: HubDb, frozen: FrozenPopulation, classes: DrawRow['classes']): Promise<DrawRow> {
  const result = await sql<DrawRow>`
    update inspection_draws set population_size = ${frozen.size}, population_digest = ${frozen.digest}, classes = ${JSON.stringify(classes)}::jsonb
    where id = ${frozen.id} returning ${DRAW_COLUMNS}
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('inspection draw vanished during its commitment');
  return row;
}

/** The draw, or undefined; `forUpdate` locks it for the rest of the transaction. */
export async function findDraw(db: HubDb, id: string, forUpdate = false): Promise<DrawRow | undefined> {
  const result = await sql<DrawRow>`select ${DRAW_COLUMNS} from inspection_draws where id = ${id} ${forUpdate ? sql`for update` : sql``}`.execute(db);
  return result.rows[0];
}

/**
 * Executes a draw in SQL (hash-rank-v1, see inspections/draw-algorithm.ts): ranks each class of the
 * frozen population by sha256(seed || '\n' || uscc) and keeps the class's sample; for each target,
 * picks inspectors from the pool sorted by id without those in conflict, the j-th by the first 6 bytes
 * of sha256(seed || '\n' || uscc || '\n' || j) modulo what remains; stores targets with their
 * inspectors and the seed. Returns how many targets.
 */
export async function storeDrawExecution(trx: HubDb, draw: DrawRow, seed: string, executedAt: Date, executedBy: string): Promise<number> {
  const quotas = draw.classes.map((c) => ({ class: c.class, sample: c.sample }));
  const pool = draw.inspector_pool.map((i) => ({ id: i.id, conflicts: i.conflicts }));
  await sql`set local work_mem = '256MB'`.execute(trx);
  // Compiling this one statement costs more than it saves.
  await sql`set local jit = off`.execute(trx);
  // Per class, a bounded top-k over the class's hashes (no full sort); per target, one hash per inspector picked.
  const inserted = await sql<{ count: number }>`
    with recursive quota as (
      select * from jsonb_to_recordset(${JSON.stringify(quotas)}::jsonb) as q(class text, sample int) where q.sample > 0
    ),
    drawn as (
      select q.class, x.uscc, x.key from quota q cross join lateral (
        select p.uscc, sha256(convert_to(${seed} || E'\n' || p.uscc, 'UTF8')) as key
        from inspection_draw_population p
        where p.draw_id = ${draw.id} and p.class = q.class
        order by key, p.uscc collate "C" limit q.sample
      ) x
    ),
    targets as materialized (
      select uscc, class, row_number() over (partition by class order by key, uscc collate "C") as rank from drawn
    ),
    pool as materialized (select i.id, i.conflicts from jsonb_to_recordset(${JSON.stringify(pool)}::jsonb) as i(id text, conflicts jsonb)),
    pool_ids as (select coalesce(array_agg(id order by id collate "C"), '{}'::text[]) as ids from pool),
    conflicts as (
      select c.uscc, array_agg(i.id) as ids from pool i cross join lateral jsonb_array_elements_text(i.conflicts) as c(uscc) group by c.uscc
    ),
    eligible as (
      select t.uscc, case when c.ids is null then a.ids
        else array(select x from unnest(a.ids) as x where x <> all(c.ids) order by x collate "C") end as ids
      from targets t cross join pool_ids a left join conflicts c on c.uscc = t.uscc
    ),
    picks (uscc, step, wanted, remaining, chosen) as (
      select uscc, 0, least(${draw.inspectors_per_target}, cardinality(ids)), ids, '{}'::text[] from eligible
      union all
      select p.uscc, p.step + 1, p.wanted, array_remove(p.remaining, p.remaining[x.pos]), p.chosen || p.remaining[x.pos]
      from picks p cross join lateral (
        select (('x' || encode(substring(sha256(convert_to(${seed} || E'\n' || p.uscc || E'\n' || (p.step + 1)::text, 'UTF8')) from 1 for 6), 'hex'))::bit(48)::bigint
          % cardinality(p.remaining) + 1)::int as pos
      ) x
      where p.step < p.wanted
    ),
    assigned as (select uscc, chosen from picks where step = wanted),
    stored as (
      insert into inspection_draw_targets (draw_id, uscc, class, rank, inspectors)
      select ${draw.id}, t.uscc, t.class, t.rank, a.chosen from targets t join assigned a on a.uscc = t.uscc
      returning 1
    )
    select count(*)::int as count from stored
  `.execute(trx);
  await sql`update inspection_draws set seed = ${seed}, executed_at = ${executedAt}, executed_by = ${executedBy} where id = ${draw.id}`.execute(trx);
  return inserted.rows[0]?.count ?? 0;
}

export interface DrawPosition {
  readonly committedAt: string;
  readonly id: string;
}

/** Draws newest first, of one agency or all; one more than `limit` tells whether more follow. */
export async function listDraws(db: HubDb, agencyCode: string | undefined, limit: number, after: DrawPosition | undefined): Promise<DrawRow[]> {
  const result = await sql<DrawRow>`
    select ${DRAW_COLUMNS} from inspection_draws
    where (${agencyCode ?? null}::text is null or agency_code = ${agencyCode ?? null})
      ${after ? sql`and (committed_at, id) < (${after.committedAt}::timestamptz, ${after.id})` : sql``}
    order by committed_at desc, id desc limit ${limit + 1}
  `.execute(db);
  return result.rows;
}

export async function countDraws(db: HubDb, agencyCode: string | undefined): Promise<number> {
  const result = await sql<{ count: number }>`
    select count(*)::int as count from inspection_draws where (${agencyCode ?? null}::text is null or agency_code = ${agencyCode ?? null})
  `.execute(db);
  return result.rows[0]?.count ?? 0;
}

export interface PopulationRow {
  readonly uscc: string;
  readonly class: string;
}

/** A page of a draw's frozen population by class, then USCC in byte order; `after` is the last [class, uscc] seen. */
export async function listPopulation(db: HubDb, drawId: string, limit: number, after: readonly [string, string] | undefined): Promise<PopulationRow[]> {
  const result = await sql<PopulationRow>`
    select uscc, class from inspection_draw_population
    where draw_id = ${drawId} ${after ? sql`and (class, uscc collate "C") > (${after[0]}, ${after[1]} collate "C")` : sql``}
    order by class, uscc collate "C" limit ${limit + 1}
  `.execute(db);
  return result.rows;
}

/** The whole frozen population of a draw, for verification (the CLI). */
export async function readWholePopulation(db: HubDb, drawId: string): Promise<PopulationRow[]> {
  const result = await sql<PopulationRow>`select uscc, class from inspection_draw_population where draw_id = ${drawId}`.execute(db);
  return result.rows;
}

export interface TargetRow {
  readonly uscc: string;
  readonly class: string;
  readonly rank: number;
  readonly inspectors: string[];
}

/** Targets of a draw by class then rank; `after` is the last [class, rank] seen. `limit` undefined: all. */
export async function listTargets(db: HubDb, drawId: string, limit: number | undefined, after: readonly [string, number] | undefined): Promise<TargetRow[]> {
  const result = await sql<TargetRow>`
    select uscc, class, rank, inspectors from inspection_draw_targets
    where draw_id = ${drawId} ${after ? sql`and (class, rank) > (${after[0]}, ${after[1]})` : sql``}
    order by class, rank ${limit === undefined ? sql`` : sql`limit ${limit + 1}`}
  `.execute(db);
  return result.rows;
}

export async function countTargets(db: HubDb, drawId: string): Promise<number> {
  const result = await sql<{ count: number }>`select count(*)::int as count from inspection_draw_targets where draw_id = ${drawId}`.execute(db);
  return result.rows[0]?.count ?? 0;
}

/** An inspection result recorded for a drawn target: an INSPECTION record naming the draw in JC_CCBH. */
export interface DrawResultRow {
  readonly id: string;
  readonly subject_uscc: string;
  readonly status: string;
  readonly event_date: string;
  readonly fields: Record<string, string | string[]>;
}

/** Up to `perSubject` latest results per target: INSPECTION records of the draw's agency whose JC_CCBH is the draw id, not REVOKED. */
export async function listDrawResults(db: HubDb, drawId: string, usccs: readonly string[], perSubject: number): Promise<DrawResultRow[]> {
  if (usccs.length === 0) return [];
  const result = await sql<DrawResultRow>`
    select id::text as id, subject_uscc, status, to_char(event_date, 'YYYY-MM-DD') as event_date, fields from (
      select r.*, row_number() over (partition by r.subject_uscc order by r.event_date desc, r.id desc) as n
      from records r
      join inspection_draws d on d.id = ${drawId} and d.agency_code = r.agency_code
      where r.subject_uscc = any(${[...usccs]}::text[]) and r.kind = 'INSPECTION' and r.fields->>'JC_CCBH' = ${drawId} and r.status <> 'REVOKED'
    ) x where n <= ${perSubject}
    order by subject_uscc, event_date desc, id desc
  `.execute(db);
  return result.rows;
}

/**
 * Benchmark (not a test): credit grading. Subjects and their records (penalties of every severity
 * and fine band, permits, inspections, list entries; each with its CREATED change-log row) are
 * generated in SQL (generate_series), then timed: a full grading (first grades), a full regrading
 * with nothing changed, an incremental run after 1,000 subjects each get a new penalty, reading one
 * grade by USCC (p50/p99), and, as the physical ceilings, one `count(*) … group by subject` over the
 * same records (the reading) and a copy of the grades and history rows written into tables with the
 * same indexes (the writing). `--explain` (postgres) then grades everyone once more from scratch and
 * makes an incremental run, untimed, with the EXPLAIN (ANALYZE, BUFFERS) of their statements printed
 * from the server log.
 *
 *   npm run bench:grading -- --engine postgres --subjects 100000 --records 10 [--explain]
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { creditSchema } from '../config/credit-model-schema.js';
import { gradeAllSubjects, gradeChangedSubjects, type GradingDeps } from '../credit/grading.js';
import { registerModelVersions } from '../credit/model-governance.js';
import { requireValue } from '../ingestion/require-value.js';
import { tuneGradingTransaction } from '../store/credit-grade-writes.js';
import { openDatabase, type HubDb } from '../store/database.js';
import {
  BENCH_RECORD_COLUMNS,
  countArg,
  engineArg,
  insertBenchEnterprises,
  openBenchDatabase,
  percentile,
  PROFILING_SERVER_SETTINGS,
  runBenchmark,
  say,
} from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    changed: { type: 'string', default: '1000' },
    explain: { type: 'boolean', default: false },
  },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const PER_SUBJECT = countArg('records', args.records);
const CHANGED = countArg('changed', args.changed);
const EXPLAIN = args.explain;
const TODAY = '2026-06-01';

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

const uscc = sql`'91310000' || lpad(s::text, 10, '0')`;

/**
 * Records for subjects 1..SUBJECTS in SQL: k-th record of subject s. 60 % penalties (a warning, a fine
 * of 0.5–200 万元, or a fine with a revocation), 20 % permits, 10 % inspections, 10 % list entries
 * (abnormal operation, red list, and 1 in 50 a black list); event dates spread over four years.
 */
async function generate(db: HubDb): Promise<void> {
  await insertBenchEnterprises(db, SUBJECTS, uscc, '基准企业', '310000');
  await sql`
    insert into records (${BENCH_RECORD_COLUMNS})
    select 'BENCH', s || '-' || k, g.kind, ${uscc}, '基准企业' || s, '02', 'ACTIVE', g.event_date,
      case when g.kind = 'PENALTY' then g.event_date when g.kind in ('PERMIT', 'INSPECTION') then g.event_date + 365 * 3 end,
      case when g.kind = 'PENALTY' then g.event_date + 365 * 3 end,
      g.fields, md5(s || '-' || k), '310000', 'hub-bench', nextval('record_change_seq')
    from generate_series(1, ${SUBJECTS}) s cross join generate_series(1, ${PER_SUBJECT}) k
    cross join lateral (select (s * 7 + k * 13) % 100 as r, date '2022-06-01' + ((s * 31 + k * 97) % 1460) as event_date) p
    cross join lateral (select
      case when p.r < 60 then 'PENALTY' when p.r < 80 then 'PERMIT' when p.r < 90 then 'INSPECTION'
        when p.r < 95 then 'ABNORMAL_OPERATION' when p.r < 98 then 'RED_LIST' else 'BLACK_LIST' end as kind,
      p.event_date,
      case when p.r < 20 then jsonb_build_object('CF_CFLB', jsonb_build_array('警告'))
        when p.r < 55 then jsonb_build_object('CF_CFLB', jsonb_build_array('罚款'), 'CF_NR_FK', ((s + k) % 200)::text || '.500000')
        when p.r < 60 then jsonb_build_object('CF_CFLB', jsonb_build_array('罚款', '吊销许可证件'), 'CF_NR_FK', '150.000000')
        when p.r < 90 and p.r >= 80 then jsonb_build_object('JC_JCJG', (array['未发现问题', '责令整改', '立案查处', '未发现问题'])[1 + (s + k) % 4])
        else '{}'::jsonb end as fields) g`.execute(db);
  await sql`insert into record_history (seq, record_id, agency_code, source_record_id, change, new_hash, new_status, changed_by)
    select version, id, agency_code, source_record_id, 'CREATED', content_hash, status, 'bench' from records`.execute(db);
  await sql`analyze`.execute(db);
}

/**
 * A new medium-tier penalty (with its change-log row) for each of `count` subjects spread over the
 * population; `round` (1, 2, …) keeps each call's source record ids apart.
 */
async function changeSubjects(db: HubDb, count: number, round: number): Promise<void> {
  await sql`
    with added as (
      insert into records (${BENCH_RECORD_COLUMNS})
      select 'BENCH', 'NEW-' || ${round} || '-' || s, 'PENALTY', ${uscc}, '基准企业' || s, '02', 'ACTIVE', ${TODAY}::date - 10, ${TODAY}::date - 10, ${TODAY}::date + 1000,
        jsonb_build_object('CF_CFLB', jsonb_build_array('罚款'), 'CF_NR_FK', '20.000000'), md5('NEW-' || ${round} || '-' || s), '310000', 'hub-bench', nextval('record_change_seq')
      from generate_series(1, ${count}) i cross join lateral (select 1 + ((i::bigint * 7919) % ${SUBJECTS}) as s) x
      returning id, agency_code, source_record_id, content_hash, status, version
    )
    insert into record_history (seq, record_id, agency_code, source_record_id, change, new_hash, new_status, changed_by)
    select version, id, agency_code, source_record_id, 'CREATED', content_hash, status, 'bench' from added`.execute(db);
}

/**
 * The writing part of first grades at its physical limit: the grades and history rows just written,
 * copied into tables with the same indexes (not the foreign keys), then dropped.
 */
async function copyGrades(db: HubDb): Promise<void> {
  await sql`create table bench_grades_copy (like credit_grades including indexes)`.execute(db);
  await sql`insert into bench_grades_copy select * from credit_grades`.execute(db);
  await sql`create table bench_history_copy (like credit_grade_history including indexes)`.execute(db);
  await sql`insert into bench_history_copy select * from credit_grade_history`.execute(db);
  await sql`drop table bench_grades_copy, bench_history_copy`.execute(db);
}

/** For the profiled runs: the plan, with actual times, buffers and trigger times, of every statement over 100 ms. */
const AUTO_EXPLAIN = {
  'auto_explain.log_min_duration': '100ms',
  'auto_explain.log_analyze': 'on',
  'auto_explain.log_buffers': 'on',
  'auto_explain.log_triggers': 'on',
  'auto_explain.log_settings': 'on',
} as const;

/**
 * First grades and an incremental run once more, profiled: grades and history emptied, a full grading,
 * then CHANGED subjects with a new penalty and an incremental run, on new connections that auto_explain
 * instruments (the database's settings apply to them), and the part of the server log they wrote
 * printed. Not among the figures: the instrumentation itself costs time.
 */
async function profileGrading(db: HubDb, url: string, deps: GradingDeps): Promise<void> {
  await sql`truncate credit_grades, credit_grade_history`.execute(db);
  const found = await sql<{ database: string; log: string | null }>`select current_database() as database, pg_current_logfile() as log`.execute(db);
  const database = requireValue(found.rows[0]?.database, 'the current database');
  const log = requireValue(found.rows[0]?.log ?? undefined, 'the server log file (logging_collector on)');
  const names = Object.keys(AUTO_EXPLAIN);
  for (const [name, value] of Object.entries(AUTO_EXPLAIN)) await sql`alter database ${sql.id(database)} set ${sql.raw(name)} = ${sql.lit(value)}`.execute(db);
  const size = async () => Number((await sql<{ size: string }>`select size from pg_stat_file(${log})`.execute(db)).rows[0]?.size ?? 0);
  const from = await size();
  const profiled = await openDatabase({ engine: 'postgres', url, poolSize: 1 });
  try {
    const [run, runSeconds] = await seconds(() => gradeAllSubjects({ ...deps, db: profiled.db }));
    say(`profiled full grading (first grades, under EXPLAIN ANALYZE): ${run.graded} graded, ${run.changed} history rows in ${runSeconds.toFixed(2)} s`);
    await changeSubjects(db, CHANGED, 2);
    const [incremental, incrementalSeconds] = await seconds(() => gradeChangedSubjects({ ...deps, db: profiled.db }));
    say(`profiled incremental run (under EXPLAIN ANALYZE): ${incremental.graded} graded, ${incremental.changed} changed in ${incrementalSeconds.toFixed(3)} s`);
  } finally {
    await profiled.close();
    for (const name of names) await sql`alter database ${sql.id(database)} reset ${sql.raw(name)}`.execute(db);
  }
  const written = await sql<{ text: string }>`select pg_read_file(${log}, ${from}, ${(await size()) - from}) as text`.execute(db);
  say(written.rows[0]?.text ?? '');
}

async function main(): Promise<void> {
  const records = SUBJECTS * PER_SUBJECT;
  say(
    `grading: ${ENGINE}, ${SUBJECTS} subjects, ${records} records; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString()}`,
  );
  if (EXPLAIN && ENGINE !== 'postgres') throw new Error('--explain needs --engine postgres');
  const { database, url, cleanup } = await openBenchDatabase(ENGINE, EXPLAIN ? PROFILING_SERVER_SETTINGS : {});
  const db = database.db;
  try {
    const [, generated] = await seconds(() => generate(db));
    say(`generated ${SUBJECTS} subjects and ${records} records (with their change-log rows) in ${generated.toFixed(1)} s`);
    const credit = creditSchema.parse({});
    const clock = () => new Date(`${TODAY}T04:00:00Z`);
    await registerModelVersions(db, credit, clock);
    const deps: GradingDeps = { db, credit, clock };

    // With the grading transaction's settings (work_mem, no JIT), so that both read at the same terms.
    const [ceiling, ceilingSeconds] = await seconds(() =>
      db.transaction().execute(async (trx) => {
        await tuneGradingTransaction(trx);
        return sql<{ n: number }>`select count(*)::int as n from (select subject_uscc, count(*) from records group by subject_uscc) g`.execute(trx);
      }),
    );
    say(`ceiling: select subject_uscc, count(*) from records group by subject_uscc (${ceiling.rows[0]?.n} groups): ${ceilingSeconds.toFixed(2)} s`);

    const [first, firstSeconds] = await seconds(() => gradeAllSubjects(deps));
    say(`full grading, first grades: ${first.graded} graded, ${first.changed} history rows in ${firstSeconds.toFixed(2)} s`);
    const [again, againSeconds] = await seconds(() => gradeAllSubjects(deps));
    say(`full regrading, nothing changed: ${again.graded} graded, ${again.written} written in ${againSeconds.toFixed(2)} s`);

    await changeSubjects(db, CHANGED, 1);
    const [incremental, incrementalSeconds] = await seconds(() => gradeChangedSubjects(deps));
    say(
      `incremental: ${CHANGED} subjects with a new penalty → ${incremental.graded} graded, ${incremental.changed} changed in ${incrementalSeconds.toFixed(3)} s`,
    );

    const timings: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const n = 1 + ((i * 104_729) % SUBJECTS);
      const t0 = performance.now();
      await sql`select * from credit_grades where subject_uscc = ${'91310000' + String(n).padStart(10, '0')}`.execute(db);
      timings.push(performance.now() - t0);
    }
    timings.sort((a, b) => a - b);
    say(`select one grade by USCC (2000 reads): p50 ${percentile(timings, 50).toFixed(2)} ms, p99 ${percentile(timings, 99).toFixed(2)} ms`);
    const classes = await sql<{ class: string; n: number }>`select class, count(*)::int as n from credit_grades group by class order by class`.execute(db);
    say(`classes: ${classes.rows.map((r) => `${r.class} ${r.n}`).join(', ')}`);
    const [, copySeconds] = await seconds(() => copyGrades(db));
    say(`ceiling: the grades and history rows copied into tables with the same indexes: ${copySeconds.toFixed(2)} s`);
    if (EXPLAIN) await profileGrading(db, requireValue(url, 'the server URL'), deps);
  } finally {
    await cleanup();
  }
}

runBenchmark(main);

/**
 * Benchmark (not a test): credit grading. Subjects and their records (penalties of every severity
 * and fine band, permits, inspections, list entries; each with its CREATED change-log row) are
 * generated in SQL (generate_series), then timed: a full grading (first grades), a full regrading
 * with nothing changed, an incremental run after 1,000 subjects each get a new penalty, reading one
 * grade by USCC (p50/p99), and, as the physical ceiling, one `count(*) … group by subject` over the
 * same records.
 *
 *   npm run bench:grading -- --engine postgres --subjects 100000 --records 10
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { creditSchema } from '../config/credit-model-schema.js';
import { gradeAllSubjects, gradeChangedSubjects, type GradingDeps } from '../credit/grading.js';
import { registerModelVersions } from '../credit/model-governance.js';
import type { HubDb } from '../store/database.js';
import { countArg, engineArg, openBenchDatabase, percentile, runBenchmark, say } from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    changed: { type: 'string', default: '1000' },
  },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const PER_SUBJECT = countArg('records', args.records);
const CHANGED = countArg('changed', args.changed);
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
  await sql`insert into agencies (code, name, region, hub) values ('BENCH', '基准测试机构', '310000', 'hub-bench') on conflict do nothing`.execute(db);
  await sql`insert into subjects (uscc, name, category, division_code, region)
    select ${uscc}, '基准企业' || s, '02', '310000', '310000' from generate_series(1, ${SUBJECTS}) s`.execute(db);
  await sql`
    insert into records (agency_code, source_record_id, kind, subject_uscc, subject_name, subject_category, status, event_date,
      valid_to, publication_end, fields, content_hash, origin_region, origin_hub, version)
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

/** A new medium-tier penalty (with its change-log row) for each of `count` subjects spread over the population. */
async function changeSubjects(db: HubDb, count: number): Promise<void> {
  await sql`
    with added as (
      insert into records (agency_code, source_record_id, kind, subject_uscc, subject_name, subject_category, status, event_date,
        valid_to, publication_end, fields, content_hash, origin_region, origin_hub, version)
      select 'BENCH', 'NEW-' || s, 'PENALTY', ${uscc}, '基准企业' || s, '02', 'ACTIVE', ${TODAY}::date - 10, ${TODAY}::date - 10, ${TODAY}::date + 1000,
        jsonb_build_object('CF_CFLB', jsonb_build_array('罚款'), 'CF_NR_FK', '20.000000'), md5('NEW-' || s), '310000', 'hub-bench', nextval('record_change_seq')
      from generate_series(1, ${count}) i cross join lateral (select 1 + ((i::bigint * 7919) % ${SUBJECTS}) as s) x
      returning id, agency_code, source_record_id, content_hash, status, version
    )
    insert into record_history (seq, record_id, agency_code, source_record_id, change, new_hash, new_status, changed_by)
    select version, id, agency_code, source_record_id, 'CREATED', content_hash, status, 'bench' from added`.execute(db);
}

async function main(): Promise<void> {
  const records = SUBJECTS * PER_SUBJECT;
  say(
    `grading: ${ENGINE}, ${SUBJECTS} subjects, ${records} records; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString()}`,
  );
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  const db = database.db;
  try {
    const [, generated] = await seconds(() => generate(db));
    say(`generated ${SUBJECTS} subjects and ${records} records (with their change-log rows) in ${generated.toFixed(1)} s`);
    const credit = creditSchema.parse({});
    const clock = () => new Date(`${TODAY}T04:00:00Z`);
    await registerModelVersions(db, credit, clock);
    const deps: GradingDeps = { db, credit, clock };

    const [ceiling, ceilingSeconds] = await seconds(() =>
      sql<{ n: number }>`select count(*)::int as n from (select subject_uscc, count(*) from records group by subject_uscc) g`.execute(db),
    );
    say(`ceiling: select subject_uscc, count(*) from records group by subject_uscc (${ceiling.rows[0]?.n} groups): ${ceilingSeconds.toFixed(2)} s`);

    const [first, firstSeconds] = await seconds(() => gradeAllSubjects(deps));
    say(`full grading, first grades: ${first.graded} graded, ${first.changed} history rows in ${firstSeconds.toFixed(2)} s`);
    const [again, againSeconds] = await seconds(() => gradeAllSubjects(deps));
    say(`full regrading, nothing changed: ${again.graded} graded, ${again.written} written in ${againSeconds.toFixed(2)} s`);

    await changeSubjects(db, CHANGED);
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
  } finally {
    await cleanup();
  }
}

runBenchmark(main);

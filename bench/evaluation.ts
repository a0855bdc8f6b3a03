/**
 * Benchmark (not a test): `evaluation(uscc)` over HTTP, the whole GraphQL path (token check, pricing,
 * the grade with its contributions, reasons and the records they name, the grade history, the audit
 * entry), at issue 11's size. Enterprises each with penalties of every tier (warnings, fines of
 * 0–200 万元, one in ten with a revocation) over three years are generated in SQL and graded once;
 * then 2,000 evaluations of enterprises spread over the population are timed one after another.
 *
 *   npm run bench:evaluation -- --engine postgres --subjects 1000000 --records 10
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { creditSchema } from '../config/credit-model-schema.js';
import { gradeAllSubjects } from '../credit/grading.js';
import { registerModelVersions } from '../credit/model-governance.js';
import type { HubDb } from '../store/database.js';
import {
  BENCH_RECORD_COLUMNS,
  countArg,
  engineArg,
  insertBenchEnterprises,
  openBenchDatabase,
  percentile,
  runBenchmark,
  say,
  startBenchHub,
} from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    queries: { type: 'string', default: '2000' },
  },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const PER_SUBJECT = countArg('records', args.records);
const QUERIES = countArg('queries', args.queries);

/** Enterprise n's USCC, in SQL and in TypeScript alike. */
const usccOf = (n: number) => `91320000${String(n).padStart(10, '0')}`;
const usccSql = sql`'91320000' || lpad(s::text, 10, '0')`;

const EVALUATION_QUERY = `query($u: USCC!) { evaluation(uscc: $u) { uscc creditClass label score base cappedBy modelVersion evaluatedAt
  contributions { indicator dimension points records { id kind eventDate } recordsOutsideGrant }
  reasons { code points records { id } }
  history(first: 5) { edges { node { creditClass score cause evaluatedAt } } } } }`;

async function generate(db: HubDb): Promise<void> {
  await insertBenchEnterprises(db, SUBJECTS, usccSql, '评价基准企业', '320000');
  await sql`
    insert into records (${BENCH_RECORD_COLUMNS})
    select 'BENCH', s || '-' || k, 'PENALTY', ${usccSql}, '评价基准企业' || s, '02', 'ACTIVE', d.event_date, d.event_date, d.event_date + 1095,
      case (s + k) % 10 when 0 then jsonb_build_object('CF_CFLB', jsonb_build_array('罚款', '吊销许可证件'), 'CF_NR_FK', '150.000000')
        when 1 then jsonb_build_object('CF_CFLB', jsonb_build_array('警告'))
        else jsonb_build_object('CF_CFLB', jsonb_build_array('罚款'), 'CF_NR_FK', ((s * k) % 200)::text || '.000000') end,
      md5(s || '-' || k), '320000', 'hub-bench', nextval('record_change_seq')
    from generate_series(1, ${SUBJECTS}) s cross join generate_series(1, ${PER_SUBJECT}) k
    cross join lateral (select current_date - ((s * 37 + k * 101) % 1000) as event_date) d`.execute(db);
  await sql`analyze`.execute(db);
}

async function timeEvaluation(port: number, headers: Record<string, string>, n: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: EVALUATION_QUERY, variables: { u: usccOf(n) } }),
  });
  const body = (await response.json()) as { data?: { evaluation?: { contributions: unknown[] } | null }; errors?: unknown[] };
  const elapsed = performance.now() - started;
  if (!body.data?.evaluation?.contributions.length)
    throw new Error(`no evaluation of enterprise ${n}: HTTP ${response.status} ${JSON.stringify(body.errors ?? [])}`);
  return elapsed;
}

async function main(): Promise<void> {
  say(`evaluation: ${ENGINE}, ${SUBJECTS} enterprises, ${SUBJECTS * PER_SUBJECT} records; ${cpus().length} cores; ${new Date().toISOString()}`);
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  try {
    let started = performance.now();
    await generate(database.db);
    say(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const credit = creditSchema.parse({});
    const clock = () => new Date();
    await registerModelVersions(database.db, credit, clock);
    started = performance.now();
    const graded = await gradeAllSubjects({ db: database.db, credit, clock });
    say(`graded ${graded.graded} enterprises in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const { hub, headers, stop } = await startBenchHub(database);
    try {
      const port = await hub.listen(0, '127.0.0.1');
      for (let i = 0; i < 50; i++) await timeEvaluation(port, headers, 1 + i);
      const load = loadavg()[0] ?? 0;
      const latencies: number[] = [];
      for (let i = 0; i < QUERIES; i++) latencies.push(await timeEvaluation(port, headers, 1 + ((i * 104_729) % SUBJECTS)));
      latencies.sort((a, b) => a - b);
      say(
        `evaluation(uscc) over HTTP, ${QUERIES} in a row: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${percentile(latencies, 100).toFixed(2)} ms; load average ${load.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
      );
    } finally {
      await stop();
    }
  } finally {
    await cleanup();
  }
}

runBenchmark(main);

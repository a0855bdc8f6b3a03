/**
 * Benchmark (not a test): a 双随机 draw over a generated population. Subjects are generated in SQL
 * (generate_series), most of them graded (A 10 %, B 55 %, C 20 %, D 10 %, ungraded 5 %, supervised as
 * B), then one commitment (population frozen, digest, sample per class) and its execution (targets and
 * inspectors ranked in SQL) are timed, and the draw is verified in TypeScript as `draw verify` does.
 *
 *   npm run bench:draw -- --engine postgres --subjects 1000000
 *   npm run bench:draw -- --engine pglite --subjects 100000
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { inspectionsSchema } from '../inspections/inspection-schema.js';
import { supervisionSchema } from '../config/supervision-schema.js';
import { commitInspectionDraw } from '../inspections/commit-draw.js';
import { executeInspectionDraw } from '../inspections/execute-draw.js';
import type { InspectionDeps } from '../inspections/inspection-deps.js';
import { loadPublishedDraw } from '../inspections/stored-draw.js';
import { verifyDraw } from '../inspections/verify-draw.js';
import type { HubDb } from '../store/database.js';
import { countArg, engineArg, openBenchDatabase, runBenchmark, say } from './support.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string', default: 'postgres' }, subjects: { type: 'string', default: '1000000' }, inspectors: { type: 'string', default: '50' } },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const INSPECTORS = countArg('inspectors', args.inspectors);
const SEED = '8b7df143d91c716ecfa5fc1730022f6b421b05cedee8fd52b1fc65a96030ad52';

async function seconds<T>(work: () => Promise<T>): Promise<[T, string]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)];
}

/** Subjects 91310000 + ten digits (18 characters, in region 310000) and their grades, in SQL. */
async function generatePopulation(db: HubDb): Promise<void> {
  await sql`insert into agencies (code, name, region, hub) values ('BENCH', '基准测试机构', '310000', 'hub-bench') on conflict do nothing`.execute(db);
  await sql`insert into subjects (uscc, name, category, division_code, region)
    select '91310000' || lpad(n::text, 10, '0'), '基准企业' || n, '02', '310000', '310000' from generate_series(1, ${SUBJECTS}) n`.execute(db);
  await sql`insert into credit_model_versions (version, fingerprint) values ('bench', 'bench')`.execute(db);
  await sql`insert into credit_grades (subject_uscc, model_version, score, class, contributions, reasons, evaluated_at, record_seq)
    select '91310000' || lpad(n::text, 10, '0'), 'bench', 600,
      case when n % 20 < 2 then 'A' when n % 20 < 13 then 'B' when n % 20 < 17 then 'C' else 'D' end, '[]', '[]', now(), 0
    from generate_series(1, ${SUBJECTS}) n where n % 20 <> 19`.execute(db);
  await sql`analyze subjects`.execute(db);
  await sql`analyze credit_grades`.execute(db);
}

async function main(): Promise<void> {
  say(
    `draw: ${ENGINE}, ${SUBJECTS} subjects, ${INSPECTORS} inspectors; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString()}`,
  );
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  try {
    const [, generated] = await seconds(() => generatePopulation(database.db));
    say(`generated ${SUBJECTS} subjects and their grades in ${generated} s`);
    const deps: InspectionDeps = {
      db: database.db,
      reads: { standard: database.db, heavy: database.db },
      clock: () => new Date(),
      config: inspectionsSchema.parse({
        inspectors: Array.from({ length: INSPECTORS }, (_, i) => ({ id: `I${String(i + 1).padStart(3, '0')}`, name: `检查员${i + 1}`, agency: 'BENCH' })),
      }),
      supervision: supervisionSchema.parse({}),
      agencyRegions: new Map([['BENCH', '310000']]),
      maxSubjectsPerRequest: 2000,
    };
    const noAudit = () => Promise.resolve();
    const [draw, committed] = await seconds(() => commitInspectionDraw(deps, 'BENCH', { randomnessReference: 'bench operator value' }, 'bench', noAudit));
    say(
      `commit: ${committed} s (population ${draw.population_size}, digest ${draw.population_digest.slice(0, 16)}…, samples ${draw.classes.map((c) => `${c.class} ${c.sample}`).join(', ')})`,
    );
    // An operator's seed is entered by an admin client other than the committer.
    const executor = { clientId: 'bench-admin', agencyCode: 'BENCH', isAdmin: true };
    const [, executed] = await seconds(() => executeInspectionDraw(deps, draw.id, SEED, executor, noAudit));
    const total = draw.classes.reduce((sum, c) => sum + c.sample, 0);
    say(`execute: ${executed} s (${total} targets × ${deps.config.inspectorsPerTarget} inspectors)`);
    const [differences, verified] = await seconds(async () => verifyDraw(await loadPublishedDraw(database.db, draw.id)));
    say(`verify (TypeScript, reading the snapshot): ${verified} s, ${differences.length === 0 ? 'OK' : `${differences.length} differences`}`);
  } finally {
    await cleanup();
  }
}

runBenchmark(main);

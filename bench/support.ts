import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import pino from 'pino';
import { readEnv } from '../config/env.js';
import { hubConfigSchema, type HubConfig } from '../server/hub-config.js';
import { createOrderedWriter, emptyTotals } from '../connectors/types.js';
import { usccCheckCharacter } from '../ingestion/identifiers.js';
import { requireValue } from '../ingestion/require-value.js';
import { prepareBatch, writePreparedBatch } from '../ingestion/ingest-batch.js';
import type { IncomingRecord } from '../ingestion/validate-record.js';
import { issueAccessToken } from '../server/auth/access-tokens.js';
import { PURPOSE_HEADER } from '../server/auth/require-access.js';
import { createHub, type Hub } from '../server/app.js';
import { findClient } from '../store/client-queries.js';
import { openDatabase, type Database, type HubDb } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { startTemporaryPostgres } from '../test/support/global-setup.js';

/** Shared by the benchmarks: generated data, the database under test, a hub with one operator client. */

export const say = (text: string) => process.stdout.write(`${text}\n`);

/** The deciding authority of the generated records (and agency-api-server's): the bench agencies' own USCC. */
export const AUTHORITY = (() => {
  const body = '11310000MB0000001';
  return body + usccCheckCharacter(body);
})();

export function subjectUscc(n: number): string {
  const body = `913101${String(10 + (n % 90))}${n.toString().padStart(9, '0')}`;
  return body + usccCheckCharacter(body);
}

/** One subject's k-th record; the generator's own cost is kept small so the figure is the hub's. */
function record(subject: number, k: number, name: string, uscc: string): IncomingRecord {
  const id = `${subject}-${k}`;
  const day = `20${20 + (k % 6)}-0${1 + (k % 9)}-1${k % 10}`;
  if (k % 3 === 0) {
    return {
      kind: 'PERMIT',
      sourceRecordId: `XK-${id}`,
      fields: {
        XK_XDR_MC: name,
        XK_XDR_LB: '02',
        XK_XDR_SHXYM: uscc,
        XK_FRDB: '张三',
        XK_WSH: `沪许〔${id}〕号`,
        XK_XKLB: '普通',
        XK_NR: '预包装食品销售',
        XK_JDRQ: day,
        XK_YXQZ: day,
        XK_YXQZI: '2030-12-31',
        XK_XKJG: '上海市市场监督管理局',
        XK_XKJGDM: AUTHORITY,
        XK_LYDW: '上海市市场监督管理局',
        XK_LYDWDM: AUTHORITY,
      },
    };
  }
  return {
    kind: 'PENALTY',
    sourceRecordId: `CF-${id}`,
    fields: {
      CF_XDR_MC: name,
      CF_XDR_LB: '02',
      CF_XDR_SHXYM: uscc,
      CF_FRDB: '张三',
      CF_WSH: `沪罚〔${id}〕号`,
      CF_WFXW: '虚假宣传',
      CF_SY: '发布虚假广告',
      CF_YJ: '《反不正当竞争法》第二十条',
      CF_CFLB: '罚款',
      CF_NR: '罚款',
      CF_NR_FK: `${k}.5`,
      CF_JDRQ: day,
      CF_YXQ: '2099-12-31',
      CF_CFJG: '上海市市场监督管理局',
      CF_CFJGDM: AUTHORITY,
      CF_SJLY: '上海市市场监督管理局',
      CF_SJLYDM: AUTHORITY,
    },
  };
}

/** Batches of the records of subjects `part`, `part + parts`, `part + 2·parts`, … (all subjects by default). */
export function* recordBatches(subjects: number, perSubject: number, batchSize: number, part = 0, parts = 1): Generator<IncomingRecord[]> {
  let batch: IncomingRecord[] = [];
  for (let s = part; s < subjects; s += parts) {
    const name = `上海基准测试${s}号科技有限公司`;
    const uscc = subjectUscc(s);
    for (let k = 0; k < perSubject; k++) {
      batch.push(record(s, k, name, uscc));
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * The temporary server is sized as a production one would be on this machine: the default 128 MB of
 * shared buffers would hold a tenth of a million-record store, and a larger WAL allowance keeps
 * checkpoints out of the measurement.
 */
const BENCH_SERVER_SETTINGS = { shared_buffers: '2GB', max_wal_size: '8GB' };

/**
 * Added for a profiled run: auto_explain loaded (inactive until a session sets
 * auto_explain.log_min_duration) and the server log written where pg_current_logfile() finds it.
 */
export const PROFILING_SERVER_SETTINGS = { shared_preload_libraries: 'auto_explain', logging_collector: 'on' };

/**
 * The database under test: a temporary local PostgreSQL server (or BENCH_DATABASE_URL), or PGlite in a
 * temp folder; `url` is the server's (for more connections to it), undefined on PGlite.
 */
export async function openBenchDatabase(
  engine: BenchEngine,
  extraSettings: Readonly<Record<string, string>> = {},
): Promise<{ database: Database; url: string | undefined; cleanup: () => Promise<void> }> {
  if (engine === 'postgres') {
    const external = readEnv().BENCH_DATABASE_URL;
    const server = external ? undefined : await startTemporaryPostgres({ ...BENCH_SERVER_SETTINGS, ...extraSettings });
    const url = external ?? requireValue(server, 'the temporary PostgreSQL server').url;
    const database = await openDatabase({ engine: 'postgres', url, poolSize: 4 });
    await migrateToLatest(database.db);
    return {
      database,
      url,
      cleanup: async () => {
        await database.close();
        server?.stop();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
  const database = await openDatabase({ engine: 'pglite', dataDir: dir });
  await migrateToLatest(database.db);
  return {
    database,
    url: undefined,
    cleanup: async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Code of the n-th benchmark agency (from 0); the first is BENCH. */
export const benchAgency = (n: number): string => (n === 0 ? 'BENCH' : `BENCH-${n + 1}`);

/**
 * A hub with `agencies` agencies (BENCH, BENCH-2, …) and one operator client, and the headers its
 * requests carry: the operator's bearer token and purpose.
 */
export async function startBenchHub(
  database: Database,
  agencies = 1,
): Promise<{ hub: Hub; config: HubConfig; headers: Record<string, string>; stop: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'hub-bench-client-'));
  await writeFile(join(folder, 'secret'), 'bench-secret-0123456789abcdef');
  const config = hubConfigSchema.parse({
    hub: { id: 'hub-bench', region: '310000' },
    // One client sends every query: the rate limits would otherwise answer 429.
    limits: { requestsPerMinute: 10_000_000 },
    auth: { defaultClientRequestsPerMinute: 10_000_000 },
    agencies: Array.from({ length: agencies }, (_, n) => ({ code: benchAgency(n), name: `基准测试机构${n + 1}`, region: '310000', uscc: AUTHORITY })),
    clients: [{ id: 'bench-operator', name: '基准测试', type: 'ADMIN', secretFile: join(folder, 'secret') }],
  });
  const hub = await createHub({ config, database, logger: pino({ level: 'warn' }), clock: () => new Date() });
  await hub.registerFromConfig();
  const client = requireValue(await findClient(database.db, 'bench-operator'), 'the bench-operator client');
  const token = await issueAccessToken({ ...hub.tokens, ttlSeconds: 3600 }, client, client.scopes);
  const stop = async () => {
    await hub.stop();
    await rm(folder, { recursive: true, force: true });
  };
  return { hub, config, headers: { authorization: `Bearer ${token.accessToken}`, [PURPOSE_HEADER]: 'OPERATIONS' }, stop };
}

/**
 * Ingests generated records as connectors do (validating the next batch while the current one is
 * written), subject by subject spread over `agencies` agencies that ingest at the same time, as
 * several connectors do; returns records/s.
 */
export async function ingestGenerated(
  hub: Hub,
  subjects: number,
  perSubject: number,
  options: { batchSize: number; agencies: number; progress?: (done: number, perSecond: number) => void },
): Promise<number> {
  const total = subjects * perSubject;
  const started = performance.now();
  const totals = emptyTotals();
  let done = 0;
  let nextReport = total / 10;
  const ingestAgency = async (part: number) => {
    const writer = createOrderedWriter((batch) => writePreparedBatch(hub.ingestion, batch), totals);
    for (const batch of recordBatches(subjects, perSubject, options.batchSize, part, options.agencies)) {
      await writer.submit(await prepareBatch(hub.ingestion, { agencyCode: benchAgency(part), source: 'bench', records: batch }));
      done += batch.length;
      if (done >= nextReport) {
        options.progress?.(done, Math.round(done / ((performance.now() - started) / 1000)));
        nextReport += total / 10;
      }
    }
    await writer.drain();
  };
  await Promise.all(Array.from({ length: options.agencies }, (_, part) => ingestAgency(part)));
  if (totals.rejected || totals.inserted !== total) throw new Error(`bench data not fully ingested: ${JSON.stringify(totals)}`);
  return total / ((performance.now() - started) / 1000);
}

export const SUBJECT_PROFILE_QUERY = `query($u: USCC!) { subject(uscc: $u) { uscc name region { name } records(first: 20) { totalCount edges { node {
  id kind status eventDate publicationEnd agency { name } penalty { penaltyTypes fine { yuan } } permit { category content } } } } } }`;

/** Times one subject-profile query over HTTP for a random subject; throws if the answer is not the expected profile. */
export async function timeSubjectQuery(port: number, headers: Record<string, string>, subjects: number, perSubject: number): Promise<number> {
  const uscc = subjectUscc(Math.floor(Math.random() * subjects));
  const t0 = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: SUBJECT_PROFILE_QUERY, variables: { u: uscc } }),
  });
  const body = (await response.json()) as { data?: { subject?: { records: { totalCount: number } } } };
  const elapsed = performance.now() - t0;
  if (body.data?.subject?.records.totalCount !== perSubject) throw new Error(`unexpected answer for ${uscc}: HTTP ${response.status}`);
  return elapsed;
}

/** Ends the run over a bad command-line option, naming it: a usage error, not a failure worth a stack. */
function refuseArg(name: string, rule: string, text: string | undefined): never {
  process.stderr.write(`bench: --${name} must be ${rule}, not ${JSON.stringify(text)}\n`);
  process.exit(2);
}

/** A command-line count: a whole number of at least 1. */
export function countArg(name: string, text: string | undefined): number {
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : refuseArg(name, 'a whole number of at least 1', text);
}

export type BenchEngine = 'postgres' | 'pglite';

/** The --engine option: postgres or pglite. */
export function engineArg(text: string | undefined): BenchEngine {
  return text === 'postgres' || text === 'pglite' ? text : refuseArg('engine', 'postgres or pglite', text);
}

/** Runs a benchmark's main function; a failure prints its stack and exits 1. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

/**
 * The BENCH agency and enterprises 1..count generated in SQL: enterprise `s` has the USCC `uscc` (an
 * expression over `s`) and the name `namePrefix` followed by `s`, in `region`. Records generated for
 * them name the same USCC and name, in the columns of `BENCH_RECORD_COLUMNS`.
 */
export async function insertBenchEnterprises(db: HubDb, count: number, uscc: RawBuilder<unknown>, namePrefix: string, region: string): Promise<void> {
  await sql`insert into agencies (code, name, region, hub) values ('BENCH', '基准测试机构', '310000', 'hub-bench') on conflict do nothing`.execute(db);
  await sql`insert into subjects (uscc, name, category, division_code, region)
    select ${uscc}, ${namePrefix} || s, '02', ${region}, ${region} from generate_series(1, ${count}) s`.execute(db);
}

/** The columns a generated record fills, in this order: `insert into records (${BENCH_RECORD_COLUMNS}) select …`. */
export const BENCH_RECORD_COLUMNS = sql.raw(`agency_code, source_record_id, kind, subject_uscc, subject_name, subject_category, status, event_date,
  valid_to, publication_end, fields, content_hash, origin_region, origin_hub, version`);

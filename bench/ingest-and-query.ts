/**
 * Benchmark (not a test): ingest N subjects × M records through the ingestion core, then measure
 * the latency of a subject-profile GraphQL query over HTTP.
 *
 *   npm run bench -- --engine pglite   --subjects 100000 --records 10
 *   npm run bench -- --engine postgres --subjects 100000 --records 10   # temporary local server, or BENCH_DATABASE_URL
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { hubConfigSchema } from '../config/hub-config.js';
import { usccCheckCharacter } from '../ingestion/identifiers.js';
import { prepareBatch, writePreparedBatch } from '../ingestion/ingest-batch.js';
import { createOrderedWriter, emptyTotals } from '../connectors/types.js';
import type { IncomingRecord } from '../ingestion/validate-record.js';
import { createHub } from '../server/app.js';
import { openDatabase, type Database } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { startTemporaryPostgres } from '../test/support/global-setup.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    batch: { type: 'string', default: '5000' },
    queries: { type: 'string', default: '2000' },
  },
});
const SUBJECTS = Number(args.subjects);
const PER_SUBJECT = Number(args.records);
const BATCH = Number(args.batch);
const QUERIES = Number(args.queries);
const AUTHORITY = (() => {
  const body = '11310000MB0000001';
  return body + usccCheckCharacter(body);
})();

const say = (text: string) => process.stdout.write(`${text}\n`);

function subjectUscc(n: number): string {
  const body = `913101${String(10 + (n % 90))}${n.toString().padStart(9, '0')}`;
  return body + usccCheckCharacter(body);
}

/** Generates one subject's records; the generator's own cost is kept small so the figure is the hub's. */
function record(subject: number, k: number, name: string, uscc: string): IncomingRecord {
  const id = `${subject}-${k}`;
  const day = `20${20 + (k % 6)}-0${1 + (k % 9)}-1${k % 10}`;
  if (k % 3 === 0) {
    return {
      kind: 'PERMIT',
      sourceRecordId: `XK-${id}`,
      fields: {
        XK_XDR_MC: name, XK_XDR_LB: '02', XK_XDR_SHXYM: uscc, XK_FRDB: '张三',
        XK_WSH: `沪许〔${id}〕号`, XK_XKLB: '普通', XK_NR: '预包装食品销售', XK_JDRQ: day, XK_YXQZ: day, XK_YXQZI: '2030-12-31',
        XK_XKJG: '上海市市场监督管理局', XK_XKJGDM: AUTHORITY, XK_LYDW: '上海市市场监督管理局', XK_LYDWDM: AUTHORITY,
      },
    };
  }
  return {
    kind: 'PENALTY',
    sourceRecordId: `CF-${id}`,
    fields: {
      CF_XDR_MC: name, CF_XDR_LB: '02', CF_XDR_SHXYM: uscc, CF_FRDB: '张三',
      CF_WSH: `沪罚〔${id}〕号`, CF_WFXW: '虚假宣传', CF_SY: '发布虚假广告', CF_YJ: '《反不正当竞争法》第二十条', CF_CFLB: '罚款',
      CF_NR: '罚款', CF_NR_FK: `${k}.5`, CF_JDRQ: day, CF_YXQ: '2099-12-31', CF_CFJG: '上海市市场监督管理局', CF_CFJGDM: AUTHORITY,
      CF_SJLY: '上海市市场监督管理局', CF_SJLYDM: AUTHORITY,
    },
  };
}

function* batches(): Generator<IncomingRecord[]> {
  let batch: IncomingRecord[] = [];
  for (let s = 0; s < SUBJECTS; s++) {
    const name = `上海基准测试${s}号科技有限公司`;
    const uscc = subjectUscc(s);
    for (let k = 0; k < PER_SUBJECT; k++) {
      batch.push(record(s, k, name, uscc));
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function openTarget(): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  if (args.engine === 'postgres') {
    const external = process.env['BENCH_DATABASE_URL'];
    const server = external ? undefined : await startTemporaryPostgres();
    const database = await openDatabase({ engine: 'postgres', url: external ?? server!.url, poolSize: 4 });
    return { database, cleanup: async () => { await database.close(); server?.stop(); } };
  }
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
  const database = await openDatabase({ engine: 'pglite', dataDir: dir });
  return { database, cleanup: async () => { await database.close(); await rm(dir, { recursive: true, force: true }); } };
}

async function main(): Promise<void> {
  const total = SUBJECTS * PER_SUBJECT;
  say(`bench: ${args.engine}, ${SUBJECTS} subjects × ${PER_SUBJECT} records = ${total} records, batches of ${BATCH}; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`);
  const { database, cleanup } = await openTarget();
  try {
    await migrateToLatest(database.db);
    const config = hubConfigSchema.parse({
      hub: { id: 'hub-bench', region: '310000' },
      // One client sends every query: the per-address rate limit would otherwise answer 429.
      limits: { requestsPerMinute: 1_000_000 },
      agencies: [{ code: 'BENCH', name: '基准测试机构', region: '310000' }],
    });
    const logger = pino({ level: 'warn' });
    const hub = await createHub({ config, database, logger, clock: () => new Date() });
    await hub.registerFromConfig();

    // As connectors do: validate the next batch while the database writes the current one.
    const started = performance.now();
    const totals = emptyTotals();
    const writer = createOrderedWriter((batch) => writePreparedBatch(hub.ingestion, batch), totals);
    let done = 0;
    let nextReport = total / 10;
    for (const batch of batches()) {
      await writer.submit(await prepareBatch(hub.ingestion, { agencyCode: 'BENCH', source: 'bench', records: batch }));
      done += batch.length;
      if (done >= nextReport) {
        say(`  ingested ${done} records (${Math.round(done / ((performance.now() - started) / 1000))} records/s)`);
        nextReport += total / 10;
      }
    }
    await writer.drain();
    if (totals.rejected || totals.inserted !== total) throw new Error(`bench data not fully ingested: ${JSON.stringify(totals)}`);
    const ingestSeconds = (performance.now() - started) / 1000;
    say(`ingest: ${total} records in ${ingestSeconds.toFixed(1)} s = ${Math.round(total / ingestSeconds)} records/s`);

    const port = await hub.listen(0, '127.0.0.1');
    const query = `query($u: USCC!) { subject(uscc: $u) { uscc name region { name } records(first: 20) { totalCount edges { node {
      id kind status eventDate publicationEnd agency { name } penalty { penaltyTypes fine { yuan } } permit { category content } } } } } }`;
    const latencies: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const uscc = subjectUscc(Math.floor(Math.random() * SUBJECTS));
      const t0 = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { u: uscc } }),
      });
      const body = (await response.json()) as { data?: { subject?: { records: { totalCount: number } } } };
      latencies.push(performance.now() - t0);
      if (body.data?.subject?.records.totalCount !== PER_SUBJECT) throw new Error(`unexpected answer for ${uscc}: HTTP ${response.status}`);
    }
    latencies.sort((a, b) => a - b);
    say(`subject profile query over HTTP (${QUERIES} queries): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);
    await hub.stop();
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

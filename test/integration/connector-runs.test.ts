import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import type { HubConfig } from '../../server/hub-config.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { capturedLog } from '../support/captured-log.js';
import { dataOf, defined, firstError } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { parsedSource } from '../support/one-agency-config.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

let api: AgencyApi;
let testHub: TestHub | undefined;

/** An agency row; without a mapping for 决定书文号 it is refused (UNMAPPED_COLUMN), so each run quarantines it. */
function agencyRow(n: number) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 7000 + n) }, `R${n}`);
  const rest = Object.fromEntries(Object.entries(fields).filter(([column]) => column !== 'CF_WSH'));
  return { kind: 'PENALTY', id: `R${n}`, updated_at: `2024-05-01T08:0${n}:00.000Z`, 决定书文号: `沪罚〔2024〕R${n}号`, ...rest };
}

function configWith(columns: Record<string, string>, extra: { schedule?: string; pageSize?: number } = {}): HubConfig {
  const mapping = { kindColumn: 'kind', sourceRecordIdColumn: 'id', columns };
  const source = { type: 'http-json', name: 'penalties', url: api.url, pageSize: 10, retries: 0, timeoutMs: 5000, mapping, ...extra };
  const penalties = parsedSource(source);
  return { ...TEST_CONFIG, agencies: TEST_CONFIG.agencies.map((a) => (a.code === 'SH-SAMR' ? { ...a, sources: [penalties] } : a)) };
}

const RUN_FIELDS = 'id status startedAt batches received inserted rejected pages watermarkBefore watermarkAfter failureReason error warnings { code message }';
const RUN = `mutation { runConnectorNow(agencyCode: "SH-SAMR", connector: "penalties") { ${RUN_FIELDS} } }`;
const RUNS = `{ connectorRuns(agencyCode: "SH-SAMR") { totalCount edges { node { ${RUN_FIELDS} } } } }`;

/** A connector run as RUN_FIELDS reads it (the fields the tests read). */
interface Run {
  id: string;
  status: string;
  startedAt: string;
  pages: number;
  batches: number;
  received: number;
  watermarkAfter: string | null;
}
type RanNow = { runConnectorNow: Run };
type Runs = { connectorRuns: { totalCount: number; edges: { node: Run }[] } };
type Quarantine = { quarantine: { totalCount: number; edges: { node: { connector: string } }[] } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of a process that has just exited on this host. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return defined(child.pid, 'the pid of the spawned process');
}

beforeEach(async () => {
  api = await startAgencyApi();
  for (const n of [1, 2, 3]) api.records.set(`R${n}`, agencyRow(n));
});
afterEach(async () => {
  await testHub?.close();
  testHub = undefined;
  await api.close();
});

describe('one run per source', () => {
  test('a second runConnectorNow 300 ms after the first gets CONFLICT naming the run in progress; the first returns its own run; nothing is quarantined twice', async () => {
    testHub = await startTestHub(configWith({}));
    const hub = testHub;
    api.delayMs = 1500;
    const first = hub.gqlAs<RanNow>(RUN);
    await sleep(300);
    const second = await hub.gqlAs<RanNow>(RUN);
    const ran = dataOf((await first).body).runConnectorNow;
    expect(ran).toMatchObject({ status: 'SUCCEEDED', received: 3, rejected: 3, failureReason: null });
    expect(firstError(second.body).extensions.code).toBe('CONFLICT');
    expect(firstError(second.body).message).toBe(`connector SH-SAMR/penalties is already running: run ${ran.id}, started ${ran.startedAt}`);
    const runs = await hub.gqlAs<Runs>(RUNS);
    expect(dataOf(runs.body).connectorRuns.totalCount).toBe(1);
    expect(dataOf(runs.body).connectorRuns.edges[0]?.node.id).toBe(ran.id);
    // The source was read once: one request for its first page.
    expect(api.requests.filter((query) => !query.has('cursor'))).toHaveLength(1);
    const open = await hub.gqlAs<Quarantine>('{ quarantine(agencyCode: "SH-SAMR") { totalCount edges { node { connector } } } }');
    expect(dataOf(open.body).quarantine.totalCount).toBe(3);
    // Each entry names the source that refused it.
    expect(dataOf(open.body).quarantine.edges.map((e) => e.node.connector)).toEqual(['penalties', 'penalties', 'penalties']);
    // The lease went with the run: the next request runs.
    api.delayMs = 0;
    expect(dataOf((await hub.gqlAs<RanNow>(RUN)).body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED' });
  });

  test('a scheduled tick while a manual run is in progress is skipped and logged', async () => {
    const log = capturedLog();
    const hub = await startTestHub(configWith({}, { schedule: '* * * * * *' }), log.logger);
    try {
      api.delayMs = 2500;
      const manual = hub.gqlAs<RanNow>(RUN);
      // Ticks every second from the moment the manual run is reading the source.
      while (api.requests.length === 0) await sleep(20);
      hub.hub.startSchedules();
      const ran = dataOf((await manual).body).runConnectorNow;
      await hub.hub.stop();
      expect(ran).toMatchObject({ status: 'SUCCEEDED', rejected: 3 });
      const skipped = log.lines().filter((line) => String(line['msg']).startsWith('scheduled run skipped'));
      expect(skipped.length).toBeGreaterThanOrEqual(1);
      expect(skipped[0]?.['msg']).toBe(`scheduled run skipped: connector SH-SAMR/penalties is already running: run ${ran.id}, started ${ran.startedAt}`);
      // A tick after the manual run may have started one more run: let it end, then check no two runs overlapped.
      api.delayMs = 0;
      const runsOf = () => hub.database.db.selectFrom('connector_runs').select(['id', 'status', 'started_at', 'finished_at']).orderBy('id').execute();
      while ((await runsOf()).some((run) => run.status === 'RUNNING')) await sleep(50);
      const runs = await runsOf();
      expect(runs[0]?.id).toBe(Number(ran.id));
      for (const [i, run] of runs.slice(1).entries()) {
        expect(run.started_at.getTime()).toBeGreaterThanOrEqual(defined(runs[i]?.finished_at, `the end of run ${i}`).getTime());
      }
      expect((await hub.database.db.selectFrom('quarantine').select('id').execute()).length).toBe(3);
    } finally {
      await hub.database.dispose();
    }
  });
});

describe('runs that tell the truth', () => {
  test('a run records its pages and watermarks; a failed run its typed reason and the batches it committed', async () => {
    testHub = await startTestHub(configWith({ 决定书文号: 'CF_WSH' }, { pageSize: 2 }));
    const ran = dataOf((await testHub.gqlAs<RanNow>(RUN)).body).runConnectorNow;
    expect(ran).toMatchObject({
      status: 'SUCCEEDED',
      received: 3,
      inserted: 3,
      batches: 2,
      watermarkBefore: null,
      watermarkAfter: '2024-05-01T08:03:00.000Z',
      failureReason: null,
      warnings: [],
    });
    // Two full pages and the empty one that confirms the end, or two when the API's has_more says so.
    expect(ran.pages).toBeGreaterThanOrEqual(2);

    api.records.set('R4', agencyRow(4));
    api.records.set('R5', agencyRow(5));
    api.records.set('R6', agencyRow(6));
    api.faults.push({ pass: true }, { status: 401 });
    const failed = dataOf((await testHub.gqlAs<RanNow>(RUN)).body).runConnectorNow;
    expect(failed).toMatchObject({
      status: 'FAILED',
      failureReason: 'UNAUTHORIZED',
      error: expect.stringContaining('401'),
      watermarkBefore: '2024-05-01T08:03:00.000Z',
      pages: 1,
    });
    // The page stored before the failure is counted on the failed run, and its watermark is where the run left it.
    expect(failed.batches).toBe(1);
    expect(failed.received).toBeGreaterThanOrEqual(2);
    expect(failed.watermarkAfter).not.toBe('2024-05-01T08:03:00.000Z');
  });

  test('a file drop counts the files it read as pages; its quarantine entries name it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hub-runs-drop-'));
    try {
      const row = (n: number) => JSON.stringify({ ...agencyRow(n), CF_WSH: `沪罚〔2024〕R${n}号` });
      await writeFile(join(folder, 'a.jsonl'), `${row(1)}\n${JSON.stringify({ ...agencyRow(2), CF_JDRQ: '2024-02-30' })}\n`);
      await writeFile(join(folder, 'b.jsonl'), `${row(3)}\n`);
      const mapping = { kindColumn: 'kind', sourceRecordIdColumn: 'id', ignoreColumns: ['updated_at', '决定书文号'] };
      const source = parsedSource({ type: 'file-drop', name: 'drops', folder, afterRun: 'keep', mapping });
      testHub = await startTestHub({
        ...TEST_CONFIG,
        agencies: TEST_CONFIG.agencies.map((a) => (a.code === 'SH-SAMR' ? { ...a, sources: [source] } : a)),
      });
      const drops = await testHub.gqlAs<{ runConnectorNow: unknown }>(
        'mutation { runConnectorNow(agencyCode: "SH-SAMR", connector: "drops") { status pages batches received inserted rejected watermarkBefore watermarkAfter } }',
      );
      const ran = dataOf(drops.body).runConnectorNow;
      expect(ran).toEqual({ status: 'SUCCEEDED', pages: 2, batches: 2, received: 3, inserted: 2, rejected: 1, watermarkBefore: null, watermarkAfter: null });
      const refused = await testHub.gqlAs<{ quarantine: { edges: unknown } }>(
        '{ quarantine(agencyCode: "SH-SAMR") { edges { node { sourceRecordId connector } } } }',
      );
      expect(dataOf(refused.body).quarantine.edges).toEqual([{ node: { sourceRecordId: 'R2', connector: 'drops' } }]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('a run left RUNNING by a dead process is closed as ABANDONED with what it had stored, at start-up and by the next run', async () => {
    testHub = await startTestHub(configWith({}));
    const db = testHub.database.db;
    const leftRunning = async () => {
      const run = await db
        .insertInto('connector_runs')
        .values({ agency_code: 'SH-SAMR', connector: 'penalties', status: 'RUNNING', finished_at: null, error: null, pages: 4 })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const received of [10, 7]) {
        await db
          .insertInto('ingestion_batches')
          .values({
            agency_code: 'SH-SAMR',
            source: 'http:penalties',
            started_at: new Date(),
            finished_at: new Date(),
            received,
            inserted: received - 1,
            updated: 0,
            unchanged: 0,
            rejected: 1,
            run_id: run.id,
          })
          .execute();
      }
      // Its lease is still held (not expired) by a process of this host that no longer runs.
      const holder = `${hostname()}/${await deadPid()}/deadbeef/1`;
      await sql`insert into job_leases (name, holder, expires_at) values ('connector:SH-SAMR/penalties', ${holder}, now() + interval '1 minute')
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at`.execute(db);
      return String(run.id);
    };
    const abandoned = { status: 'ABANDONED', failureReason: 'ABANDONED', batches: 2, received: 17, inserted: 15, rejected: 2, pages: 4 };

    const atStart = await leftRunning();
    expect(await testHub.hub.closeAbandonedRuns()).toBe(1);
    const listed = dataOf((await testHub.gqlAs<Runs>(RUNS)).body).connectorRuns.edges.map((e) => e.node);
    expect(listed.find((run) => run.id === atStart)).toMatchObject(abandoned);

    const byNextRun = await leftRunning();
    const ran = dataOf((await testHub.gqlAs<RanNow>(RUN)).body).runConnectorNow;
    expect(ran).toMatchObject({ status: 'SUCCEEDED', received: 3, batches: 1 });
    const after = dataOf((await testHub.gqlAs<Runs>(RUNS)).body).connectorRuns.edges.map((e) => e.node);
    expect(after.find((run) => run.id === byNextRun)).toMatchObject({
      ...abandoned,
      error: expect.stringMatching(/stopped before it finished/),
    });
    const health = await testHub.gqlAs<{ connectors: unknown[] }>('{ connectors(agencyCode: "SH-SAMR") { consecutiveFailures lastRun { id } } }');
    expect(dataOf(health.body).connectors[0]).toEqual({ consecutiveFailures: 0, lastRun: { id: ran.id } });
  });
});

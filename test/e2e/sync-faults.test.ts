import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { openDatabase, type Database } from '../../store/database.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';
import { hubEnv, killHubProcess, spawnHub, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord } from '../support/records.js';

const RECORDS = 1500;
let api: AgencyApi;
let folder: string;
let serverDb: { url: string; drop(): Promise<void> } | undefined;

function sourceRecord(n: number, fine: string) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 9000 + n), CF_WSH: `沪罚〔2024〕K${n}号`, CF_NR_FK: fine }, `K${n}`);
  return {
    kind: 'PENALTY',
    id: `K${n}`,
    updated_at: `2024-05-01T${String(8 + Math.floor(n / 600)).padStart(2, '0')}:${String(Math.floor(n / 10) % 60).padStart(2, '0')}:00.000Z`,
    ...fields,
  };
}

async function writeConfig(schedule?: string): Promise<string> {
  const path = join(folder, 'hub.config.json');
  const source = {
    type: 'http-json',
    name: 'penalties',
    url: api.url,
    pageSize: 50,
    retries: 0,
    timeoutMs: 5000,
    ...(schedule ? { schedule } : {}),
    mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id' },
  };
  await writeFile(
    path,
    JSON.stringify({
      hub: { id: 'hub-e2e', region: '310000' },
      agencies: [{ code: 'SH-SAMR', name: '上海市市场监督管理局', region: '310000', uscc: AUTHORITY_USCC, sources: [source] }],
    }),
  );
  return path;
}

/** What the hub holds for the agency: source record id → fine, and how many records were ever created. */
async function storeContents(): Promise<{ fines: Map<string, string>; created: number }> {
  const database: Database = serverDb
    ? await openDatabase({ engine: 'postgres', url: serverDb.url, poolSize: 1 })
    : await openDatabase({ engine: 'pglite', dataDir: join(folder, 'data', 'pglite') });
  try {
    const rows = await database.db
      .selectFrom('records')
      .select(['source_record_id', (eb) => eb.ref('fields', '->>').key('CF_NR_FK').as('fine')])
      .execute();
    const created = await database.db
      .selectFrom('record_history')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('change', '=', 'CREATED')
      .executeTakeFirstOrThrow();
    return { fines: new Map(rows.map((r) => [r.source_record_id, String(r.fine)])), created: Number(created.n) };
  } finally {
    await database.close();
  }
}

async function storeRuns(url: string) {
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 1 });
  try {
    return await database.db.selectFrom('connector_runs').select(['started_at', 'finished_at']).orderBy('started_at').execute();
  } finally {
    await database.close();
  }
}

/** Resolves once `runs` connector runs have finished and every source record is stored; polled, since the schedule fires each second. */
async function untilSynced(url: string, runs: number, timeoutMs = 30_000): Promise<void> {
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 1 });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const finished = await database.db
        .selectFrom('connector_runs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('finished_at', 'is not', null)
        .executeTakeFirstOrThrow();
      const stored = await database.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(finished.n) >= runs && Number(stored.n) >= RECORDS) return;
      if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${finished.n} connector runs finished, ${stored.n} of ${RECORDS} records stored`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await database.close();
  }
}

const expectedFines = () => new Map([...api.records.values()].map((r) => [String(r['id']), Number(r['CF_NR_FK']).toFixed(6)]));

beforeEach(async () => {
  api = await startAgencyApi();
  for (let n = 0; n < RECORDS; n++) api.records.set(`K${n}`, sourceRecord(n, '1'));
  folder = await mkdtemp(join(tmpdir(), 'hub-sync-'));
  if (TEST_ENGINE === 'postgres') serverDb = await createEmptyServerDatabase();
});
afterEach(async () => {
  await api.close();
  await rm(folder, { recursive: true, force: true });
  await serverDb?.drop();
  serverDb = undefined;
});

describe('sync survives the hub being killed', () => {
  test('SIGKILL mid-run, data changing at the agency, restart: the store equals the source, nothing lost or doubled', async () => {
    const env = hubEnv({ dataDir: join(folder, 'data'), config: await writeConfig(), databaseUrl: serverDb?.url });
    api.delayMs = 15;
    const first = spawnHub(env);
    // Kill it somewhere in the middle of its first full sync.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (api.requests.length >= 12) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await killHubProcess(first);
    expect(first.lines.join('\n')).not.toContain('sources loaded');
    // Meanwhile the agency changes some records, some already read, some not.
    for (const n of [3, 250, 1499]) api.records.set(`K${n}`, { ...sourceRecord(n, '9'), updated_at: '2024-05-02T00:00:00.000Z' });
    api.delayMs = 0;

    const second = await startHubProcess(env);
    expect(await stopHubProcess(second)).toBe(0);
    const { fines, created } = await storeContents();
    expect(fines).toEqual(expectedFines());
    expect(created).toBe(RECORDS);
  });
});

(TEST_ENGINE === 'postgres' ? describe : describe.skip)('two hub processes on one database', () => {
  test('running the same schedule, each page of the full sync is fetched once', async () => {
    const url = serverDb?.url;
    if (!url) throw new Error('no server database');
    const env = hubEnv({
      dataDir: join(folder, 'data'),
      config: await writeConfig('* * * * * *'),
      databaseUrl: url,
      extra: { HUB_LOAD_ON_START: 'false' },
    });
    api.delayMs = 20;
    const hubs = await Promise.all([startHubProcess(env), startHubProcess(env)]);
    try {
      // The full sync and at least one incremental run after it, whichever process ran them.
      await untilSynced(url, 2);
    } finally {
      await Promise.all(hubs.map(stopHubProcess));
    }
    const fullSync = api.requests.filter((q) => !q.has('updated_since')).map((q) => q.get('cursor') ?? 'first');
    expect(fullSync.length).toBe(RECORDS / 50);
    expect(new Set(fullSync).size).toBe(fullSync.length);
    const { fines, created } = await storeContents();
    expect(fines.size).toBe(RECORDS);
    expect(created).toBe(RECORDS);
    // The connector never ran in both processes at once: each recorded run ended before the next began.
    const runs = await storeRuns(url);
    expect(runs.length).toBeGreaterThan(1);
    runs.slice(1).forEach((run, i) => {
      const previousEnd = runs[i]?.finished_at;
      expect(previousEnd).toBeInstanceOf(Date);
      if (previousEnd) expect(run.started_at.getTime()).toBeGreaterThanOrEqual(previousEnd.getTime());
    });
  });
});

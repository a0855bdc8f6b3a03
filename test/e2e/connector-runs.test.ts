import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { requestToken } from '../../server/auth/request-token.js';
import { openDatabase } from '../../store/database.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';
import { hubEnv, killHubProcess, spawnHub, startHubProcess, stopHubProcess } from '../support/hub-process.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord } from '../support/records.js';
import { defined } from '../support/answers.js';

let api: AgencyApi;
let folder: string;
let serverDb: { url: string; drop(): Promise<void> } | undefined;

const ADMIN_KEY = resolve('config/demo-clients/demo-admin.private.jwk.json');

function sourceRecord(n: number) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 9000 + n), CF_WSH: `沪罚〔2024〕K${n}号` }, `K${n}`);
  return {
    kind: 'PENALTY',
    id: `K${n}`,
    updated_at: `2024-05-01T08:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`,
    ...fields,
  };
}

async function writeConfig(source: Record<string, unknown>): Promise<string> {
  const path = join(folder, 'hub.config.json');
  const http = { type: 'http-json', name: 'penalties', url: api.url, retries: 0, mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id' }, ...source };
  await writeFile(
    path,
    JSON.stringify({
      hub: { id: 'hub-e2e', region: '310000' },
      agencies: [{ code: 'SH-SAMR', name: '上海市市场监督管理局', region: '310000', uscc: AUTHORITY_USCC, sources: [http] }],
      clients: [{ id: 'demo-admin', name: 'operator', type: 'ADMIN', publicKeyFile: resolve('config/demo-clients/demo-admin.public.jwk.json') }],
    }),
  );
  return path;
}

/** POST a query as the operator; resolves with the body and how long the hub took to answer. */
async function asAdmin(graphqlUrl: string, query: string): Promise<{ body: GqlBody; ms: number }> {
  const started = Date.now();
  const token = await requestToken({ hubUrl: graphqlUrl.replace('/graphql', ''), clientId: 'demo-admin', privateKeyFile: ADMIN_KEY });
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}`, 'x-purpose': 'OPERATIONS' },
    body: JSON.stringify({ query }),
  });
  return { body: (await response.json()) as GqlBody, ms: Date.now() - started };
}

const RUNS =
  '{ connectorRuns(agencyCode: "SH-SAMR") { edges { node { status failureReason batches received inserted rejected pages watermarkBefore watermarkAfter } } } }';
type RunView = {
  status: string;
  failureReason: string | null;
  batches: number;
  received: number;
  inserted: number;
  rejected: number;
  pages: number;
  watermarkAfter: string | null;
};
type GqlBody = { data: { connectorRuns: { edges: { node: RunView }[] } } };
const runsOf = (body: GqlBody) => body.data.connectorRuns.edges.map((e) => e.node);

/** Resolves with the line matching `pattern` once the hub has written it. */
async function lineMatching(lines: string[], pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern}:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(async () => {
  api = await startAgencyApi();
  folder = await mkdtemp(join(tmpdir(), 'hub-runs-'));
  if (TEST_ENGINE === 'postgres') serverDb = await createEmptyServerDatabase();
});
afterEach(async () => {
  await api.close();
  await rm(folder, { recursive: true, force: true });
  await serverDb?.drop();
  serverDb = undefined;
});

describe('the hub answers while it loads', () => {
  test('with an agency API that never answers, /healthz, /readyz and GraphQL answer at once; the load ends with the timeout', async () => {
    for (let n = 0; n < 3; n++) api.records.set(`K${n}`, sourceRecord(n));
    api.faults.push({ hang: true });
    const env = hubEnv({ dataDir: join(folder, 'data'), config: await writeConfig({ timeoutMs: 8000 }), databaseUrl: serverDb?.url });
    const hub = spawnHub(env);
    try {
      const [, servedAt] = await lineMatching(hub.lines, /serving GraphQL and IDE at (http:\/\/[^\s";]+)/);
      const graphqlUrl = defined(servedAt, 'the GraphQL URL in the hub’s log');
      const base = graphqlUrl.replace('/graphql', '');
      while (api.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));

      let started = Date.now();
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1500);
      started = Date.now();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', database: TEST_ENGINE, firstLoad: 'running' });
      expect(Date.now() - started).toBeLessThan(1500);
      const during = await asAdmin(graphqlUrl, RUNS);
      expect(during.ms).toBeLessThan(2000);
      expect(runsOf(during.body)).toEqual([expect.objectContaining({ status: 'RUNNING' })]);

      // The hanging page times out: the run fails with its reason, the first load is over, the hub says ready.
      await lineMatching(hub.lines, /ready: GraphQL and IDE at/, 30_000);
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ firstLoad: 'finished' });
      const after = await asAdmin(graphqlUrl, RUNS);
      expect(runsOf(after.body)).toEqual([expect.objectContaining({ status: 'FAILED', failureReason: 'UPSTREAM_TIMEOUT' })]);
    } finally {
      expect(await stopHubProcess(hub)).toBe(0);
    }
  });
});

describe('a run whose process was killed', () => {
  test('is closed as ABANDONED at the next start, with the batches, pages and records it had stored', async () => {
    for (let n = 0; n < 600; n++) api.records.set(`K${n}`, sourceRecord(n));
    api.delayMs = 100;
    const config = await writeConfig({ pageSize: 50, timeoutMs: 5000 });
    const first = spawnHub(hubEnv({ dataDir: join(folder, 'data'), config, databaseUrl: serverDb?.url }));
    while (api.requests.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await killHubProcess(first);

    const second = await startHubProcess(hubEnv({ dataDir: join(folder, 'data'), config, databaseUrl: serverDb?.url, extra: { HUB_LOAD_ON_START: 'false' } }));
    let run: RunView | undefined;
    try {
      const runs = runsOf((await asAdmin(second.url, RUNS)).body);
      expect(runs).toHaveLength(1);
      run = defined(runs[0], 'a connector run');
      expect(run).toMatchObject({ status: 'ABANDONED', failureReason: 'ABANDONED', rejected: 0 });
      expect(run.batches).toBeGreaterThanOrEqual(1);
      expect(run.pages).toBeGreaterThanOrEqual(1);
      expect(run.received).toBeGreaterThanOrEqual(50);
      expect(run.watermarkAfter).not.toBeNull();
      expect(second.lines.join('\n')).toContain('closed as ABANDONED');
    } finally {
      expect(await stopHubProcess(second)).toBe(0);
    }
    // What the run counts is what the store holds.
    const database = serverDb
      ? await openDatabase({ engine: 'postgres', url: serverDb.url, poolSize: 1 })
      : await openDatabase({ engine: 'pglite', dataDir: join(folder, 'data', 'pglite') });
    try {
      const stored = await database.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(run.inserted);
      expect(run.received).toBe(run.inserted);
    } finally {
      await database.close();
    }
  });
});

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import request from 'supertest';
import { hubConfigSchema, type HubConfig } from '../../server/hub-config.js';
import { metricsSchema } from '../../config/metrics-schema.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { DEV_SECRET } from '../support/clients.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord } from '../support/records.js';
import { fieldOf } from '../support/answers.js';

/** The value of one series in a Prometheus text exposition (0 when absent). */
function seriesValue(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Every label value in an exposition. */
function labelValues(exposition: string): string[] {
  return [...exposition.matchAll(/\w+="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? '');
}

/** A USCC (18 characters of its alphabet with digits in its division part) or a resident identity number. */
const USCC_OR_ID = /[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}|\d{17}[\dXx]/;

/** An agency API row whose 决定书文号 column is not mapped: each is quarantined (rejected). */
function unmappedRow(n: number) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 8000 + n) }, `M${n}`);
  const { CF_WSH: _standard, ...rest } = fields;
  return { kind: 'PENALTY', id: `M${n}`, updated_at: `2024-05-01T08:0${n}:00.000Z`, 决定书文号: `沪罚〔2024〕M${n}号`, ...rest };
}

function configWithSource(api: AgencyApi): HubConfig {
  const source = {
    type: 'http-json',
    name: 'penalties',
    url: api.url,
    pageSize: 10,
    retries: 0,
    timeoutMs: 5000,
    mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id', columns: {} },
  };
  const parsed = hubConfigSchema.parse({
    hub: { id: 'hub-test', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC, sources: [source] }],
  }).agencies[0]?.sources[0];
  if (!parsed) throw new Error('the test source did not parse');
  return {
    ...TEST_CONFIG,
    // The expiry job every second, so a scheduled run is seen within the test.
    jobs: { ...TEST_CONFIG.jobs, expireRecords: { cron: '* * * * * *', enabled: true } },
    agencies: TEST_CONFIG.agencies.map((agency) => (agency.code === 'SH-SAMR' ? { ...agency, sources: [parsed] } : agency)),
  };
}

/** A port free on 127.0.0.1 a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('/metrics', () => {
  let api: AgencyApi;
  let testHub: TestHub;
  const scrape = async () => {
    const response = await request(testHub.hub.httpServer)
      .get('/metrics')
      .set('authorization', `Bearer ${await testHub.tokenFor('test-admin')}`);
    expect(response.status).toBe(200);
    return response.text;
  };

  beforeAll(async () => {
    api = await startAgencyApi();
    for (const n of [1, 2, 3]) api.records.set(`M${n}`, unmappedRow(n));
    testHub = await startTestHub(configWithSource(api));
  });
  afterAll(async () => {
    await testHub.close();
    await api.close();
  });

  test('is refused without a token (401) and for a non-admin token (403), served in Prometheus text format for an admin token', async () => {
    const server = testHub.hub.httpServer;
    const none = await request(server).get('/metrics');
    expect(none.status).toBe(401);
    expect(none.text).not.toMatch(/hub_/);
    const bogus = await request(server).get('/metrics').set('authorization', 'Bearer not-a-token');
    expect(bogus.status).toBe(401);
    for (const client of ['test-agency', 'test-bank', 'test-partner']) {
      const refused = await request(server)
        .get('/metrics')
        .set('authorization', `Bearer ${await testHub.tokenFor(client)}`);
      expect(refused.status).toBe(403);
      expect(fieldOf(refused.body, 'error')).toBe('insufficient_scope');
      expect(refused.text).not.toMatch(/hub_/);
    }
    const served = await request(server)
      .get('/metrics')
      .set('authorization', `Bearer ${await testHub.tokenFor('test-admin')}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(served.text).toMatch(/^# HELP hub_http_request_duration_seconds /m);
    expect(served.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(served.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  test('a GraphQL request, a token issue and refusal, an ingestion, a connector run and a job run each show in their series', async () => {
    const before = await scrape();
    const http = await testHub.gql('query SubjectCount { subjects(nameContains: "上海", first: 1) { totalCount } }');
    expect(fieldOf(http.body, 'errors')).toBeUndefined();
    await testHub.gql('query SubjectCount { nosuchfield }');
    await testHub.gql('{ subjects(nameContains: "上海", first: 1) { totalCount } }');
    // An operation named after a USCC is collapsed, not kept as a label.
    await testHub.gql(`query Q${enterpriseUscc('310115', 1)} { subjects(nameContains: "上海", first: 1) { totalCount } }`);

    const token = (secret: string) =>
      request(testHub.hub.httpServer).post('/oauth/token').type('form').send({ grant_type: 'client_credentials' }).auth('test-agency', secret);
    expect((await token(DEV_SECRET)).status).toBe(200);
    expect((await token('not-the-secret-at-all')).status).toBe(401);

    const ingested = await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [penaltyRecord({}, 'CF-M1'), penaltyRecord({ CF_JDRQ: 'not a date' }, 'CF-M2')],
    });
    expect(ingested).toMatchObject({ inserted: 1, rejected: 1 });

    const run = await testHub.gql('mutation RunPenalties { runConnectorNow(agencyCode: "SH-SAMR", connector: "penalties") { status rejected } }');
    expect(fieldOf(run.body, 'data', 'runConnectorNow')).toEqual({ status: 'SUCCEEDED', rejected: 3 });

    testHub.hub.startSchedules();
    const job = 'hub_job_run_duration_seconds_count{job="expire-records",outcome="succeeded"}';
    let after = await scrape();
    // The first run is a second away; a loaded machine may take longer.
    for (let waited = 0; seriesValue(after, job) === 0 && waited < 30_000; waited += 250) {
      await sleep(250);
      after = await scrape();
    }

    const delta = (series: string) => seriesValue(after, series) - seriesValue(before, series);
    expect(delta('hub_graphql_request_duration_seconds_count{operation="SubjectCount",outcome="ok"}')).toBe(1);
    expect(delta('hub_graphql_request_duration_seconds_count{operation="(invalid)",outcome="error"}')).toBe(1);
    expect(delta('hub_graphql_request_duration_seconds_count{operation="(anonymous)",outcome="ok"}')).toBe(1);
    expect(delta('hub_graphql_request_duration_seconds_count{operation="(other)",outcome="ok"}')).toBe(1);
    expect(delta('hub_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(delta('hub_http_request_duration_seconds_count{route="/graphql",method="POST",status="200"}')).toBeGreaterThanOrEqual(4);
    expect(delta('hub_tokens_issued_total')).toBe(1);
    expect(delta('hub_tokens_refused_total{reason="invalid_client"}')).toBe(1);
    expect(delta('hub_records_ingested_total{agency="ZJ-TAX",outcome="inserted"}')).toBe(1);
    expect(delta('hub_records_ingested_total{agency="ZJ-TAX",outcome="rejected"}')).toBe(1);
    expect(delta('hub_records_ingested_total{agency="SH-SAMR",outcome="rejected"}')).toBe(3);
    expect(seriesValue(after, 'hub_quarantine_open_entries{agency="SH-SAMR"}')).toBe(3);
    expect(seriesValue(after, 'hub_quarantine_open_entries{agency="ZJ-TAX"}')).toBe(1);
    expect(delta('hub_connector_run_duration_seconds_count{agency="SH-SAMR",connector="penalties",outcome="succeeded"}')).toBe(1);
    expect(seriesValue(before, 'hub_connector_last_success_timestamp_seconds{agency="SH-SAMR",connector="penalties"}')).toBe(0);
    expect(seriesValue(after, 'hub_connector_last_success_timestamp_seconds{agency="SH-SAMR",connector="penalties"}')).toBeGreaterThan(0);
    expect(delta(job)).toBeGreaterThanOrEqual(1);
    // Each GraphQL request above appended its audit entry; the runConnectorNow mutation too.
    expect(delta('hub_audit_entries_total')).toBeGreaterThanOrEqual(5);
    // -1 until a checkpoint is signed; the checkpoint job runs on the wall clock and may have signed one since the schedules started.
    const signed = await testHub.database.db.selectFrom('audit_checkpoints').select('tree_size').executeTakeFirst();
    if (signed) expect(seriesValue(after, 'hub_audit_checkpoint_age_seconds')).toBeGreaterThanOrEqual(0);
    else expect(seriesValue(after, 'hub_audit_checkpoint_age_seconds')).toBe(-1);
    if (testHub.database.engine === 'postgres') {
      expect(after).toMatch(/^hub_db_pool_connections\{pool="main",state="total"\} \d+/m);
      expect(after).toMatch(/^hub_db_pool_connections\{pool="read",state="waiting"\} 0/m);
    } else {
      expect(after).not.toMatch(/hub_db_pool_connections\{/);
    }

    // Every subject above has a USCC and the fixtures carry names: none of it is a label.
    const values = labelValues(after);
    expect(values.length).toBeGreaterThan(50);
    expect(values.filter((value) => USCC_OR_ID.test(value))).toEqual([]);
    expect(values.filter((value) => /[\u4e00-\u9fff]/.test(value))).toEqual([]);

    // The Grafana dashboard reads only metrics the hub has.
    const charted = new Set(
      [...readFileSync('monitoring/grafana-dashboard.json', 'utf8').matchAll(/\b((?:hub|process|nodejs)_\w+)/g)].map((match) => match[1] ?? ''),
    );
    expect(charted.size).toBeGreaterThan(15);
    for (const name of charted) expect(after).toMatch(new RegExp(`^# HELP ${name.replace(/_(bucket|count|sum)$/, '')} `, 'm'));
  });

  test('a lease taken from a dead holder on this host is counted by lease name', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    const deadHolder = `${hostname()}/${String(child.pid)}/dead/1`;
    await sql`insert into job_leases (name, holder, expires_at) values ('job:expire-records', ${deadHolder}, now() + interval '1 minute')
      on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at`.execute(testHub.database.db);
    const series = 'hub_lease_takeovers_total{lease="job:expire-records"}';
    const before = seriesValue(await scrape(), series);
    await testHub.hub.expireRecords();
    expect(seriesValue(await scrape(), series) - before).toBe(1);
  });
});

describe('/metrics on a loopback port', () => {
  test('access "port" serves /metrics without a token on 127.0.0.1 only, and not on the API port', async () => {
    const port = await freePort();
    const config: HubConfig = { ...TEST_CONFIG, metrics: metricsSchema.parse({ access: 'port', port }) };
    const testHub = await startTestHub(config);
    try {
      await testHub.hub.listen(0, '127.0.0.1');
      const onApi = await request(testHub.hub.httpServer)
        .get('/metrics')
        .set('authorization', `Bearer ${await testHub.tokenFor('test-admin')}`);
      expect(onApi.status).toBe(404);
      const onLoopback = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(onLoopback.status).toBe(200);
      expect(await onLoopback.text()).toMatch(/^# HELP hub_graphql_request_duration_seconds /m);
      expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
    } finally {
      await testHub.close();
    }
  });

  test('access "port" without a port is refused naming the key', () => {
    const parsed = metricsSchema.safeParse({ access: 'port' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['port']);
  });
});

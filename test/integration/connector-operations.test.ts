import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { hubConfigSchema, tokenIdentity } from '../../server/hub-config.js';
import type { HubConfig } from '../../server/hub-config.js';
import { createHub } from '../../server/app.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { dataOf, defined, firstError, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

let api: AgencyApi;
let testHub: TestHub;

/** The agency's API names the decision number 决定书文号 instead of CF_WSH: a mapping must say so. */
function agencyRow(n: number) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 7000 + n) }, `R${n}`);
  const rest: Record<string, unknown> = { ...fields };
  delete rest.CF_WSH;
  return { kind: 'PENALTY', id: `R${n}`, updated_at: `2024-05-01T08:0${n}:00.000Z`, 决定书文号: `沪罚〔2024〕R${n}号`, ...rest };
}

function configWith(columns: Record<string, string>, extra: { signedJwtAudience?: string } = {}): HubConfig {
  const mapping = { kindColumn: 'kind', sourceRecordIdColumn: 'id', columns };
  const source = { type: 'http-json', name: 'penalties', url: api.url, pageSize: 10, retries: 0, timeoutMs: 2000, mapping, ...extra };
  const parsed = defined(
    hubConfigSchema.parse({
      hub: { id: 'hub-test', region: '310000' },
      agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC, sources: [source] }],
    }).agencies[0]?.sources[0],
    'the parsed source',
  );
  return { ...TEST_CONFIG, agencies: TEST_CONFIG.agencies.map((a) => (a.code === 'SH-SAMR' ? { ...a, sources: [parsed] } : a)) };
}

const RUN = 'mutation { runConnectorNow(agencyCode: "SH-SAMR", connector: "penalties") { status received inserted rejected error } }';
interface RunData {
  runConnectorNow: { status: string };
}
interface ConnectorsData {
  connectors: unknown[];
}
const CONNECTORS = '{ connectors(agencyCode: "SH-SAMR") { name type healthy consecutiveFailures lastRun { status error } } }';

beforeEach(async () => {
  api = await startAgencyApi();
  for (const n of [1, 2, 3]) api.records.set(`R${n}`, agencyRow(n));
  testHub = await startTestHub(configWith({}));
});
afterEach(async () => {
  await testHub.close();
  await api.close();
});

describe('connector operations', () => {
  test('an admin runs a connector now; after three failures in a row it shows unhealthy, and healthy again after a success', async () => {
    api.faults.push({ status: 401 }, { status: 401 }, { status: 401 });
    for (let i = 0; i < 3; i++) {
      const run = await testHub.gqlAs<RunData>(RUN);
      expect(dataOf(run.body).runConnectorNow).toMatchObject({ status: 'FAILED', error: expect.stringContaining('401') });
    }
    const sick = await testHub.gqlAs<ConnectorsData>(CONNECTORS, {}, { client: 'test-agency', purpose: 'DATA_SUBMISSION' });
    expect(dataOf(sick.body).connectors).toEqual([
      { name: 'penalties', type: 'http-json', healthy: false, consecutiveFailures: 3, lastRun: { status: 'FAILED', error: expect.stringContaining('401') } },
    ]);
    expect(dataOf((await testHub.gqlAs<RunData>(RUN)).body).runConnectorNow.status).toBe('SUCCEEDED');
    const well = await testHub.gqlAs<ConnectorsData>(CONNECTORS);
    expect(dataOf(well.body).connectors[0]).toMatchObject({ healthy: true, consecutiveFailures: 0, lastRun: { status: 'SUCCEEDED' } });
  });

  test('only an admin may run a connector or replay quarantine; an agency sees only its own connectors', async () => {
    const asAgency = (query: string) => testHub.gqlAs<unknown>(query, {}, { client: 'test-agency', purpose: 'DATA_SUBMISSION' });
    expect(firstError((await asAgency(RUN)).body).extensions.reason).toBe('MISSING_SCOPE');
    expect(firstError((await asAgency('mutation { replayQuarantine(agencyCode: "SH-SAMR") { replayed } }')).body).extensions.reason).toBe('MISSING_SCOPE');
    expect(firstError((await asAgency('{ connectors(agencyCode: "ZJ-TAX") { name } }')).body).extensions.reason).toBe('NOT_OWN_AGENCY');
    expect(
      firstError((await testHub.gqlAs<RunData>('mutation { runConnectorNow(agencyCode: "SH-SAMR", connector: "nope") { status } }')).body).extensions.code,
    ).toBe('NOT_FOUND');
  });

  test('rows refused for an unmapped column are stored by a replay once the mapping is fixed', async () => {
    const first = await testHub.gqlAs<RunData>(RUN);
    expect(dataOf(first.body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED', received: 3, inserted: 0, rejected: 3 });
    const reasons = await testHub.gqlAs<{ quarantine: { edges: { node: { reasons: unknown } }[] } }>(
      '{ quarantine(agencyCode: "SH-SAMR") { edges { node { reasons { field rule } } } } }',
    );
    expect(dataOf(reasons.body).quarantine.edges[0]?.node.reasons).toEqual([{ field: '决定书文号', rule: 'UNMAPPED_COLUMN' }]);

    // The operator fixes the mapping and restarts the hub on the same database.
    await testHub.hub.stop();
    const fixed = await createHub({ config: configWith({ 决定书文号: 'CF_WSH' }), database: testHub.database, logger: testLogger(), clock: () => FIXED_NOW });
    const token = await testHub.tokenFor('test-admin');
    const supertest = (await import('supertest')).default;
    const replay: AnswerOf<GraphQLBody<{ replayQuarantine: unknown }>> = await supertest(fixed.httpServer)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', 'OPERATIONS')
      .send({ query: 'mutation { replayQuarantine(agencyCode: "SH-SAMR") { examined replayed stillRejected inserted updated unchanged } }' });
    expect(dataOf(replay.body).replayQuarantine).toEqual({ examined: 3, replayed: 3, stillRejected: 0, inserted: 3, updated: 0, unchanged: 0 });
    const open = await testHub.database.db.selectFrom('quarantine').select(['status', 'resolution']).execute();
    expect(open).toEqual(Array(3).fill({ status: 'RESOLVED', resolution: 'replayed after a correction' }));
    const stored = await testHub.database.db.selectFrom('records').select('document_no').orderBy('document_no').execute();
    expect(stored.map((r) => r.document_no)).toEqual(['沪罚〔2024〕R1号', '沪罚〔2024〕R2号', '沪罚〔2024〕R3号']);
    await fixed.stop();
  });

  test('an agency API that wants the hub to sign its requests gets a JWT it can check against the hub’s JWKS', async () => {
    const signing = await startTestHub(configWith({ 决定书文号: 'CF_WSH' }, { signedJwtAudience: 'https://samr.example/api' }));
    try {
      const jwks = createLocalJWKSet({ keys: (await signing.hub.keys.allPublicKeys()).map((k) => k.jwk) });
      const seen: unknown[] = [];
      api.authorize = async (authorization) => {
        const token = authorization?.replace(/^Bearer /, '') ?? '';
        const verified = await jwtVerify(token, jwks, {
          issuer: tokenIdentity(TEST_CONFIG).issuer,
          audience: 'https://samr.example/api',
          typ: 'hub-request+jwt',
          currentDate: FIXED_NOW,
        }).catch(() => undefined);
        seen.push(verified?.payload.sub);
        return verified !== undefined;
      };
      const run = await signing.gqlAs<RunData>(RUN);
      expect(dataOf(run.body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED', inserted: 3 });
      expect(seen).toEqual(['hub-test']);
      // The same API refuses the hub configured without signing: a clear 401 in the run.
      const unsigned = await testHub.gqlAs<RunData>(RUN);
      expect(dataOf(unsigned.body).runConnectorNow).toMatchObject({ status: 'FAILED', error: expect.stringContaining('HTTP 401') });
    } finally {
      await signing.close();
    }
  });

  test('start-up loading runs different agencies’ sources at the same time', async () => {
    const taxApi = await startAgencyApi();
    try {
      for (const n of [4, 5]) taxApi.records.set(`R${n}`, agencyRow(n));
      const samr = configWith({ 决定书文号: 'CF_WSH' });
      const samrSource = defined(samr.agencies.find((a) => a.code === 'SH-SAMR')?.sources[0], 'SH-SAMR’s source');
      const config = { ...samr, agencies: samr.agencies.map((a) => (a.code === 'ZJ-TAX' ? { ...a, sources: [{ ...samrSource, url: taxApi.url }] } : a)) };
      const both = await startTestHub(config);
      try {
        api.delayMs = 800;
        taxApi.delayMs = 800;
        const otherAlreadyAsked: boolean[] = [];
        api.beforePage = () => otherAlreadyAsked.push(taxApi.requests.length > 0);
        taxApi.beforePage = () => otherAlreadyAsked.push(api.requests.length > 0);
        expect(await both.hub.loadSources()).toMatchObject({ received: 5, inserted: 5, rejected: 0 });
        // Each agency API was asked while the other was still answering: sequential runs would give [false, true].
        expect(otherAlreadyAsked).toEqual([true, true]);
      } finally {
        await both.close();
      }
    } finally {
      await taxApi.close();
    }
  });
});

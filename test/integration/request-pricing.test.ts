import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { getIntrospectionQuery } from 'graphql';
import { sql } from 'kysely';
import request from 'supertest';
import { createHub } from '../../server/app.js';
import { PURPOSE_HEADER } from '../../server/auth/require-access.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { openDatabase } from '../../store/database.js';
import { findClient } from '../../store/client-queries.js';
import { issueAccessToken } from '../../server/auth/access-tokens.js';
import { TEST_ENGINE } from '../support/database.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { dataOf, defined, type GraphQLBody } from '../support/answers.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

/** Every request is priced before it runs, whatever its form; one over budget is refused with a 4xx and its price. */

let testHub: TestHub;
const PUDONG = enterpriseUscc('310115', 1);
const errorOf = (response: { body: unknown }) => (response.body as GraphQLBody<unknown>).errors?.[0];
/** The price the hub reports in an answer's extensions. */
const priceOf = (response: { body: GraphQLBody<unknown> }) => defined(response.body.extensions?.price, 'the price in extensions');
const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

beforeAll(async () => {
  testHub = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxBodyBytes: 1024 * 1024 } });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: Array.from({ length: 120 }, (_, i) => penaltyRecord({ CF_WSH: `沪市监处〔2024〕${i + 1}号` }, `P-${i}`)),
  });
});
afterAll(async () => testHub.close());

describe('request pricing', () => {
  test('a page size given as a variable is priced like the same literal, and the price is reported', async () => {
    const fields = 'edges { node { id kind documentNumber standardFields { code value } } }';
    const literal = await testHub.gqlAs<unknown>(`{ records(first: 100) { ${fields} } }`);
    const variable = await testHub.gqlAs<unknown>(`query($n: Int) { records(first: $n) { ${fields} } }`, { n: 100 });
    const small = await testHub.gqlAs<unknown>(`query($n: Int) { records(first: $n) { ${fields} } }`, { n: 1 });
    expect(priceOf(literal)).toBeGreaterThan(5000);
    expect(priceOf(variable)).toBe(priceOf(literal));
    expect(priceOf(small)).toBeLessThan(priceOf(literal) / 50);
  });

  test('aliases of counts with a variable page size are refused before they run, with their price (was: 5,000 aliases ran for 84 s)', async () => {
    const started = Date.now();
    const many = await testHub.gqlAs<unknown>(`query($n: Int) ${aliases(5000, 'records(first: $n) { totalCount }')}`, { n: 100 });
    expect(many.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(5000);
    const within = await testHub.gqlAs<unknown>(
      `query($n: Int) ${aliases(5, 'records(first: $n) { totalCount edges { node { id standardFields { code value } } } }')}`,
      {
        n: 100,
      },
    );
    expect(within.status).toBe(400);
    expect(errorOf(within)).toMatchObject({ extensions: { code: 'REQUEST_TOO_EXPENSIVE', price: expect.any(Number), maxPrice: 20000 } });
    expect(errorOf(within)?.message).toContain('price');
    expect(within.body.data).toBeUndefined();
  });

  test('a count is priced by what it costs the database, not as a scalar', async () => {
    const withCount = await testHub.gqlAs<unknown>('{ records(first: 1) { totalCount } }');
    const without = await testHub.gqlAs<unknown>('{ records(first: 1) { edges { cursor } } }');
    expect(priceOf(withCount) - priceOf(without)).toBeGreaterThanOrEqual(100);
  });

  test('more root fields than allowed are refused, so one request cannot write a thousand audit entries', async () => {
    const reads = await testHub.gqlAs<unknown>(aliases(11, 'me { id }'));
    expect(reads.status).toBe(400);
    expect(errorOf(reads)).toMatchObject({ extensions: { code: 'REQUEST_TOO_EXPENSIVE', rootFields: 11, maxRootFields: 10 } });
    const grant = `grantAuthorization(input: { uscc: "${PUDONG}", clientId: "test-bank", purpose: "LOAN_REVIEW", validUntil: "2024-12-31", evidence: "授权书" }) { id }`;
    const before = await testHub.database.db
      .selectFrom('authorizations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const writes = await testHub.gqlAs<unknown>(`mutation ${aliases(12, grant)}`);
    expect(writes.status).toBe(400);
    expect(errorOf(writes)?.extensions.code).toBe('REQUEST_TOO_EXPENSIVE');
    const after = await testHub.database.db
      .selectFrom('authorizations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    // The refusal itself is audited, once.
    expect(writes.body.extensions?.auditEntries).toHaveLength(1);
  });

  test('first: null is priced as the default page it is answered with (was: one item)', async () => {
    const fields = 'edges { node { id history { sequence } standardFields { code value } } }';
    const explicitNull = await testHub.gqlAs<unknown>(`{ records(first: null) { ${fields} } }`);
    const defaultPage = await testHub.gqlAs<unknown>(`{ records { ${fields} } }`);
    expect(priceOf(explicitNull)).toBe(priceOf(defaultPage));
    const nested = await testHub.gqlAs<unknown>(
      `{ changeFeed(first: null) { edges { node { record { subject { records(first: null) { totalCount ${fields} } } } } } } }`,
    );
    expect(nested.status).toBe(400);
    expect(errorOf(nested)?.extensions.code).toBe('REQUEST_TOO_EXPENSIVE');
  });

  test('introspection: refused for banks and partner hubs, priced by what it returns for the others', async () => {
    const schemaQuery = '{ __schema { types { name fields { name args { name } } } } }';
    const bank = await testHub.gqlAs<unknown>(schemaQuery, {}, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
    expect(bank.status).toBe(403);
    expect(errorOf(bank)).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'INTROSPECTION_DISABLED' } });
    const typeLookup = await testHub.gqlAs<unknown>('{ __type(name: "Record") { name } }', {}, { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' });
    expect(errorOf(typeLookup)?.extensions.reason).toBe('INTROSPECTION_DISABLED');
    const agency = await testHub.gqlAs<unknown>(schemaQuery, {}, { client: 'test-agency', purpose: 'SUPERVISION' });
    expect(agency.status).toBe(200);
    expect(priceOf(agency)).toBeGreaterThan(1000);
    // What GraphiQL asks for when it opens: allowed.
    const ide = await testHub.gqlAs<{ __schema: { types: unknown[] } }>(
      getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
      {},
      { client: 'test-agency', purpose: 'SUPERVISION' },
    );
    expect(ide.status).toBe(200);
    expect(dataOf(ide.body).__schema.types.length).toBeGreaterThan(50);
    // The same types read over and over with nested fields (about a second and 10 MB before): refused before it runs.
    const walk = 'fragment Top on __Type { name kind fields { name type { name ofType { name ofType { name fields { name type { name } } } } } } }';
    const started = Date.now();
    const walks = await testHub.gqlAs<unknown>(
      `{ __schema { ${Array.from({ length: 28 }, (_, i) => `t${i}: types { ...Top }`).join(' ')} } } ${walk}`,
      {},
      { client: 'test-agency', purpose: 'SUPERVISION' },
    );
    expect(walks.status).toBe(400);
    expect(errorOf(walks)).toMatchObject({ extensions: { code: 'REQUEST_TOO_EXPENSIVE', maxPrice: 100_000 } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('more aliases than allowed, or a document of too many tokens, is refused before it is priced', async () => {
    const typenames = await testHub.gqlAs<unknown>(aliases(31, '__typename'));
    expect(typenames.status).toBe(400);
    expect(errorOf(typenames)?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const long = await testHub.gqlAs<unknown>(`{ me { ${'id '.repeat(3500)} } }`);
    expect(long.status).toBe(400);
    expect(errorOf(long)?.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('a fragment that multiplies itself is refused without being expanded', async () => {
    const levels = Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ${i === 11 ? 'me { id }' : `...F${i + 1} ...F${i + 1}`} }`);
    const bomb = await testHub.gqlAs<unknown>(`{ ...F0 } ${levels.join(' ')}`);
    expect(bomb.status).toBeLessThan(500);
    expect(bomb.body.data ?? null).toBeNull();
  });
});

describe("a client's rate is charged by price", () => {
  test('a request priced at several units takes several from the bucket; past it: 429 RATE_LIMITED with the price', async () => {
    // test-bank-slow may make 5 requests a minute; one unit per 200 of price here.
    const hub = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, pricePerRequest: 200 } });
    try {
      const report = `{ creditReport(uscc: "${PUDONG}") { name entries { kind summary eventDate } } }`;
      const first = await hub.gqlAs<unknown>(report, {}, { client: 'test-bank-slow', purpose: 'LOAN_REVIEW' });
      expect(first.status).toBe(200);
      const price = priceOf(first);
      expect(price).toBeGreaterThan(400);
      const second = await hub.gqlAs<unknown>(report, {}, { client: 'test-bank-slow', purpose: 'LOAN_REVIEW' });
      expect(second.status).toBe(429);
      expect(errorOf(second)).toMatchObject({ extensions: { code: 'RATE_LIMITED', price, retryAfter: expect.any(Number) } });
    } finally {
      await hub.close();
    }
  });
});

describe('expensive requests run one at a time per client', () => {
  (TEST_ENGINE === 'postgres' ? test : test.skip)(
    'while a client’s expensive request runs, its next one is refused with 429; a cheap one still passes',
    async () => {
      const heavy = '{ records(first: 100) { totalCount edges { node { id standardFields { code value } } } } }';
      const token = await testHub.tokenFor('test-agency');
      const send = (query: string) =>
        request(testHub.hub.httpServer).post('/graphql').set('authorization', `Bearer ${token}`).set(PURPOSE_HEADER, 'SUPERVISION').send({ query });
      // Another transaction holds the records table, so the first expensive request waits inside the hub.
      let first: Promise<request.Response> | undefined;
      await testHub.database.db.transaction().execute(async (trx) => {
        await sql`lock table records in access exclusive mode`.execute(trx);
        first = send(heavy).then((response) => response);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const second = await send(heavy);
        expect(second.status).toBe(429);
        expect(errorOf(second)).toMatchObject({ extensions: { code: 'RATE_LIMITED' }, message: expect.stringContaining('already has an expensive request') });
        const cheap = await send('{ me { id } }');
        expect(cheap.status).toBe(200);
      });
      expect((await first)?.status).toBe(200);
      const again = await send(heavy);
      expect(again.status).toBe(200);
    },
  );
});

describe('responses and statements are bounded', () => {
  test('a response over maxResponseBytes is withheld with an error naming the limit, and audited', async () => {
    const hub = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxResponseBytes: 64 * 1024 } });
    try {
      await ingestBatch(hub.hub.ingestion, {
        agencyCode: 'SH-SAMR',
        source: 'test',
        records: Array.from({ length: 100 }, (_, i) => penaltyRecord({ CF_WSH: `沪市监处〔2024〕${i + 1}号`, CF_SY: '违法事实'.repeat(200) }, `P-${i}`)),
      });
      const response = await hub.gqlAs<unknown>('{ records(first: 100) { edges { node { penalty { facts } } } } }');
      expect(errorOf(response)).toMatchObject({ extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes: 64 * 1024 } });
      expect(response.body.data).toBeUndefined();
      expect(response.body.extensions?.auditEntries).toHaveLength(1);
      const entry = await hub.database.db
        .selectFrom('audit_log')
        .select('outcome')
        .where('seq', '=', defined(response.body.extensions?.auditEntries?.[0], 'the audit entry'))
        .executeTakeFirstOrThrow();
      expect(entry.outcome).toBe('ERROR:RESPONSE_TOO_LARGE');
    } finally {
      await hub.close();
    }
  });

  (TEST_ENGINE === 'postgres' ? test : test.skip)(
    'on a server, a read statement past statementTimeoutMs is cancelled with QUERY_TIMEOUT, never an internal error',
    async () => {
      const url = testHub.database.url ?? '';
      const timed = await openDatabase({ engine: 'postgres', url, poolSize: 2, statementTimeoutMs: 200 });
      const hub = await createHub({
        config: TEST_CONFIG,
        database: { ...testHub.database, readDb: timed.readDb, heavyReadDb: timed.heavyReadDb },
        logger: testLogger(),
        clock: () => FIXED_NOW,
      });
      try {
        const admin = await findClient(testHub.database.db, 'test-admin');
        if (!admin) throw new Error('test-admin is not registered');
        const token = (await issueAccessToken(hub.tokens, admin, admin.scopes)).accessToken;
        // Another transaction holds the records table: the read waits, and its wait counts towards the timeout.
        const response = await testHub.database.db.transaction().execute(async (trx) => {
          await sql`lock table records in access exclusive mode`.execute(trx);
          return request(hub.httpServer)
            .post('/graphql')
            .set('authorization', `Bearer ${token}`)
            .set(PURPOSE_HEADER, 'OPERATIONS')
            .send({ query: '{ records(first: 5) { edges { node { id } } } }' });
        });
        expect(errorOf(response)).toMatchObject({ extensions: { code: 'QUERY_TIMEOUT' }, message: expect.stringContaining('statementTimeoutMs') });
      } finally {
        await hub.stop();
        await timed.close();
      }
    },
  );
});

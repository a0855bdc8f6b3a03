import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { graphql } from 'graphql';
import request from 'supertest';
import { createSchema } from '../../schema/index.js';
import { createReaders } from '../../schema/readers.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { TEST_CONFIG, adminContext, startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

let testHub: TestHub;

const PUDONG_A = enterpriseUscc('310115', 1);
const PUDONG_B = enterpriseUscc('310115', 2);
const HANGZHOU = enterpriseUscc('330106', 3);

async function gql(query: string, variables: Record<string, unknown> = {}) {
  return testHub.gql(query, variables);
}

beforeAll(async () => {
  testHub = await startTestHub();
  const records = [
    ...Array.from({ length: 25 }, (_, i) => penaltyRecord({ CF_JDRQ: `2024-0${1 + (i % 5)}-1${i % 10}`, CF_WSH: `沪罚〔2024〕${i}号` }, `P-${i}`)),
    permitRecord({}, 'L-A'),
    permitRecord({ XK_XDR_MC: '上海浦东第二示例贸易有限公司', XK_XDR_SHXYM: PUDONG_B }, 'L-B'),
    penaltyRecord(
      { CF_XDR_LB: '自然人', CF_XDR_MC: '李四', CF_XDR_SHXYM: '', CF_FRDB: '', CF_XDR_ZJLX: '身份证', CF_XDR_ZJHM: '11010519491231002X' },
      'P-PERSON',
    ),
  ];
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'ZJ-TAX',
    source: 'test',
    records: [penaltyRecord({ CF_XDR_MC: '杭州西湖示例科技有限公司', CF_XDR_SHXYM: HANGZHOU, CF_JDRQ: '2023-06-01' }, 'ZJ-1')],
  });
});
afterAll(async () => testHub.close());

describe('GraphQL: subjects', () => {
  test('a subject by USCC, normalised from lower case, with region and records of every kind', async () => {
    const response = await gql(
      `query($u: USCC!) { subject(uscc: $u) { uscc name category divisionCode region { code name }
      records(first: 100) { totalCount edges { node { kind agency { code } } } } } }`,
      { u: PUDONG_A.toLowerCase() },
    );
    expect(response.status).toBe(200);
    const subject = response.body.data.subject;
    expect(subject).toMatchObject({
      uscc: PUDONG_A,
      name: '上海浦东示例科技有限公司',
      category: 'LEGAL_PERSON',
      divisionCode: '310115',
      region: { code: '310000', name: '上海市' },
    });
    expect(subject.records.totalCount).toBe(26);
    expect(new Set(subject.records.edges.map((e: { node: { kind: string } }) => e.node.kind))).toEqual(new Set(['PENALTY', 'PERMIT']));
  });

  test('an unknown subject is NOT_FOUND; a malformed USCC is BAD_USER_INPUT naming the rule', async () => {
    const missing = await gql(`{ subject(uscc: "${enterpriseUscc('310115', 999)}") { name } }`);
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const typo = await gql(`{ subject(uscc: "${PUDONG_A.slice(0, 17)}${PUDONG_A.endsWith('0') ? '1' : '0'}") { name } }`);
    expect(typo.body.errors[0].message).toMatch(/check character .* typing error/);
    const malformed = await gql('query($u: USCC!) { subject(uscc: $u) { name } }', { u: '12345' });
    expect(malformed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(malformed.body.errors[0].message).toContain('18 characters');
    expect(JSON.stringify(malformed.body)).not.toMatch(/stacktrace|at .*\.ts/);
    // Written inline, the same value fails validation, with the same explanation.
    const inline = await gql('{ subject(uscc: "12345") { name } }');
    expect(inline.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(inline.body.errors[0].message).toContain('18 characters');
  });

  test('name search with Chinese text pages through all matches without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await gql(
        `query($a: String) { subjects(nameContains: "浦东", first: 1, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { uscc name } } } }`,
        { a: after },
      );
      const page = response.body.data.subjects;
      expect(page.totalCount).toBe(2);
      seen.push(...page.edges.map((e: { node: { uscc: string } }) => e.node.uscc));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual([PUDONG_A, PUDONG_B].sort());
    const none = await gql('{ subjects(nameContains: "不存在的名字") { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } }');
    expect(none.body.data.subjects).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const wildcard = await gql('{ subjects(nameContains: "%%") { totalCount } }');
    expect(wildcard.body.data.subjects.totalCount).toBe(0);
  });
});

describe('GraphQL: records', () => {
  test('pages of 10 over 25 penalties: complete, ordered newest first, last page exact', async () => {
    const dates: string[] = [];
    const ids = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    do {
      const response = await gql(
        `query($a: String) { records(filter: { kinds: [PENALTY], agencyCodes: ["SH-SAMR"] }, first: 10, after: $a) {
        pageInfo { hasNextPage endCursor } edges { node { id eventDate } } } }`,
        { a: after },
      );
      const page = response.body.data.records;
      pages += 1;
      for (const edge of page.edges) {
        ids.add(edge.node.id);
        dates.push(edge.node.eventDate);
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toBe(3);
    expect(ids.size).toBe(26);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  test('filters by region, status and date range', async () => {
    const zj = await gql('{ records(filter: { regions: ["330000"] }) { totalCount edges { node { sourceRecordId originRegion { name } originHub } } } }');
    expect(zj.body.data.records.totalCount).toBe(1);
    expect(zj.body.data.records.edges[0].node).toEqual({ sourceRecordId: 'ZJ-1', originRegion: { name: '浙江省' }, originHub: 'hub-test' });
    const range = await gql('{ records(filter: { from: "2024/3/1", to: "2024-03-31", kinds: [PENALTY] }) { totalCount } }');
    // Five of the numbered penalties and the natural person's (decided 2024-03-15) fall in March.
    expect(range.body.data.records.totalCount).toBe(6);
    const revoked = await gql('{ records(filter: { statuses: [REVOKED] }) { totalCount } }');
    expect(revoked.body.data.records.totalCount).toBe(0);
  });

  test('natural persons: identity numbers are only ever returned masked', async () => {
    const response = await gql(`{ records(filter: { kinds: [PENALTY] }, first: 100) { edges { node { sourceRecordId subject { uscc }
      party { name category idNumberMasked } standardFields { code value } } } } }`);
    const person = response.body.data.records.edges.find((e: { node: { sourceRecordId: string } }) => e.node.sourceRecordId === 'P-PERSON').node;
    expect(person.subject).toBeNull();
    expect(person.party).toEqual({ name: '李四', category: 'NATURAL_PERSON', idNumberMasked: '1101**********002X' });
    expect(JSON.stringify(response.body)).not.toContain('11010519491231002X');
  });

  test('history and version of a record, amounts in both units', async () => {
    const response = await gql(`{ records(filter: { agencyCodes: ["ZJ-TAX"] }) { edges { node { id version penalty { fine { tenThousandYuan yuan } }
      history { sequence change status contentHash previousContentHash changedBy } } } } }`);
    const node = response.body.data.records.edges[0].node;
    expect(node.penalty.fine).toEqual({ tenThousandYuan: '5.000000', yuan: '50000.00' });
    expect(node.history).toHaveLength(1);
    expect(node.history[0]).toMatchObject({ change: 'CREATED', status: 'ACTIVE', previousContentHash: null, sequence: node.version });
  });

  test('bad arguments are BAD_USER_INPUT with the field named', async () => {
    const cases: [string, RegExp][] = [
      ['{ records(first: 0) { totalCount } }', /first must be between 1 and 100/],
      ['{ records(first: 101) { totalCount } }', /first must be between 1 and 100/],
      ['{ records(after: "garbage") { totalCount } }', /after is not a cursor/],
      ['{ records(filter: { from: "2024-05-01", to: "2024-01-01" }) { totalCount } }', /filter.from .* is after filter.to/],
      ['{ subjects(nameContains: "a") { totalCount } }', /nameContains must be/],
      ['{ record(id: "abc") { id } }', /not a hub record id/],
    ];
    for (const [query, message] of cases) {
      const response = await gql(query);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.body.errors[0].message).toMatch(message);
    }
    const impossibleDate = await gql('query($d: Date) { records(filter: { from: $d }) { totalCount } }', { d: '2024-02-30' });
    expect(impossibleDate.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(impossibleDate.body.errors[0].message).toMatch(/not a real calendar date/);
  });

  test('an unknown field is a validation error, not a crash', async () => {
    const response = await gql('{ records { nope } }');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('GraphQL: ingestion batches', () => {
  test("an agency's batches list what each brought, newest first", async () => {
    const response = await gql(
      '{ ingestionBatches(agencyCode: "ZJ-TAX") { totalCount edges { node { agencyCode source received inserted updated unchanged rejected finishedAt } } } }',
    );
    expect(response.body.data.ingestionBatches.totalCount).toBe(1);
    expect(response.body.data.ingestionBatches.edges[0].node).toMatchObject({
      agencyCode: 'ZJ-TAX',
      source: 'test',
      received: 1,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    expect(response.body.data.ingestionBatches.edges[0].node.finishedAt).toEqual(expect.any(String));
    expect((await gql('{ ingestionBatches(agencyCode: "NOPE") { totalCount } }')).body.errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('GraphQL: limits', () => {
  test('a query deeper than the limit is refused', async () => {
    const deep = '{ records { edges { node { subject { records { edges { node { subject { records { edges { node { id } } } } } } } } } } } }';
    const response = await gql(deep);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toMatch(/depth/i);
  });

  test('a query costlier than the limit is refused before it runs', async () => {
    const field = 'records(first: 100) { edges { node { party { name uscc } penalty { fine { yuan } } history { sequence } } } }';
    const response = await gql(`{ ${Array.from({ length: 8 }, (_, i) => `a${i}: ${field}`).join(' ')} }`);
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      extensions: { code: 'REQUEST_TOO_EXPENSIVE' },
      message: expect.stringMatching(/price is \d+, over the limit of 20000/),
    });
  });

  test('a client over its request rate gets 429 with Retry-After; the liveness check is not limited', async () => {
    const limited = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, requestsPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      let last: request.Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.gql('{ agencies { code } }');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      expect(last?.body.error_description).toMatch(/more than 3 requests per minute/);
      expect((await request(limited.hub.httpServer).get('/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test('a body over the size limit is 413 with a clear message', async () => {
    const response = await testHub.gql(`{ records { totalCount } } # ${'x'.repeat(70 * 1024)}`);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatch(/exceeds/);
  });
});

describe('HTTP', () => {
  test('/healthz and /readyz report the process and the database', async () => {
    expect((await request(testHub.hub.httpServer).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(testHub.hub.httpServer).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  test('a browser gets the offline GraphiQL page, whose assets are served locally', async () => {
    const page = await request(testHub.hub.httpServer).get('/graphql').set('accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/ide/graphiql.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'start.js']) {
      const response = await request(testHub.hub.httpServer).get(`/ide/${asset}`);
      expect(response.status).toBe(200);
    }
  });
});

describe('GraphQL: batching', () => {
  test('a list of subjects with their records, counts, agencies and histories costs a fixed number of queries', async () => {
    let statements = 0;
    // Counted as results come back: a statement with subqueries is one statement.
    const counting = testHub.database.db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        statements += 1;
        return args.result;
      },
    });
    const query = `{ subjects(nameContains: "示例", first: 10) { edges { node { name
      records(first: 5) { totalCount edges { node { agency { name } subject { uscc } history { sequence } } } } } } } }`;
    const admin = adminContext(testHub);
    const contextValue = { ...admin, readers: createReaders({ standard: counting, heavy: counting }, admin.access) };
    const result = await graphql({ schema: createSchema(), source: query, contextValue });
    expect(result.errors).toBeUndefined();
    const subjects = (result.data as { subjects: { edges: unknown[] } }).subjects.edges;
    expect(subjects.length).toBe(3);
    // subjects, records page, record counts, agencies, subjects of records, histories: one query each.
    expect(statements).toBeLessThanOrEqual(6);
  });
});

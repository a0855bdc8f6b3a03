import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { graphql } from 'graphql';
import request from 'supertest';
import { createSchema } from '../../schema/index.js';
import { createReaders } from '../../schema/readers/index.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { dataOf, defined, firstError, type AnswerOf } from '../support/answers.js';
import { TEST_CONFIG, adminContext, startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

let testHub: TestHub;

const PUDONG_A = enterpriseUscc('310115', 1);
const PUDONG_B = enterpriseUscc('310115', 2);
const HANGZHOU = enterpriseUscc('330106', 3);

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
afterAll(() => testHub.close());

describe('GraphQL: subjects', () => {
  test('a subject by USCC, normalised from lower case, with region and records of every kind', async () => {
    const response = await testHub.gqlAs<{ subject: { records: { totalCount: number; edges: { node: { kind: string } }[] } } }>(
      `query($u: USCC!) { subject(uscc: $u) { uscc name category divisionCode region { code name }
      records(first: 100) { totalCount edges { node { kind agency { code } } } } } }`,
      { u: PUDONG_A.toLowerCase() },
    );
    expect(response.status).toBe(200);
    const subject = dataOf(response.body).subject;
    expect(subject).toMatchObject({
      uscc: PUDONG_A,
      name: '上海浦东示例科技有限公司',
      category: 'LEGAL_PERSON',
      divisionCode: '310115',
      region: { code: '310000', name: '上海市' },
    });
    expect(subject.records.totalCount).toBe(26);
    expect(new Set(subject.records.edges.map((e) => e.node.kind))).toEqual(new Set(['PENALTY', 'PERMIT']));
  });

  test('an unknown subject is NOT_FOUND; a malformed USCC is BAD_USER_INPUT naming the rule', async () => {
    const missing = await testHub.gqlAs<unknown>(`{ subject(uscc: "${enterpriseUscc('310115', 999)}") { name } }`);
    expect(firstError(missing.body).extensions.code).toBe('NOT_FOUND');
    const typo = await testHub.gqlAs<unknown>(`{ subject(uscc: "${PUDONG_A.slice(0, 17)}${PUDONG_A.endsWith('0') ? '1' : '0'}") { name } }`);
    expect(firstError(typo.body).message).toMatch(/check character .* typing error/);
    const malformed = await testHub.gqlAs<unknown>('query($u: USCC!) { subject(uscc: $u) { name } }', { u: '12345' });
    expect(firstError(malformed.body).extensions.code).toBe('BAD_USER_INPUT');
    expect(firstError(malformed.body).message).toContain('18 characters');
    expect(JSON.stringify(malformed.body)).not.toMatch(/stacktrace|at .*\.ts/);
    // Written inline, the same value fails validation, with the same explanation.
    const inline = await testHub.gqlAs<unknown>('{ subject(uscc: "12345") { name } }');
    expect(firstError(inline.body).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(firstError(inline.body).message).toContain('18 characters');
  });

  test('name search with Chinese text pages through all matches without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await testHub.gqlAs<{
        subjects: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { uscc: string } }[] };
      }>(
        `query($a: String) { subjects(nameContains: "浦东", first: 1, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { uscc name } } } }`,
        { a: after },
      );
      const page: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { uscc: string } }[] } = dataOf(
        response.body,
      ).subjects;
      expect(page.totalCount).toBe(2);
      seen.push(...page.edges.map((e) => e.node.uscc));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual([PUDONG_A, PUDONG_B].sort());
    const none = await testHub.gqlAs<{ subjects: unknown }>(
      '{ subjects(nameContains: "不存在的名字") { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } }',
    );
    expect(dataOf(none.body).subjects).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const wildcard = await testHub.gqlAs<{ subjects: { totalCount: number } }>('{ subjects(nameContains: "%%") { totalCount } }');
    expect(dataOf(wildcard.body).subjects.totalCount).toBe(0);
  });
});

describe('GraphQL: records', () => {
  test('pages of 10 over 25 penalties: complete, ordered newest first, last page exact', async () => {
    const dates: string[] = [];
    const ids = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    do {
      const response = await testHub.gqlAs<{
        records: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string; eventDate: string } }[] };
      }>(
        `query($a: String) { records(filter: { kinds: [PENALTY], agencyCodes: ["SH-SAMR"] }, first: 10, after: $a) {
        pageInfo { hasNextPage endCursor } edges { node { id eventDate } } } }`,
        { a: after },
      );
      const page: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string; eventDate: string } }[] } = dataOf(
        response.body,
      ).records;
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
    const zj = await testHub.gqlAs<{ records: { totalCount: number; edges: { node: unknown }[] } }>(
      '{ records(filter: { regions: ["330000"] }) { totalCount edges { node { sourceRecordId originRegion { name } originHub } } } }',
    );
    expect(dataOf(zj.body).records.totalCount).toBe(1);
    expect(dataOf(zj.body).records.edges[0]?.node).toEqual({ sourceRecordId: 'ZJ-1', originRegion: { name: '浙江省' }, originHub: 'hub-test' });
    const range = await testHub.gqlAs<{ records: { totalCount: number } }>(
      '{ records(filter: { from: "2024/3/1", to: "2024-03-31", kinds: [PENALTY] }) { totalCount } }',
    );
    // Five of the numbered penalties and the natural person's (decided 2024-03-15) fall in March.
    expect(dataOf(range.body).records.totalCount).toBe(6);
    const revoked = await testHub.gqlAs<{ records: { totalCount: number } }>('{ records(filter: { statuses: [REVOKED] }) { totalCount } }');
    expect(dataOf(revoked.body).records.totalCount).toBe(0);
  });

  test('natural persons: identity numbers are only ever returned masked', async () => {
    const response = await testHub.gqlAs<{
      records: { edges: { node: { sourceRecordId: string; subject: unknown; party: unknown } }[] };
    }>(`{ records(filter: { kinds: [PENALTY] }, first: 100) { edges { node { sourceRecordId subject { uscc }
      party { name category idNumberMasked } standardFields { code value } } } } }`);
    const person = defined(
      dataOf(response.body).records.edges.find((e) => e.node.sourceRecordId === 'P-PERSON'),
      'the record P-PERSON',
    ).node;
    expect(person.subject).toBeNull();
    expect(person.party).toEqual({ name: '李四', category: 'NATURAL_PERSON', idNumberMasked: '1101**********002X' });
    expect(JSON.stringify(response.body)).not.toContain('11010519491231002X');
  });

  test('history and version of a record, amounts in both units', async () => {
    const response = await testHub.gqlAs<{
      records: { edges: { node: { version: number; penalty: { fine: unknown }; history: unknown[] } }[] };
    }>(`{ records(filter: { agencyCodes: ["ZJ-TAX"] }) { edges { node { id version penalty { fine { tenThousandYuan yuan } }
      history { sequence change status contentHash previousContentHash changedBy } } } } }`);
    const node = defined(dataOf(response.body).records.edges[0], 'the ZJ-TAX record').node;
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
      const response = await testHub.gqlAs<unknown>(query);
      expect(response.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(firstError(response.body).message).toMatch(message);
    }
    const impossibleDate = await testHub.gqlAs<unknown>('query($d: Date) { records(filter: { from: $d }) { totalCount } }', { d: '2024-02-30' });
    expect(firstError(impossibleDate.body).extensions.code).toBe('BAD_USER_INPUT');
    expect(firstError(impossibleDate.body).message).toMatch(/not a real calendar date/);
  });

  test('an unknown field is a validation error, not a crash', async () => {
    const response = await testHub.gqlAs<unknown>('{ records { nope } }');
    expect(response.status).toBe(400);
    expect(firstError(response.body).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('GraphQL: ingestion batches', () => {
  test("an agency's batches list what each brought, newest first", async () => {
    const response = await testHub.gqlAs<{ ingestionBatches: { totalCount: number; edges: { node: { finishedAt: string } }[] } }>(
      '{ ingestionBatches(agencyCode: "ZJ-TAX") { totalCount edges { node { agencyCode source received inserted updated unchanged rejected finishedAt } } } }',
    );
    expect(dataOf(response.body).ingestionBatches.totalCount).toBe(1);
    expect(dataOf(response.body).ingestionBatches.edges[0]?.node).toMatchObject({
      agencyCode: 'ZJ-TAX',
      source: 'test',
      received: 1,
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    expect(dataOf(response.body).ingestionBatches.edges[0]?.node.finishedAt).toEqual(expect.any(String));
    expect(firstError((await testHub.gqlAs<unknown>('{ ingestionBatches(agencyCode: "NOPE") { totalCount } }')).body).extensions.code).toBe('NOT_FOUND');
  });
});

describe('GraphQL: limits', () => {
  test('a query deeper than the limit is refused', async () => {
    const deep = '{ records { edges { node { subject { records { edges { node { subject { records { edges { node { id } } } } } } } } } } } }';
    const response = await testHub.gqlAs<unknown>(deep);
    expect(response.status).toBe(400);
    expect(firstError(response.body).message).toMatch(/depth/i);
  });

  test('a query costlier than the limit is refused before it runs', async () => {
    const field = 'records(first: 100) { edges { node { party { name uscc } penalty { fine { yuan } } history { sequence } } } }';
    const response = await testHub.gqlAs<unknown>(`{ ${Array.from({ length: 8 }, (_, i) => `a${i}: ${field}`).join(' ')} }`);
    expect(response.status).toBe(400);
    expect(firstError(response.body)).toMatchObject({
      extensions: { code: 'REQUEST_TOO_EXPENSIVE' },
      message: expect.stringMatching(/price is \d+, over the limit of 20000/),
    });
  });

  test('a client over its request rate gets 429 with Retry-After; the liveness check is not limited', async () => {
    const limited = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, requestsPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      let last: AnswerOf<{ error_description?: string }> | undefined;
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
    const response: AnswerOf<{ error: string }> = await testHub.gql(`{ records { totalCount } } # ${'x'.repeat(70 * 1024)}`);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatch(/exceeds/);
  });
});

describe('HTTP', () => {
  test('/healthz and /readyz report the process and the database', async () => {
    expect((await request(testHub.hub.httpServer).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready: AnswerOf<{ status: string }> = await request(testHub.hub.httpServer).get('/readyz');
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
      transformResult: (args) => {
        statements += 1;
        return Promise.resolve(args.result);
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

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { PURPOSE_HEADER } from '../../server/auth/require-access.js';
import { dataOf, defined, firstError, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

const PUDONG = enterpriseUscc('310115', 1);
const cursor = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

let testHub: TestHub;

beforeAll(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
});
afterAll(() => testHub.close());

/** The one error of a response, which must be a client error, never INTERNAL_SERVER_ERROR. */
async function refusal(query: string, variables: Record<string, unknown> = {}, caller?: { client: string; purpose: string }) {
  const response = await testHub.gqlAs<unknown>(query, variables, caller);
  expect(response.status).toBeLessThan(500);
  expect(response.body.errors).toHaveLength(1);
  return { status: response.status, error: firstError(response.body), body: response.body, text: response.text };
}

describe('input guard: text no part of the hub may take', () => {
  test.each([
    ['a NUL in nameContains', 'query($n: String!) { subjects(nameContains: $n) { totalCount } }', { n: '示例\u0000公司' }, '$n'],
    ['a NUL in agencyCode', 'query($c: String!) { quarantine(agencyCode: $c) { totalCount } }', { c: 'SH-SAMR\u0000' }, '$c'],
    [
      'a NUL in the audit filter clientId',
      'query($f: AuditLogFilter) { auditLog(filter: $f) { edges { cursor } } }',
      { f: { clientId: 'test-\u0000bank' } },
      '$f.clientId',
    ],
    [
      'an unpaired surrogate in evidence',
      'mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { id } }',
      { i: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2025-01-01', evidence: '授权书\ud800' } },
      '$i.evidence',
    ],
    [
      'a NUL in sourceRecordId',
      'mutation($r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: "SH-SAMR", records: $r) { rejected } }',
      { r: [{ kind: 'PENALTY', sourceRecordId: 'P\u0000-2', fields: {} }] },
      '$r[0].sourceRecordId',
    ],
    [
      'an escape character in an enum value',
      'mutation($r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: "SH-SAMR", records: $r) { rejected } }',
      { r: [{ kind: 'PENALTY\u001b[2J', fields: {} }] },
      '$r[0].kind',
    ],
  ])('%s is BAD_USER_INPUT naming the variable and the rule, never echoing the text, and audited', async (_title, query, variables, field) => {
    const { status, error, body, text } = await refusal(query, variables);
    expect(status).toBe(400);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field, rule: 'CONTROL_CHARACTER' });
    expect(error.message).toContain(field);
    expect(text).not.toMatch(/示例|SH-SAMR\\u0000|test-|授权书|P\\u0000|PENALTY/);
    expect(body.extensions?.auditEntries).toHaveLength(1);
    const seq = defined(body.extensions?.auditEntries?.[0], 'the audit entry of the refusal');
    const [entry] = await testHub.database.db.selectFrom('audit_log').select('outcome').where('seq', '=', seq).execute();
    expect(entry?.outcome).toBe('ERROR:BAD_USER_INPUT');
  });

  test("a pushed record's columns are left to submitRecords, which quarantines a bad one and stores the others", async () => {
    const response = await testHub.gqlAs<{ submitRecords: { results: { outcome: string; reasons: unknown[] }[] } }>(
      'mutation($r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: "SH-SAMR", records: $r) { results { outcome reasons { field rule } } } }',
      {
        r: [
          { kind: 'PENALTY', sourceRecordId: 'P-NUL-NAME', fields: { ...penaltyRecord().fields, 'CF_\u0000WSH': 'x' } },
          { kind: 'PENALTY', sourceRecordId: 'P-OK', fields: penaltyRecord().fields },
        ],
      },
    );
    expect(response.status).toBe(200);
    const [refused, stored] = dataOf(response.body).submitRecords.results;
    expect(refused?.outcome).toBe('REJECTED');
    expect(refused?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'CF_\uFFFDWSH' })]));
    expect(stored?.outcome).not.toBe('REJECTED');
  });

  test('written inline, the same text is refused naming the field and argument', async () => {
    const { error } = await refusal('{ quarantine(agencyCode: "SH-SAMR\\u0000") { totalCount } }');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'quarantine.agencyCode', rule: 'CONTROL_CHARACTER' });
    const nested = await refusal('{ records(filter: { agencyCodes: ["SH-SAMR", "x\\u0000"] }) { totalCount } }');
    expect(nested.error.extensions.field).toBe('records.filter.agencyCodes[1]');
    const byDefault = await refusal('query($n: String! = "示例\\u0000") { subjects(nameContains: $n) { totalCount } }');
    expect(byDefault.error.extensions.field).toBe('$n');
  });

  test('tab, line feed and carriage return pass, and so do characters beyond the BMP', async () => {
    const response = await testHub.gqlAs<{ subjects: { totalCount: number } }>('query($n: String!) { subjects(nameContains: $n) { totalCount } }', {
      n: '示例\t\r\n𠀋',
    });
    expect(response.body.errors).toBeUndefined();
    expect(dataOf(response.body).subjects.totalCount).toBe(0);
  });

  test('variables nested 20,000 levels deep are walked without overflowing the stack', async () => {
    // Written by hand: the test client's own serialiser would overflow its stack first.
    const deep = `${'['.repeat(20_000)}"x\\u0000"${']'.repeat(20_000)}`;
    const response: AnswerOf<GraphQLBody<unknown>> = await request(testHub.hub.httpServer)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${await testHub.tokenFor('test-admin')}`)
      .set(PURPOSE_HEADER, 'OPERATIONS')
      .send(`{"query": "query($codes: [String!]) { records(filter: { agencyCodes: $codes }) { totalCount } }", "variables": {"codes": ${deep}}}`);
    expect(response.status).toBe(400);
    expect(firstError(response.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'CONTROL_CHARACTER' });
    const { field } = firstError(response.body).extensions;
    expect(field).toMatch(/^\$codes\[0\]\[0\].*…$/);
    expect(String(field).length).toBeLessThanOrEqual(201);
  });

  test('a subscription is refused as invalid, and audited', async () => {
    const { status, error, body } = await refusal('subscription { me { id } }');
    expect(status).toBe(400);
    expect(error).toMatchObject({ message: 'this API has no subscriptions: send a query or a mutation', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(body.extensions?.auditEntries).toHaveLength(1);
  });
});

describe('cursors hold only values their query can bind', () => {
  test.each([
    ['a record cursor with a date that does not exist', '{ records(after: "%") { totalCount } }', cursor(['2024-02-30', 1])],
    ['a record cursor with a year out of range', '{ records(after: "%") { totalCount } }', cursor(['0000-01-01', 1])],
    ['a record cursor with a negative id', '{ records(after: "%") { totalCount } }', cursor(['2024-01-01', -1])],
    ['a subject cursor holding a NUL', '{ subjects(nameContains: "示例", after: "%") { totalCount } }', cursor(['示例\u0000', PUDONG])],
    ['a subject cursor holding a lone surrogate', '{ subjects(nameContains: "示例", after: "%") { totalCount } }', cursor(['示例', '\udc00'])],
    ['a feed cursor past 2^63-1', '{ changeFeed(after: "%") { edges { cursor } } }', cursor(['9223372036854775808', 1])],
    ['a feed cursor past xid8', '{ changeFeed(after: "%") { edges { cursor } } }', cursor(['99999999999999999999', 1])],
    ['a log cursor beyond safe integers', '{ quarantine(agencyCode: "SH-SAMR", after: "%") { totalCount } }', cursor([2 ** 63])],
    ['an audit cursor that is negative', '{ auditLog(after: "%") { edges { cursor } } }', cursor([-1])],
    ['a nested records cursor with an impossible date', `{ subject(uscc: "${PUDONG}") { records(after: "%") { totalCount } } }`, cursor(['2023-02-29', 1])],
  ])('%s is BAD_USER_INPUT', async (_title, query, after) => {
    const { error } = await refusal(query.replace('%', after));
    expect(error).toMatchObject({
      message: 'after is not a cursor this list returned',
      extensions: { code: 'BAD_USER_INPUT', field: 'after', rule: 'CURSOR' },
    });
  });

  test('the largest feed position is a cursor (an empty page), and a real cursor pages on', async () => {
    const feed = await testHub.gqlAs<{ changeFeed: { edges: unknown[] } }>(
      `{ changeFeed(after: "${cursor(['9223372036854775807', 0])}") { edges { cursor } } }`,
    );
    expect(dataOf(feed.body).changeFeed.edges).toEqual([]);
    const first = await testHub.gqlAs<{ records: { pageInfo: { endCursor: string } } }>('{ records(first: 1) { pageInfo { endCursor } } }');
    const next = await testHub.gqlAs<unknown>('query($a: String) { records(first: 1, after: $a) { edges { cursor } } }', {
      a: dataOf(first.body).records.pageInfo.endCursor,
    });
    expect(next.body.errors).toBeUndefined();
  });
});

describe('scalars and ids', () => {
  test.each([
    ['a year past 9999', '+275760-09-13T00:00:00.000Z', 'is not an ISO 8601 time with its offset'],
    ['a year before 1900', '1899-12-31T23:59:59Z', 'is outside the years 1900 to 9999'],
    ['an offset pushing the time past 9999', '9999-12-31T23:00:00-05:00', 'is outside the years 1900 to 9999'],
    ['a day that does not exist', '2024-02-30T00:00:00Z', 'is not an ISO 8601 time with its offset'],
    ['a time without its offset', '2024-06-01T12:00:00', 'is not an ISO 8601 time with its offset'],
    ['a number', 1_700_000_000_000, 'DateTime must be a string, got number'],
  ])('auditLog from: %s is BAD_USER_INPUT', async (_title, from, reason) => {
    const { error } = await refusal('query($f: DateTime) { auditLog(filter: { from: $f }) { edges { cursor } } }', { f: from });
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain(reason);
  });

  test('DateTime written inline is checked as well, and a valid one filters', async () => {
    const inline = await refusal('{ auditLog(filter: { from: "10000-01-01T00:00:00Z" }) { edges { cursor } } }');
    expect(inline.error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const valid = await testHub.gqlAs<unknown>('{ auditLog(filter: { from: "2024-06-01T08:00:00+08:00", to: "9999-12-31T23:59:59Z" }) { edges { cursor } } }');
    expect(valid.body.errors).toBeUndefined();
  });

  test.each([
    ['record(id:)', (id: string) => `{ record(id: "${id}") { id } }`, 'record id'],
    ['revokeAuthorization(id:)', (id: string) => `mutation { revokeAuthorization(id: "${id}") { id } }`, 'authorization id'],
    [
      'releaseQuarantinedRecord(id:)',
      (id: string) => `mutation { releaseQuarantinedRecord(id: "${id}", justification: "试点期间核发代码") { id } }`,
      'quarantine entry id',
    ],
  ])('%s refuses ids the hub never issues', async (_title, query, noun) => {
    for (const id of ['abc', '-1', '0', '1e3', '0x10', ' 1', '99999999999999999999', '9007199254740993']) {
      const { error } = await refusal(query(id));
      expect(error).toMatchObject({
        message: `${noun} ${JSON.stringify(id)} is not a hub ${noun}`,
        extensions: { code: 'BAD_USER_INPUT', field: 'id', rule: 'ID' },
      });
    }
  });

  test('auditProof refuses a negative seq', async () => {
    const { error } = await refusal('{ auditProof(seq: -1) { leafHash } }');
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seq', rule: 'SEQ' });
  });
});

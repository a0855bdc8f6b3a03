import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { readdirSync, readFileSync } from 'node:fs';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { rootFieldsOf, ROOT_FIELD_RULES } from '../../schema/policy.js';
import { dataOf, defined, type GraphQLBody } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

let testHub: TestHub;
const PUDONG = enterpriseUscc('310115', 1);
const HANGZHOU = enterpriseUscc('330106', 3);
const ID_NUMBER = '11010519491231002X';

const asBank = <T = unknown>(query: string, variables: Record<string, unknown> = {}) =>
  testHub.gqlAs<T>(query, variables, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
const asAgency = <T = unknown>(query: string, variables: Record<string, unknown> = {}, client = 'test-agency') =>
  testHub.gqlAs<T>(query, variables, { client, purpose: 'SUPERVISION' });
const asPartner = <T = unknown>(query: string, variables: Record<string, unknown> = {}) =>
  testHub.gqlAs<T>(query, variables, { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' });
const errorOf = (response: { body: GraphQLBody<unknown> }) => response.body.errors?.[0];

const REPORT = `query($u: USCC!) { creditReport(uscc: $u) { uscc name region { code } counts { kind active total }
  entries { kind agencyCode documentNo eventDate summary fineTenThousandYuan } entriesTruncated authorization { id purpose } } }`;
interface ReportData {
  creditReport: { counts: unknown; entries: unknown };
}
interface GrantData {
  grantAuthorization: { id: string };
}
const GRANT = `mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { id uscc clientId purpose validUntil grantedBy } }`;

beforeAll(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [penaltyRecord({ CF_FR_ZJLX: '身份证', CF_FR_ZJHM: ID_NUMBER }, 'P-1'), permitRecord({}, 'L-1')],
  });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'ZJ-TAX',
    source: 'test',
    records: [1, 2, 3].map((n) => penaltyRecord({ CF_XDR_MC: '杭州西湖示例科技有限公司', CF_XDR_SHXYM: HANGZHOU, CF_WSH: `浙税罚〔2024〕${n}号` }, `ZJ-${n}`)),
  });
});
afterAll(async () => testHub.close());

describe('policy', () => {
  test('every root field of the schema has exactly one rule, and no rule names a field that does not exist', () => {
    const dir = 'schema';
    const typeDefs = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => readFileSync(`${dir}/${f}`, 'utf8'));
    const fields = rootFieldsOf(makeExecutableSchema({ typeDefs }));
    expect(fields.filter((f) => !ROOT_FIELD_RULES[f])).toEqual([]);
    expect(Object.keys(ROOT_FIELD_RULES).filter((f) => !fields.includes(f))).toEqual([]);
  });
});

describe('banks (信易贷)', () => {
  test('without an authorisation the report is FORBIDDEN with reason NO_AUTHORIZATION; shared records are out of reach', async () => {
    const report = await asBank(REPORT, { u: PUDONG });
    expect(errorOf(report)).toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'NO_AUTHORIZATION' },
      message: expect.stringContaining('has not authorised client test-bank'),
    });
    const records = await asBank('{ records { totalCount } }');
    expect(errorOf(records)?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    expect(records.body.data).toBeNull();
  });

  test('an agency records the enterprise’s authorisation; the bank then gets report fields only, never identity numbers', async () => {
    const granted = await asAgency<GrantData>(GRANT, {
      input: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001' },
    });
    expect(dataOf(granted.body).grantAuthorization).toMatchObject({
      uscc: PUDONG,
      clientId: 'test-bank',
      purpose: 'LOAN_REVIEW',
      validUntil: '2024-12-31',
      grantedBy: 'test-agency',
    });
    const report = await asBank<ReportData>(REPORT, { u: PUDONG });
    const body = dataOf(report.body).creditReport;
    expect(body).toMatchObject({
      uscc: PUDONG,
      name: '上海浦东示例科技有限公司',
      region: { code: '310000' },
      entriesTruncated: false,
      authorization: { id: dataOf(granted.body).grantAuthorization.id, purpose: 'LOAN_REVIEW' },
    });
    expect(body.counts).toEqual(
      expect.arrayContaining([
        { kind: 'PENALTY', active: 1, total: 1 },
        { kind: 'PERMIT', active: 1, total: 1 },
      ]),
    );
    expect(body.entries).toEqual([
      {
        kind: 'PENALTY',
        agencyCode: 'SH-SAMR',
        documentNo: '沪市监浦处〔2024〕1号',
        eventDate: '2024-03-15',
        summary: '罚款: 虚假宣传',
        fineTenThousandYuan: '5.000000',
      },
    ]);
    const text = JSON.stringify(report.body);
    expect(text).not.toContain(ID_NUMBER);
    expect(text).not.toContain('张三');
    // The schema itself offers a bank no way to the identity number: a query for it does not validate.
    const probe = await asBank('query($u: USCC!) { creditReport(uscc: $u) { entries { fields } } }', { u: PUDONG });
    expect(errorOf(probe)?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('an authorisation covers one subject and one purpose; once revoked it no longer opens the report', async () => {
    const other = await asBank(REPORT, { u: HANGZHOU });
    expect(errorOf(other)?.extensions.reason).toBe('NO_AUTHORIZATION');
    const list = await asAgency<{ authorizations: { id: string }[] }>('query($u: USCC!) { authorizations(uscc: $u) { id revokedAt } }', { u: PUDONG });
    const id = defined(dataOf(list.body).authorizations[0], 'an authorisation of PUDONG').id;
    const revoked = await asAgency<{ revokeAuthorization: { revokedAt: string | null } }>(
      'mutation($id: ID!) { revokeAuthorization(id: $id) { id revokedAt } }',
      { id },
    );
    expect(dataOf(revoked.body).revokeAuthorization.revokedAt).not.toBeNull();
    expect(errorOf(await asBank(REPORT, { u: PUDONG }))?.extensions.reason).toBe('NO_AUTHORIZATION');
    const again = await asAgency('mutation($id: ID!) { revokeAuthorization(id: $id) { id } }', { id });
    expect(errorOf(again)?.extensions.code).toBe('NOT_FOUND');
  });

  test('a bad authorisation is refused naming the field and the rule', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ clientId: 'test-agency' }, /clientId: test-agency is a AGENCY client/],
      [{ clientId: 'no-such-bank' }, /clientId: no active client/],
      [{ purpose: 'SUPERVISION' }, /purpose: "SUPERVISION" is not a purpose a bank may state \(LOAN_REVIEW\)/],
      [{ validUntil: '2024-05-31' }, /validUntil: 2024-05-31 must be between today \(2024-06-01\)/],
      [{ validUntil: '2030-01-01' }, /and 2027-06-01/],
    ];
    for (const [change, message] of cases) {
      const response = await asAgency(GRANT, {
        input: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001', ...change },
      });
      expect(errorOf(response)).toMatchObject({
        extensions: { code: expect.stringMatching(/BAD_USER_INPUT|NOT_FOUND/) },
        message: expect.stringMatching(message),
      });
    }
    expect(
      errorOf(
        await asBank(GRANT, { input: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001' } }),
      )?.extensions.reason,
    ).toBe('MISSING_SCOPE');
  });
});

describe('agencies', () => {
  test('read every agency’s shared records, but their own agency’s logs only', async () => {
    const shared = await asAgency<{ records: { totalCount: number } }>('{ records(filter: { agencyCodes: ["ZJ-TAX"] }) { totalCount } }');
    expect(dataOf(shared.body).records.totalCount).toBe(3);
    const own = await asAgency<{ ingestionBatches: { totalCount: number } }>('{ ingestionBatches(agencyCode: "SH-SAMR") { totalCount } }');
    expect(dataOf(own.body).ingestionBatches.totalCount).toBe(1);
    const foreign = await asAgency('{ quarantine(agencyCode: "ZJ-TAX") { totalCount } }');
    expect(errorOf(foreign)).toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' },
      message: expect.stringContaining('its own agency SH-SAMR'),
    });
  });

  test('operator-only fields are refused to agencies', async () => {
    for (const query of [
      '{ clients { id } }',
      '{ auditLog { edges { node { seq } } } }',
      'mutation { releaseQuarantinedRecord(id: "1", justification: "x") { id } }',
    ]) {
      expect(errorOf(await asAgency(query))?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    }
  });

  test('who looked at an enterprise: the access history an agency can give the enterprise', async () => {
    const log = await asAgency<{ subjectAccessLog: { edges: { node: unknown }[] } }>(
      'query($u: USCC!) { subjectAccessLog(uscc: $u, first: 50) { edges { node { clientId purpose operation outcome authorizations } } } }',
      { u: PUDONG },
    );
    const entries = dataOf(log.body).subjectAccessLog.edges.map((e) => e.node);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          clientId: 'test-bank',
          purpose: 'LOAN_REVIEW',
          operation: 'query creditReport',
          outcome: 'OK',
          authorizations: [expect.any(String)],
        }),
        expect.objectContaining({ clientId: 'test-bank', operation: 'query creditReport', outcome: 'DENIED:NO_AUTHORIZATION' }),
        expect.objectContaining({ clientId: 'test-agency', operation: 'mutation grantAuthorization', outcome: 'OK' }),
      ]),
    );
  });
});

describe('partner hubs', () => {
  test('read the change feed of their regions only, page by page without gaps or repeats; nothing else', async () => {
    const FEED =
      'query($after: String) { changeFeed(first: 2, after: $after) { edges { node { seq change record { sourceRecordId originRegion { code } } } } pageInfo { hasNextPage endCursor } } }';
    interface FeedData {
      changeFeed: {
        edges: { node: { record: { sourceRecordId: string; originRegion: { code: string } } } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const response = await asPartner<FeedData>(FEED, { after });
      const feed: FeedData['changeFeed'] = dataOf(response.body).changeFeed;
      for (const edge of feed.edges) {
        expect(edge.node.record.originRegion.code).toBe('330000');
        seen.push(edge.node.record.sourceRecordId);
      }
      after = feed.pageInfo.endCursor;
      if (!feed.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(['ZJ-1', 'ZJ-2', 'ZJ-3']);
    const resumed = await asPartner<FeedData>(FEED, { after });
    expect(dataOf(resumed.body).changeFeed.edges).toEqual([]);
    expect(errorOf(await asPartner('{ records { totalCount } }'))?.extensions.reason).toBe('MISSING_SCOPE');
  });
});

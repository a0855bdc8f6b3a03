import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { gradeAllSubjects, gradeChangedSubjects } from '../../credit/grading.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { TEST_CLIENTS } from '../support/clients.js';
import { dataOf, defined, firstError } from '../support/answers.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

// The test hub's clock is 2024-06-01 (China). A 罚款 of 5 万元 is GENERAL: 3 months from its decision.
const SUBJECT = enterpriseUscc('310115', 11);
const REPEATER = enterpriseUscc('310115', 12);
const REGRADED = enterpriseUscc('310115', 13);
const AGENCY = { client: 'test-agency', purpose: 'CREDIT_REPAIR' };
const OTHER_AGENCY = { client: 'test-agency-zj', purpose: 'CREDIT_REPAIR' };
const ADMIN = { client: 'test-admin', purpose: 'OPERATIONS' };
// ZJ-TAX through a client that reads only records originating in Zhejiang.
const RESTRICTED = { client: 'zj-restricted', purpose: 'CREDIT_REPAIR' };
const ZJ_SUBJECT = enterpriseUscc('330106', 14);
const TEXT_SUBJECT = enterpriseUscc('310115', 15);
// A resident identity number with a right GB 11643 check character (the standard's example).
const IDENTITY_NUMBER = '11010519491231002X';

let testHub: TestHub;
const ids = new Map<string, string>();

const subjectFields = (uscc: string, name: string) => ({ CF_XDR_MC: name, CF_XDR_SHXYM: uscc });

beforeAll(async () => {
  const restricted = { ...TEST_CLIENTS.otherAgency.config, id: 'zj-restricted', regions: ['330000'] };
  testHub = await startTestHub({ ...TEST_CONFIG, clients: [...TEST_CONFIG.clients, restricted] });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'ZJ-TAX',
    source: 'test',
    records: [
      penaltyRecord({ ...subjectFields(ZJ_SUBJECT, '浙江跨省示例有限公司'), CF_JDRQ: '2024-01-10', CF_WSH: '浙税罚〔2024〕1号', CF_WFXW: '偷税' }, 'ZJ-FIRST'),
    ],
  });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [
      penaltyRecord({ ...subjectFields(SUBJECT, '上海修复示例有限公司'), CF_JDRQ: '2024-02-01', CF_WSH: '沪罚〔2024〕101号' }, 'REPAIR-OK'),
      penaltyRecord(
        { ...subjectFields(SUBJECT, '上海修复示例有限公司'), CF_JDRQ: '2024-03-02', CF_WSH: '沪罚〔2024〕102号', CF_WFXW: '无照经营' },
        'REPAIR-TOO-EARLY',
      ),
      penaltyRecord(
        {
          ...subjectFields(SUBJECT, '上海修复示例有限公司'),
          CF_JDRQ: '2024-01-05',
          CF_WSH: '沪罚〔2024〕103号',
          CF_WFXW: '超范围经营',
          CF_CFLB: '罚款;吊销许可证件',
        },
        'REPAIR-NEVER',
      ),
      penaltyRecord(
        { ...subjectFields(SUBJECT, '上海修复示例有限公司'), CF_JDRQ: '2024-01-10', CF_WSH: '沪罚〔2024〕104号', CF_WFXW: '商标侵权' },
        'REPAIR-REJECT',
      ),
      penaltyRecord({ ...subjectFields(REPEATER, '上海再犯示例有限公司'), CF_JDRQ: '2024-01-10', CF_WSH: '沪罚〔2024〕105号' }, 'REPEAT-FIRST'),
      penaltyRecord({ ...subjectFields(REPEATER, '上海再犯示例有限公司'), CF_JDRQ: '2024-04-10', CF_WSH: '沪罚〔2024〕106号' }, 'REPEAT-SECOND'),
      penaltyRecord({ ...subjectFields(REGRADED, '上海重评示例有限公司'), CF_JDRQ: '2024-01-20', CF_WSH: '沪罚〔2024〕107号' }, 'REGRADE'),
      penaltyRecord({ ...subjectFields(ZJ_SUBJECT, '浙江跨省示例有限公司'), CF_JDRQ: '2024-03-01', CF_WSH: '沪罚〔2024〕108号', CF_WFXW: '偷税' }, 'SH-REPEAT'),
      penaltyRecord(
        { ...subjectFields(TEXT_SUBJECT, '上海文本示例有限公司'), CF_JDRQ: '2024-01-12', CF_WSH: '沪罚〔2024〕109号', CF_WFXW: '广告违法' },
        'REPAIR-TEXT',
      ),
    ],
  });
  const rows = await testHub.database.db.selectFrom('records').select(['id', 'source_record_id']).execute();
  for (const row of rows) ids.set(row.source_record_id, String(row.id));
});
afterAll(() => testHub.close());

const FILE = `mutation($input: FileRepairRequestInput!) { fileRepairRequest(input: $input) {
  id recordId status tier agencyCode uscc fulfilledOn steps { step actor note } } }`;
const DECIDE = `mutation($id: ID!, $d: RepairDecision!, $n: String!) { decideRepairRequest(id: $id, decision: $d, note: $n) {
  id status decidedAt record { id status } steps { step actor note } } }`;

/** A repair request as FILE reads it. */
type Filed = { fileRepairRequest: { id: string } };
type IdList = { edges: { node: { id: string } }[] };

const fileFor = (source: string, caller = AGENCY, fulfilledOn = '2024-05-01') =>
  testHub.gqlAs<Filed>(
    FILE,
    { input: { recordId: ids.get(source), evidence: '已缴清罚款并完成整改', fulfilledOn, fulfilmentEvidence: '缴款书 2024-0001' } },
    caller,
  );

async function statusOf(source: string): Promise<string> {
  const row = await testHub.database.db.selectFrom('records').select('status').where('source_record_id', '=', source).executeTakeFirstOrThrow();
  return row.status;
}

describe('credit repair: filing', () => {
  test('an ineligible request is BAD_USER_INPUT naming the rule and the earliest eligible date, and stores nothing', async () => {
    const early = await fileFor('REPAIR-TOO-EARLY');
    expect(firstError(early.body).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.recordId',
      rule: 'MINIMUM_PERIOD',
      earliestEligibleOn: '2024-06-02',
    });
    expect(firstError(early.body).message).toContain('eligible from 2024-06-02');
    const never = await fileFor('REPAIR-NEVER');
    expect(firstError(never.body).extensions).toMatchObject({ rule: 'NEVER_ELIGIBLE', earliestEligibleOn: null });
    const repeat = await fileFor('REPEAT-FIRST');
    expect(firstError(repeat.body).extensions).toMatchObject({ rule: 'NO_REPEAT', earliestEligibleOn: null, repeatRecordId: ids.get('REPEAT-SECOND') });
    const unfulfilled = await fileFor('REPAIR-OK', AGENCY, '2024-06-02');
    expect(firstError(unfulfilled.body).extensions).toMatchObject({ field: 'input.fulfilledOn', rule: 'DECISION_FULFILLED', earliestEligibleOn: '2024-06-02' });
    const stored = await testHub.database.db
      .selectFrom('repair_requests' as never)
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);
    // Each refusal has its audit entry.
    const audit = await testHub.database.db
      .selectFrom('audit_log')
      .select(['subjects', 'outcome'])
      .where('operation', '=', 'mutation fileRepairRequest')
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([SUBJECT, SUBJECT, REPEATER, SUBJECT].map((uscc) => ({ subjects: [uscc], outcome: 'ERROR:BAD_USER_INPUT' })));
  });

  test('bad input names its field: empty evidence, an impossible date, an unknown record', async () => {
    const empty = await testHub.gqlAs<unknown>(
      FILE,
      { input: { recordId: ids.get('REPAIR-OK'), evidence: '  ', fulfilledOn: '2024-03-01', fulfilmentEvidence: 'x' } },
      AGENCY,
    );
    expect(firstError(empty.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.evidence', rule: 'LENGTH' });
    const date = await testHub.gqlAs<unknown>(
      FILE,
      { input: { recordId: ids.get('REPAIR-OK'), evidence: 'x', fulfilledOn: '2024-02-30', fulfilmentEvidence: 'x' } },
      AGENCY,
    );
    expect(firstError(date.body).extensions.code).toBe('BAD_USER_INPUT');
    const missing = await testHub.gqlAs<unknown>(
      FILE,
      { input: { recordId: '999999', evidence: 'x', fulfilledOn: '2024-03-01', fulfilmentEvidence: 'x' } },
      AGENCY,
    );
    expect(firstError(missing.body).extensions.code).toBe('NOT_FOUND');
  });
});

describe('credit repair: decision', () => {
  test('file → approve: the record is REPAIRED, in the change feed, gone from public queries; the steps are kept', async () => {
    // Another agency files it: one window for every agency's records.
    const filed = await fileFor('REPAIR-OK', OTHER_AGENCY);
    const request = dataOf(filed.body).fileRepairRequest;
    expect(request).toMatchObject({
      status: 'PENDING',
      tier: 'GENERAL',
      agencyCode: 'SH-SAMR',
      uscc: SUBJECT,
      fulfilledOn: '2024-05-01',
      steps: [{ step: 'FILED', actor: 'test-agency-zj', note: null }],
    });
    const again = await fileFor('REPAIR-OK');
    expect(firstError(again.body).extensions.code).toBe('CONFLICT');

    // Only the source agency (or an operator) decides; the refusal is audited as a denial.
    const wrong = await testHub.gqlAs<unknown>(DECIDE, { id: request.id, d: 'APPROVE', n: '同意' }, OTHER_AGENCY);
    expect(firstError(wrong.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_SOURCE_AGENCY' });
    expect(await statusOf('REPAIR-OK')).toBe('ACTIVE');
    const denied = await testHub.database.db
      .selectFrom('audit_log')
      .select(['outcome', 'subjects'])
      .where('operation', 'like', '%decideRepairRequest%')
      .execute();
    expect(denied).toEqual([{ outcome: 'DENIED:NOT_SOURCE_AGENCY', subjects: [SUBJECT] }]);

    const before = await testHub.database.db.selectFrom('records').select('version').where('source_record_id', '=', 'REPAIR-OK').executeTakeFirstOrThrow();
    const approved = await testHub.gqlAs<{ decideRepairRequest: unknown }>(DECIDE, { id: request.id, d: 'APPROVE', n: '已履行, 同意修复' }, AGENCY);
    expect(dataOf(approved.body).decideRepairRequest).toMatchObject({
      status: 'APPROVED',
      record: { id: ids.get('REPAIR-OK'), status: 'REPAIRED' },
      steps: [
        { step: 'FILED', actor: 'test-agency-zj' },
        { step: 'APPROVED', actor: 'test-agency', note: '已履行, 同意修复' },
      ],
    });
    expect(await statusOf('REPAIR-OK')).toBe('REPAIRED');
    const history = await testHub.database.db
      .selectFrom('record_history')
      .select(['seq', 'change', 'old_status', 'new_status', 'changed_by'])
      .where('record_id', '=', Number(ids.get('REPAIR-OK')))
      .orderBy('seq')
      .execute();
    expect(history.at(-1)).toMatchObject({ change: 'STATUS_CHANGED', old_status: 'ACTIVE', new_status: 'REPAIRED', changed_by: `repair:${request.id}` });
    expect(history.at(-1)?.seq).toBeGreaterThan(before.version);

    // In the change feed, with its new status.
    const feed = await testHub.gqlAs<{ changeFeed: { edges: { node: unknown }[] } }>(
      '{ changeFeed(first: 1000) { edges { node { change record { id status } } } } }',
      {},
      ADMIN,
    );
    const last = dataOf(feed.body).changeFeed.edges.at(-1)?.node;
    expect(last).toEqual({ change: 'STATUS_CHANGED', record: { id: ids.get('REPAIR-OK'), status: 'REPAIRED' } });

    // Gone from the public views: a subject's records, records, a record by id, a bank's report.
    const subject = await testHub.gqlAs<{ subject: { records: IdList & { totalCount: number } } }>(
      `query($u: USCC!) { subject(uscc: $u) { records(first: 50) { totalCount edges { node { id } } } } }`,
      { u: SUBJECT },
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    const { records } = dataOf(subject.body).subject;
    expect(records.edges.map((e) => e.node.id)).not.toContain(ids.get('REPAIR-OK'));
    expect(records.totalCount).toBe(3);
    const listed = await testHub.gqlAs<{ records: IdList }>(
      `{ records(first: 100) { edges { node { id } } } }`,
      {},
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    expect(dataOf(listed.body).records.edges.map((e) => e.node.id)).not.toContain(ids.get('REPAIR-OK'));
    const asked = await testHub.gqlAs<{ records: unknown }>(
      `{ records(first: 100, filter: { statuses: [REPAIRED] }) { totalCount edges { node { id } } } }`,
      {},
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    expect(dataOf(asked.body).records).toEqual({ totalCount: 0, edges: [] });
    const byId = await testHub.gqlAs<{ record: unknown }>(
      `query($id: ID!) { record(id: $id) { id } }`,
      { id: ids.get('REPAIR-OK') },
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    expect(dataOf(byId.body).record).toBeNull();
    // Its source agency and operators see it when they ask for it by status.
    for (const caller of [{ client: 'test-agency', purpose: 'SUPERVISION' }, ADMIN]) {
      const own = await testHub.gqlAs<{ records: unknown }>(
        `{ records(first: 100, filter: { statuses: [REPAIRED] }) { totalCount edges { node { id status } } } }`,
        {},
        caller,
      );
      expect(dataOf(own.body).records).toEqual({ totalCount: 1, edges: [{ node: { id: ids.get('REPAIR-OK'), status: 'REPAIRED' } }] });
    }
    await testHub.gqlAs<unknown>(
      `mutation { grantAuthorization(input: { uscc: "${SUBJECT}", clientId: "test-bank", purpose: "LOAN_REVIEW", validUntil: "2025-01-01", evidence: "授权书 1" }) { id } }`,
      {},
      AGENCY,
    );
    const report = await testHub.gqlAs<{ creditReport: { counts: unknown; entries: { documentNo: string }[] } }>(
      `query($u: USCC!) { creditReport(uscc: $u) { counts { kind active total } entries { documentNo } } }`,
      { u: SUBJECT },
      { client: 'test-bank', purpose: 'LOAN_REVIEW' },
    );
    const { creditReport } = dataOf(report.body);
    expect(creditReport.counts).toEqual([{ kind: 'PENALTY', active: 3, total: 3 }]);
    expect(creditReport.entries.map((e) => e.documentNo)).not.toContain('沪罚〔2024〕101号');

    // A decided request is not decided again.
    const twice = await testHub.gqlAs<unknown>(DECIDE, { id: request.id, d: 'REJECT', n: '再议' }, AGENCY);
    expect(firstError(twice.body).extensions.code).toBe('CONFLICT');
  });

  test('reject: the record stays as it was; the request reads back with its history', async () => {
    const filed = await fileFor('REPAIR-REJECT');
    const id = dataOf(filed.body).fileRepairRequest.id;
    const rejected = await testHub.gqlAs<{ decideRepairRequest: unknown }>(DECIDE, { id, d: 'REJECT', n: '证明材料不全' }, ADMIN);
    expect(dataOf(rejected.body).decideRepairRequest).toMatchObject({ status: 'REJECTED', record: { status: 'ACTIVE' } });
    expect(await statusOf('REPAIR-REJECT')).toBe('ACTIVE');
    const read = await testHub.gqlAs<{ repairRequest: unknown }>(
      `query($id: ID!) { repairRequest(id: $id) { status steps { step actor note } } }`,
      { id },
      AGENCY,
    );
    expect(dataOf(read.body).repairRequest).toEqual({
      status: 'REJECTED',
      steps: [
        { step: 'FILED', actor: 'test-agency', note: null },
        { step: 'REJECTED', actor: 'test-admin', note: '证明材料不全' },
      ],
    });
    const list = await testHub.gqlAs<{ repairRequests: { edges: { node: { status: string } }[] } }>(
      `query($u: USCC) { repairRequests(uscc: $u) { edges { node { id status } } } }`,
      { u: SUBJECT },
      AGENCY,
    );
    expect(dataOf(list.body).repairRequests.edges.map((e) => e.node.status)).toEqual(['REJECTED', 'APPROVED']);
    const pending = await testHub.gqlAs<{ repairRequests: IdList }>(`{ repairRequests(status: PENDING) { edges { node { id } } } }`, {}, AGENCY);
    expect(dataOf(pending.body).repairRequests.edges).toEqual([]);
    const audit = await testHub.database.db
      .selectFrom('audit_log')
      .select(['subjects', 'outcome'])
      .where('operation', '=', 'query repairRequest')
      .orderBy('seq', 'desc')
      .limit(1)
      .execute();
    expect(audit).toEqual([{ subjects: [SUBJECT], outcome: 'OK' }]);
  });

  test('banks and partner hubs may not use the repair fields', async () => {
    for (const caller of [
      { client: 'test-bank', purpose: 'LOAN_REVIEW' },
      { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' },
    ]) {
      const response = await testHub.gqlAs<unknown>('{ repairRequests { edges { node { id } } } }', {}, caller);
      expect(firstError(response.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    }
  });
});

describe('credit repair and grading', () => {
  test('an approved repair re-grades the subject from the change log: the penalty stops counting', async () => {
    const grading = { db: testHub.database.db, credit: TEST_CONFIG.credit, clock: () => FIXED_NOW };
    await gradeAllSubjects(grading);
    const gradeOf = () =>
      testHub.database.db.selectFrom('credit_grades').select(['score', 'record_seq']).where('subject_uscc', '=', REGRADED).executeTakeFirstOrThrow();
    const before = await gradeOf();
    const id = dataOf((await fileFor('REGRADE')).body).fileRepairRequest.id;
    expect((await testHub.gqlAs<unknown>(DECIDE, { id, d: 'APPROVE', n: '同意修复' }, AGENCY)).body.errors).toBeUndefined();
    await gradeChangedSubjects(grading);
    const after = await gradeOf();
    expect(Number(after.score)).toBeGreaterThan(Number(before.score));
    expect(after.record_seq).toBeGreaterThan(before.record_seq);
    const history = await testHub.database.db.selectFrom('credit_grade_history').select('cause').where('subject_uscc', '=', REGRADED).orderBy('id').execute();
    expect(history.map((h) => h.cause)).toEqual(['FIRST_GRADE', 'RECORD_CHANGE']);
  });
});

describe('ingestion keeps a status set by repair', () => {
  test('a REPAIRED record re-sent changed stays REPAIRED; the agency revoking it wins', async () => {
    const resend = (fields: Record<string, unknown>) =>
      ingestBatch(testHub.hub.ingestion, {
        agencyCode: 'SH-SAMR',
        source: 'test',
        records: [
          penaltyRecord({ ...subjectFields(SUBJECT, '上海修复示例有限公司'), CF_JDRQ: '2024-02-01', CF_WSH: '沪罚〔2024〕101号', ...fields }, 'REPAIR-OK'),
        ],
      });
    expect((await resend({})).unchanged).toBe(1);
    expect(await statusOf('REPAIR-OK')).toBe('REPAIRED');
    expect((await resend({ CF_NR: '罚款人民币5万元（更正）' })).updated).toBe(1);
    expect(await statusOf('REPAIR-OK')).toBe('REPAIRED');
    expect((await resend({ CF_ZT: '2' })).updated).toBe(1);
    expect(await statusOf('REPAIR-OK')).toBe('REVOKED');
  });
});

describe('credit repair: who files, who sees', () => {
  test('a client that cannot read the record gets NOT_FOUND as for no record, revealing nothing; nothing is stored', async () => {
    const hidden = await fileFor('REPAIR-TEXT', RESTRICTED);
    const missing = await testHub.gqlAs<unknown>(
      FILE,
      { input: { recordId: '999999', evidence: 'x', fulfilledOn: '2024-03-01', fulfilmentEvidence: 'x' } },
      RESTRICTED,
    );
    expect(firstError(hidden.body)).toMatchObject({ message: `input.recordId: no record ${ids.get('REPAIR-TEXT')}`, extensions: { code: 'NOT_FOUND' } });
    expect(firstError(missing.body)).toMatchObject({ message: 'input.recordId: no record 999999', extensions: { code: 'NOT_FOUND' } });
    // An ineligible record it cannot read is NOT_FOUND too: no rule, status or date of it.
    const never = await fileFor('REPAIR-NEVER', RESTRICTED);
    expect(firstError(never.body).extensions).toEqual({ code: 'NOT_FOUND' });
    const stored = await testHub.database.db
      .selectFrom('repair_requests' as never)
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('record_id' as never, '=', Number(ids.get('REPAIR-TEXT')) as never)
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);
  });

  test('a repeat the client cannot read bars repair without being named', async () => {
    const refused = await fileFor('ZJ-FIRST', RESTRICTED);
    expect(firstError(refused.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.recordId', rule: 'NO_REPEAT' });
    expect(firstError(refused.body).extensions).not.toHaveProperty('repeatRecordId');
    expect(firstError(refused.body).message).toContain('another record of the same subject');
    // An agency that can read the repeat is told which record it is.
    const named = await fileFor('ZJ-FIRST', OTHER_AGENCY);
    expect(firstError(named.body).extensions).toMatchObject({ rule: 'NO_REPEAT', repeatRecordId: ids.get('SH-REPEAT') });
  });

  test('an identity number in evidence or fulfilment evidence is refused, masked; a USCC is not', async () => {
    const input = { recordId: ids.get('REPAIR-TEXT'), evidence: '已整改', fulfilledOn: '2024-05-01', fulfilmentEvidence: '缴款书 2024-0002' };
    for (const field of ['evidence', 'fulfilmentEvidence'] as const) {
      const refused = await testHub.gqlAs<unknown>(FILE, { input: { ...input, [field]: `法定代表人身份证 ${IDENTITY_NUMBER} 已到场` } }, AGENCY);
      expect(firstError(refused.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: `input.${field}`, rule: 'IDENTITY_NUMBER_IN_TEXT' });
      expect(firstError(refused.body).message).toContain('1101**********002X');
      expect(JSON.stringify(refused.body)).not.toContain(IDENTITY_NUMBER);
    }
    const withUscc = await testHub.gqlAs<unknown>(FILE, { input: { ...input, evidence: `当事人 ${TEXT_SUBJECT} 已缴清罚款` } }, AGENCY);
    expect(withUscc.body.errors).toBeUndefined();
    const audit = await testHub.database.db.selectFrom('audit_log').select('entry').where('operation', '=', 'mutation fileRepairRequest').execute();
    expect(JSON.stringify(audit)).not.toContain(IDENTITY_NUMBER);
  });

  test('a bad record id names input.recordId', async () => {
    const bad = await testHub.gqlAs<unknown>(FILE, { input: { recordId: 'abc', evidence: 'x', fulfilledOn: '2024-03-01', fulfilmentEvidence: 'x' } }, AGENCY);
    expect(firstError(bad.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.recordId', rule: 'ID' });
  });

  test('agencies see only their own cases (filed by them or on their records); operators see all', async () => {
    type Case = { id: string; recordId: string; filedBy: string; agencyCode: string };
    const listed = async (caller: { client: string; purpose: string }) =>
      dataOf(
        (
          await testHub.gqlAs<{ repairRequests: { edges: { node: Case }[] } }>(
            '{ repairRequests(first: 100) { edges { node { id recordId filedBy agencyCode } } } }',
            {},
            caller,
          )
        ).body,
      ).repairRequests.edges.map((e) => e.node);
    const all = await listed(ADMIN);
    expect(all.length).toBeGreaterThanOrEqual(4);
    // SH-SAMR: every case is on its records.
    expect((await listed(AGENCY)).length).toBe(all.length);
    // ZJ-TAX (through either of its clients): only the request its client filed.
    for (const caller of [OTHER_AGENCY, RESTRICTED]) expect((await listed(caller)).map((c) => c.recordId)).toEqual([ids.get('REPAIR-OK')]);
    const foreign = defined(
      all.find((c) => c.filedBy === 'test-agency'),
      'a case filed by test-agency',
    );
    const one = await testHub.gqlAs<{ repairRequest: unknown }>('query($id: ID!) { repairRequest(id: $id) { id } }', { id: foreign.id }, OTHER_AGENCY);
    expect(dataOf(one.body).repairRequest).toBeNull();
    expect(
      dataOf((await testHub.gqlAs<{ repairRequest: unknown }>('query($id: ID!) { repairRequest(id: $id) { id } }', { id: foreign.id }, AGENCY)).body)
        .repairRequest,
    ).toEqual({
      id: foreign.id,
    });
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Migrator, sql } from 'kysely';
import { hubConfigSchema } from '../../server/hub-config.js';
import { agencyAuthorities } from '../../ingestion/fact-authority.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { openDatabase } from '../../store/database.js';
import * as initial from '../../store/migrations/0001-initial.js';
import * as subjectAuthority from '../../store/migrations/0006-subject-authority.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';
import { dataOf, defined, type GraphQLBody } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { TEST_AGENCIES } from '../support/ingestion.js';
import { AUTHORITY_USCC, authorityUscc, enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

let testHub: TestHub;
const [SH_SAMR, ZJ_TAX] = TEST_AGENCIES as [(typeof TEST_AGENCIES)[number], (typeof TEST_AGENCIES)[number]];
/** An authority neither test agency represents or publishes for (a Jiangsu bureau). */
const STRANGER = authorityUscc('320000', 9);
const PUDONG = enterpriseUscc('310115', 1);
const REGISTERED_NAME = '上海浦东示例科技有限公司';

const SUBMIT = `mutation($a: String!, $r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: $a, records: $r) {
  inserted rejected results { index outcome reasons { field rule value message } } } }`;
const SUBJECT = `query($u: USCC!) { subject(uscc: $u) { name records(first: 50) { edges { node { sourceRecordId agency { code } party { name } } } } } }`;
const REPORT = 'query($u: USCC!) { creditReport(uscc: $u) { name entries { kind agencyCode } } }';
const GRANT = 'mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { id grantedBy evidence } }';
const REVOKE = 'mutation($id: ID!) { revokeAuthorization(id: $id) { id revokedAt } }';

/** What the queries above answer, as far as the tests read it. */
interface SubmitData {
  submitRecords: { inserted: number; rejected: number; results: { index: number; outcome: string }[] };
}
interface SubjectData {
  subject: { name: string; records: { edges: { node: { sourceRecordId: string; party: { name: string } } }[] } };
}
interface ReportData {
  creditReport: { name: string };
}
interface GrantData {
  grantAuthorization: { id: string };
}
interface RevokeData {
  revokeAuthorization: { revokedAt: string | null };
}

const asZjTax = <T = unknown>(query: string, variables: Record<string, unknown>, purpose = 'DATA_SUBMISSION') =>
  testHub.gqlAs<T>(query, variables, { client: 'test-agency-zj', purpose });
const asShSamr = <T = unknown>(query: string, variables: Record<string, unknown>, purpose = 'DATA_SUBMISSION') =>
  testHub.gqlAs<T>(query, variables, { client: 'test-agency', purpose });
const asBank = <T = unknown>(query: string, variables: Record<string, unknown>) =>
  testHub.gqlAs<T>(query, variables, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
const errorOf = (response: { body: GraphQLBody<unknown> }) => response.body.errors?.[0];

/** A black-list entry (严重失信主体名单) for `uscc`, decided by `authority`. */
function blackListRecord(uscc: string, name: string, authority: string, sourceRecordId: string): IncomingRecord {
  return {
    kind: 'BLACK_LIST',
    sourceRecordId,
    fields: {
      MD_XDR_MC: name,
      MD_XDR_LB: '02',
      MD_XDR_SHXYM: uscc,
      MD_FRDB: '张三',
      MD_MDMC: '重大税收违法失信主体',
      MD_LRYY: '虚开增值税专用发票',
      MD_YJ: '《重大税收违法失信主体信息公布管理办法》第六条',
      MD_WSH: `浙税稽〔2024〕${sourceRecordId}号`,
      MD_LRRQ: '2024-04-01',
      MD_LRJG: '国家税务总局浙江省税务局',
      MD_LRJGDM: authority,
      MD_LYDW: '国家税务总局浙江省税务局',
      MD_LYDWDM: authority,
    },
  };
}
const submitted = ({ kind, sourceRecordId, fields }: IncomingRecord) => ({ kind, sourceRecordId, fields });

async function subjectName(uscc: string): Promise<string> {
  return dataOf((await testHub.gqlAs<SubjectData>(SUBJECT, { u: uscc })).body).subject.name;
}

beforeAll(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({ CF_CFJGDM: SH_SAMR.uscc }, 'SH-1')] });
  const granted = await testHub.gqlAs<GrantData>(GRANT, {
    i: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001' },
  });
  expect(granted.body.errors).toBeUndefined();
});
afterAll(async () => testHub.close());

describe('a subject’s registered name comes from its registration authority', () => {
  test('an agency of another province publishing about a subject keeps its spelling on its record, without renaming the subject', async () => {
    const pushed = await asZjTax<SubmitData>(SUBMIT, {
      a: 'ZJ-TAX',
      r: [submitted(blackListRecord(PUDONG, '浦东示例科技更名有限公司', ZJ_TAX.uscc, 'ZJ-BL-1'))],
    });
    expect(dataOf(pushed.body).submitRecords).toMatchObject({ inserted: 1, rejected: 0 });

    const { subject } = dataOf((await testHub.gqlAs<SubjectData>(SUBJECT, { u: PUDONG })).body);
    expect(subject.name).toBe(REGISTERED_NAME);
    const parties = Object.fromEntries(subject.records.edges.map((e) => [e.node.sourceRecordId, e.node.party.name]));
    expect(parties).toEqual({ 'SH-1': REGISTERED_NAME, 'ZJ-BL-1': '浦东示例科技更名有限公司' });

    const report = await asBank<ReportData>(REPORT, { u: PUDONG });
    expect(dataOf(report.body).creditReport).toMatchObject({
      name: REGISTERED_NAME,
      entries: expect.arrayContaining([{ kind: 'BLACK_LIST', agencyCode: 'ZJ-TAX' }]),
    });
  });

  test('the registration authority renames it, on the subject and on the bank’s credit report', async () => {
    const renamed = '上海浦东新示例科技有限公司';
    const pushed = await asShSamr<SubmitData>(SUBMIT, {
      a: 'SH-SAMR',
      r: [submitted(penaltyRecord({ CF_XDR_MC: renamed, CF_CFJGDM: SH_SAMR.uscc, CF_WSH: '沪市监浦处〔2024〕2号' }, 'SH-2'))],
    });
    expect(dataOf(pushed.body).submitRecords).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await subjectName(PUDONG)).toBe(renamed);
    expect(dataOf((await asBank<ReportData>(REPORT, { u: PUDONG })).body).creditReport.name).toBe(renamed);
  });

  test('the registration authority takes over a name another agency set first; among other agencies the first keeps it', async () => {
    const minhang = enterpriseUscc('310112', 7);
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: minhang, CF_XDR_MC: '闵行税务拼写有限公司', CF_WSH: '浙税罚〔2024〕7号' }, 'ZJ-7')],
    });
    expect(await subjectName(minhang)).toBe('闵行税务拼写有限公司');
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: minhang, CF_XDR_MC: '上海闵行示例有限公司', CF_WSH: '沪市监闵处〔2024〕7号' }, 'SH-7')],
    });
    expect(await subjectName(minhang)).toBe('上海闵行示例有限公司');
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: minhang, CF_XDR_MC: '闵行税务又一拼写有限公司', CF_WSH: '浙税罚〔2024〕8号' }, 'ZJ-8')],
    });
    expect(await subjectName(minhang)).toBe('上海闵行示例有限公司');

    // A Jiangsu subject: neither test agency registers it, so the first to publish keeps the name,
    // and only that agency changes it.
    const suzhou = enterpriseUscc('320505', 8);
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: suzhou, CF_XDR_MC: '苏州甲有限公司', CF_WSH: '浙税罚〔2024〕9号' }, 'ZJ-9')],
    });
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: suzhou, CF_XDR_MC: '苏州乙有限公司', CF_WSH: '沪市监处〔2024〕9号' }, 'SH-9')],
    });
    expect(await subjectName(suzhou)).toBe('苏州甲有限公司');
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: suzhou, CF_XDR_MC: '苏州丙有限公司', CF_WSH: '浙税罚〔2024〕9号' }, 'ZJ-9')],
    });
    expect(await subjectName(suzhou)).toBe('苏州丙有限公司');
  });
});

describe('an agency’s record states only its own decisions', () => {
  test('a pushed record decided by an authority the agency does not represent is quarantined NOT_OWN_AUTHORITY', async () => {
    const pushed = await asZjTax<SubmitData>(SUBMIT, {
      a: 'ZJ-TAX',
      r: [submitted(blackListRecord(PUDONG, '假冒决定有限公司', STRANGER, 'ZJ-BL-2')), submitted(blackListRecord(PUDONG, '浦东示例', ZJ_TAX.uscc, 'ZJ-BL-3'))],
    });
    const result = dataOf(pushed.body).submitRecords;
    expect(result).toMatchObject({ inserted: 1, rejected: 1 });
    expect(result.results[0]).toEqual({
      index: 0,
      outcome: 'REJECTED',
      reasons: [{ field: 'MD_LRJGDM', rule: 'NOT_OWN_AUTHORITY', value: STRANGER, message: expect.stringContaining('agency ZJ-TAX') }],
    });
    expect(result.results[1]?.outcome).toBe('INSERTED');
    const quarantine = await asZjTax<{ quarantine: { edges: { node: unknown }[] } }>(
      '{ quarantine(agencyCode: "ZJ-TAX") { edges { node { sourceRecordId reasons { field rule value } } } } }',
      {},
    );
    expect(dataOf(quarantine.body).quarantine.edges.map((e) => e.node)).toContainEqual({
      sourceRecordId: 'ZJ-BL-2',
      reasons: [{ field: 'MD_LRJGDM', rule: 'NOT_OWN_AUTHORITY', value: STRANGER }],
    });
    const records = dataOf((await testHub.gqlAs<SubjectData>(SUBJECT, { u: PUDONG })).body).subject.records.edges.map((e) => e.node.sourceRecordId);
    expect(records).not.toContain('ZJ-BL-2');
  });

  test('every path: a batch from a connector is checked the same way, for every kind', async () => {
    const counts = await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [
        penaltyRecord({ CF_CFJGDM: STRANGER, CF_WSH: '沪罚〔2024〕X1号' }, 'X-1'),
        permitRecord({ XK_XKJGDM: STRANGER }, 'X-2'),
        permitRecord({ XK_XKJGDM: SH_SAMR.uscc }, 'X-3'),
      ],
    });
    expect(counts).toMatchObject({ inserted: 1, rejected: 2 });
    const rows = await testHub.database.db
      .selectFrom('quarantine')
      .select(['source_record_id', 'reasons'])
      .where('source_record_id', 'in', ['X-1', 'X-2'])
      .orderBy('source_record_id')
      .execute();
    expect(rows.map((r) => [r.source_record_id, (r.reasons as { field: string; rule: string }[]).map((reason) => `${reason.field} ${reason.rule}`)])).toEqual([
      ['X-1', ['CF_CFJGDM NOT_OWN_AUTHORITY']],
      ['X-2', ['XK_XKJGDM NOT_OWN_AUTHORITY']],
    ]);
  });

  test('publishesFor lets an agency publish the decisions of the authorities it names, and only those', async () => {
    const record = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('330106', 4), CF_WSH: '浙税罚〔2024〕P1号' }, 'PF-1');
    // AUTHORITY_USCC is not ZJ-TAX's own code; its configuration publishes for it.
    expect(AUTHORITY_USCC).not.toBe(ZJ_TAX.uscc);
    expect(await ingestBatch(testHub.hub.ingestion, { agencyCode: 'ZJ-TAX', source: 'test', records: [record] })).toMatchObject({ inserted: 1, rejected: 0 });

    const config = hubConfigSchema.parse({
      hub: { id: 'hub-test', region: '310000' },
      agencies: TEST_CONFIG.agencies.map((a) => (a.code === 'ZJ-TAX' ? { ...a, publishesFor: [STRANGER] } : a)),
    });
    const deps = { ...testHub.hub.ingestion, agencies: agencyAuthorities(config.agencies) };
    const moved = await ingestBatch(deps, {
      agencyCode: 'ZJ-TAX',
      source: 'test',
      records: [
        penaltyRecord({ ...record.fields, CF_WSH: '浙税罚〔2024〕P2号' }, 'PF-2'),
        penaltyRecord({ ...record.fields, CF_CFJGDM: STRANGER, CF_WSH: '浙税罚〔2024〕P3号' }, 'PF-3'),
      ],
    });
    expect(moved).toMatchObject({ inserted: 1, rejected: 1 });
    const refused = await testHub.database.db
      .selectFrom('quarantine')
      .select('source_record_id')
      .where('agency_code', '=', 'ZJ-TAX')
      .where('source_record_id', '=', 'PF-2')
      .execute();
    expect(refused).toHaveLength(1);
  });

  test('an operator cannot release a record that is not the agency’s own decision', async () => {
    const pilot = '91350100M000100Y44';
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: pilot, CF_CFJGDM: STRANGER, CF_WSH: '沪罚〔2024〕R1号' }, 'R-1')],
    });
    const entry = await testHub.database.db.selectFrom('quarantine').select('id').where('source_record_id', '=', 'R-1').executeTakeFirstOrThrow();
    const released = await testHub.gql('mutation($id: ID!) { releaseQuarantinedRecord(id: $id, justification: "试点期间核发代码") { status } }', {
      id: String(entry.id),
    });
    expect(errorOf(released)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('CF_CFJGDM names authority') });
  });

  test('the configuration requires each agency’s own USCC, with a valid check digit', () => {
    const agency = { code: 'SH-SAMR', name: 'x', region: '310000' };
    const problems = (agencies: unknown[]) =>
      hubConfigSchema.safeParse({ hub: { id: 'hub-test', region: '310000' }, agencies }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems([agency])).toEqual([expect.stringMatching(/^agencies\.0\.uscc: /)]);
    expect(problems([{ ...agency, uscc: `${SH_SAMR.uscc.slice(0, 17)}0` }])).toEqual([
      expect.stringMatching(/^agencies\.0\.uscc: must be a 统一社会信用代码 \(USCC_CHECKSUM/),
    ]);
    expect(problems([{ ...agency, uscc: SH_SAMR.uscc, publishesFor: ['nope'] }])).toEqual([
      expect.stringMatching(/^agencies\.0\.publishesFor\.0: must be a 统一社会信用代码 \(USCC_FORMAT/),
    ]);
  });
});

describe('authorisations', () => {
  const input = { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0002' };

  test('evidence is required: a grant without it does not validate; blank or over 500 characters is BAD_USER_INPUT', async () => {
    const withoutEvidence = `mutation { grantAuthorization(input: { uscc: "${PUDONG}", clientId: "test-bank", purpose: "LOAN_REVIEW", validUntil: "2024-12-31" }) { id } }`;
    expect(errorOf(await asShSamr(withoutEvidence, {}, 'SUPERVISION'))).toMatchObject({
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      message: expect.stringContaining('evidence'),
    });
    expect(errorOf(await asShSamr(GRANT, { i: { ...input, evidence: '   ' } }, 'SUPERVISION'))).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('evidence: must be 1 to 500 characters'),
    });
    expect(errorOf(await asShSamr(GRANT, { i: { ...input, evidence: '证'.repeat(501) } }, 'SUPERVISION'))?.extensions.code).toBe('BAD_USER_INPUT');
  });

  test('only the client that recorded an authorisation, or an operator, revokes it; a refusal is audited', async () => {
    const granted = await asShSamr<GrantData>(GRANT, { i: input }, 'SUPERVISION');
    expect(dataOf(granted.body).grantAuthorization).toMatchObject({ grantedBy: 'test-agency', evidence: '授权书 2024-0002' });
    const { id } = dataOf(granted.body).grantAuthorization;

    const refused = await asZjTax(REVOKE, { id }, 'SUPERVISION');
    expect(errorOf(refused)).toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'NOT_GRANTOR' },
      message: expect.stringContaining('recorded by client test-agency'),
    });
    const seq = defined(refused.body.extensions?.auditEntries?.[0], 'the refusal’s audit entry');
    const entry = await testHub.database.db
      .selectFrom('audit_log')
      .select(['client_id', 'operation', 'outcome'])
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ client_id: 'test-agency-zj', operation: 'mutation revokeAuthorization', outcome: 'DENIED:NOT_GRANTOR' });
    const stillInForce = await testHub.database.db.selectFrom('authorizations').select('revoked_at').where('id', '=', Number(id)).executeTakeFirstOrThrow();
    expect(stillInForce.revoked_at).toBeNull();

    const revoked = await asShSamr<RevokeData>(REVOKE, { id }, 'SUPERVISION');
    expect(dataOf(revoked.body).revokeAuthorization.revokedAt).not.toBeNull();

    const another = await asShSamr<GrantData>(GRANT, { i: input }, 'SUPERVISION');
    const byOperator = await testHub.gqlAs<RevokeData>(REVOKE, { id: dataOf(another.body).grantAuthorization.id });
    expect(dataOf(byOperator.body).revokeAuthorization.revokedAt).not.toBeNull();
  });
});

describe('migration 0006 on subjects named before it', () => {
  test('credits each subject’s name to the agency of its latest record, at an ordinary agency’s rank', async () => {
    const empty = TEST_ENGINE === 'postgres' ? await createEmptyServerDatabase() : undefined;
    const database = await openDatabase(empty ? { engine: 'postgres', url: empty.url, poolSize: 2 } : { engine: 'pglite' });
    try {
      const migrator = new Migrator({
        db: database.db,
        provider: { getMigrations: () => Promise.resolve({ '0001-initial': initial, '0006-subject-authority': subjectAuthority }) },
      });
      expect((await migrator.migrateTo('0001-initial')).error).toBeUndefined();
      await sql`insert into agencies (code, name, region, hub) values ('A', 'a', '310000', 'h'), ('B', 'b', '330000', 'h')`.execute(database.db);
      await sql`insert into subjects (uscc, name, category, division_code, region) values (${PUDONG}, '乙拼写', '02', '310115', '310000'), ('UNSEEN', '无记录', '02', '310115', '310000')`.execute(
        database.db,
      );
      for (const [agency, version] of [
        ['A', 1],
        ['B', 2],
      ] as const) {
        await sql`insert into records (agency_code, source_record_id, kind, subject_uscc, subject_name, subject_category, status, event_date, fields, content_hash, origin_region, origin_hub, version)
          values (${agency}, 'R', 'PENALTY', ${PUDONG}, 'x', '02', 'ACTIVE', '2024-01-01', '{}'::jsonb, 'h', '310000', 'h', ${version})`.execute(database.db);
      }
      expect((await migrator.migrateTo('0006-subject-authority')).error).toBeUndefined();
      const subjects = await database.db.selectFrom('subjects').select(['uscc', 'name_agency', 'name_rank']).orderBy('uscc').execute();
      expect(subjects).toEqual([
        { uscc: PUDONG, name_agency: 'B', name_rank: 1 },
        { uscc: 'UNSEEN', name_agency: null, name_rank: 0 },
      ]);
    } finally {
      await database.close();
      await empty?.drop();
    }
  });
});

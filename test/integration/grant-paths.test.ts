import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { isAdmin, type Principal } from '../../access/clients.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { denialReason, ROOT_FIELD_RULES } from '../../schema/policy.js';
import { createSchema } from '../../schema/index.js';
import { TEST_CLIENTS } from '../support/clients.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

/**
 * Walks every path of the schema from every root field a client type may use — every field of every
 * object type reached, to a depth past the longest cycle (change feed → record → subject → records →
 * record) — and checks what comes back against the client's grant: partner hubs see records of their
 * regions only, banks no record or subject at all, agencies only their own agency's logs, and nobody an
 * identity number.
 */

const PUDONG = enterpriseUscc('310115', 1);
const HANGZHOU = enterpriseUscc('330106', 3);
const ID_NUMBER = '11010519491231002X';
const schema = createSchema();
const MAX_DEPTH = 9;

/** Arguments for root fields that need some, per client. */
function rootArguments(client: { agency?: string | undefined }): Record<string, string> {
  const agency = client.agency ?? 'SH-SAMR';
  return {
    subject: `(uscc: "${HANGZHOU}")`,
    subjects: '(nameContains: "示例", first: 5)',
    record: '(id: "1")',
    records: '(first: 5)',
    quarantine: `(agencyCode: "${agency}")`,
    ingestionBatches: `(agencyCode: "${agency}")`,
    connectorRuns: `(agencyCode: "${agency}")`,
    connectors: `(agencyCode: "${agency}")`,
    creditReport: `(uscc: "${PUDONG}")`,
    authorizations: `(uscc: "${PUDONG}")`,
    changeFeed: '(first: 10)',
    subjectAccessLog: `(uscc: "${PUDONG}")`,
    personAccessLog: `(idNumber: "${ID_NUMBER}")`,
    auditProof: '(seq: 0)',
    inspectionDraw: '(id: "SJCC-2024-000001")',
    evaluation: `(uscc: "${PUDONG}")`,
    supervision: `(uscc: "${PUDONG}")`,
    measuresFor: `(uscc: "${HANGZHOU}")`,
    checkMeasure: `(uscc: "${HANGZHOU}", measure: "FISCAL_FUNDS_LIMIT")`,
    evaluateModel: '(version: "2026.1")',
    repairRequest: '(id: "1")',
    objection: '(id: "1")',
  };
}

/** Every field of `type`, objects expanded to `depth`; fields with required arguments are skipped below the root, lists read 3 at a time. */
function selectionOf(type: GraphQLObjectType, depth: number): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => arg.type.toString().endsWith('!'))) continue;
    const named = getNamedType(field.type);
    // Small nested pages: the walk is about which paths exist, not how many rows each returns.
    const page = field.args.some((arg) => arg.name === 'first') ? '(first: 3)' : '';
    if (!isObjectType(named)) parts.push(field.name);
    else if (depth > 1) parts.push(`${field.name}${page} { ${selectionOf(named, depth - 1)} }`);
  }
  return parts.join(' ');
}

function rootQuery(field: string, args: string): string {
  const type = getNamedType(schema.getQueryType()?.getFields()[field]?.type);
  return isObjectType(type) ? `{ ${field}${args} { ${selectionOf(type, MAX_DEPTH)} } }` : `{ ${field}${args} }`;
}

/** Every object in a response, with its path. */
function objectsIn(value: unknown, path = '$'): { path: string; object: Record<string, unknown> }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectsIn(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  return [{ path, object }, ...Object.entries(object).flatMap(([key, child]) => objectsIn(child, `${path}.${key}`))];
}

const WALKERS = [
  { client: TEST_CLIENTS.partner.config, purpose: 'MUTUAL_RECOGNITION' },
  { client: TEST_CLIENTS.bank.config, purpose: 'LOAN_REVIEW' },
  { client: TEST_CLIENTS.agency.config, purpose: 'SUPERVISION' },
  { client: TEST_CLIENTS.admin.config, purpose: 'OPERATIONS' },
] as const;

let testHub: TestHub;
/** The responses of every walk, by client id. */
const walks = new Map<string, { root: string; body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } }[]>();

function principalOf(client: (typeof WALKERS)[number]['client']): Principal {
  const scopes = new Set(
    client.type === 'AGENCY'
      ? ['records:read', `records:write:${client.agency ?? ''}`, 'authorizations:write', 'audit:subject', 'credit:read', 'inspections:draw', 'repair:write']
      : { BANK: ['credit:report'], PARTNER_HUB: ['sync:feed'], ADMIN: ['admin'] }[client.type],
  );
  return {
    clientId: client.id,
    clientType: client.type,
    scopes,
    regions: client.regions,
    agencyCode: client.agency ?? null,
    tokenId: 'walk',
  };
}

beforeAll(async () => {
  // Generous limits: the walk selects every field, far more than an honest request.
  const inspectors = [1, 2].map((n) => ({ id: `SH-${n}`, name: `检查员${n}`, agency: 'SH-SAMR', conflicts: [] }));
  testHub = await startTestHub({
    ...TEST_CONFIG,
    inspections: { ...TEST_CONFIG.inspections, inspectors },
    limits: { ...TEST_CONFIG.limits, maxQueryDepth: 40, maxQueryCost: 100_000_000, maxTokens: 100_000, maxAliases: 1000, maxResponseBytes: 256 * 1024 * 1024 },
    // And rates: walking every field of a list of measures down to their records' subjects' records is priced in millions.
    auth: { ...TEST_CONFIG.auth, defaultClientRequestsPerMinute: 10_000_000 },
  });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [
      penaltyRecord({ CF_FR_ZJLX: '身份证', CF_FR_ZJHM: ID_NUMBER }, 'P-1'),
      permitRecord({}, 'L-1'),
      // Repaired below: out of every default view, its request walked by agencies and operators.
      penaltyRecord({ CF_WSH: '沪市监处〔2024〕11号', CF_WFXW: '未按规定公示信息', CF_JDRQ: '2024-01-10' }, 'P-REPAIRED'),
      // A Shanghai agency's record about a Hangzhou enterprise: origin 310000.
      penaltyRecord({ CF_XDR_MC: '杭州西湖示例科技有限公司', CF_XDR_SHXYM: HANGZHOU, CF_WSH: '沪市监处〔2024〕9号' }, 'P-HZ'),
      penaltyRecord(
        {
          CF_XDR_MC: '李四',
          CF_XDR_LB: '自然人',
          CF_XDR_SHXYM: '',
          CF_FRDB: '',
          CF_XDR_ZJLX: '身份证',
          CF_XDR_ZJHM: ID_NUMBER,
          CF_WSH: '沪市监处〔2024〕10号',
        },
        'P-PERSON',
      ),
      { kind: 'PENALTY', sourceRecordId: 'BAD', fields: { CF_WSH: 'x' } },
    ],
  });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'ZJ-TAX',
    source: 'test',
    // ZJ-1 revokes a permit: the procurement ban applies, so the walk reaches a measure's records.
    records: [1, 2].map((n) =>
      penaltyRecord(
        { CF_XDR_MC: '杭州西湖示例科技有限公司', CF_XDR_SHXYM: HANGZHOU, CF_WSH: `浙税罚〔2024〕${n}号`, ...(n === 1 ? { CF_CFLB: '罚款,吊销许可证件' } : {}) },
        `ZJ-${n}`,
      ),
    ),
  });
  // Graded, so evaluation → contributions → records and the measures' records are walked too.
  await gradeAllSubjects({ db: testHub.database.db, credit: TEST_CONFIG.credit, clock: () => FIXED_NOW });
  // A published draw (SJCC-2024-000001) over the Shanghai and Hangzhou subjects, executed, so every client walks its targets.
  // Committed by the agency with an operator's value, so the operator (admin) enters the seed.
  await testHub.gql(
    'mutation { commitInspectionDraw(agencyCode: "SH-SAMR", input: { regions: ["310000", "330000"], randomnessReference: "walk" }) { id } }',
    {},
    { client: 'test-agency', purpose: 'SUPERVISION' },
  );
  await testHub.gql('mutation { executeInspectionDraw(id: "SJCC-2024-000001", seed: "walk") { id } }');
  // A repair request approved (record REPAIRED) and an open objection (record DISPUTED), both with steps.
  const idOf = async (source: string) =>
    String((await testHub.database.db.selectFrom('records').select('id').where('source_record_id', '=', source).executeTakeFirstOrThrow()).id);
  await testHub.gql(
    'mutation($r: ID!) { fileRepairRequest(input: { recordId: $r, evidence: "已整改", fulfilledOn: "2024-02-01", fulfilmentEvidence: "缴款书" }) { id } }',
    { r: await idOf('P-REPAIRED') },
  );
  await testHub.gql('mutation { decideRepairRequest(id: "1", decision: APPROVE, note: "同意") { id } }');
  await testHub.gql('mutation($r: ID!) { fileObjection(recordId: $r, reason: "许可已变更") { id } }', { r: await idOf('L-1') });
  await testHub.gql('mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { id } }', {
    input: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001' },
  });
  for (const { client, purpose } of WALKERS) {
    const principal = principalOf(client);
    const args = rootArguments(client);
    const roots = Object.keys(schema.getQueryType()?.getFields() ?? {}).filter((field) => {
      const rule = ROOT_FIELD_RULES[`Query.${field}`];
      return rule !== undefined && !denialReason(rule, principal, { agencyCode: client.agency ?? 'SH-SAMR' });
    });
    const results = [];
    for (const root of roots) {
      const response = await testHub.gql(rootQuery(root, args[root] ?? ''), {}, { client: client.id, purpose });
      results.push({ root, body: response.body as { data?: unknown; errors?: { extensions?: { code?: string } }[] } });
    }
    walks.set(client.id, results);
  }
}, 120_000);
afterAll(async () => testHub.close());

describe('every path from every root field a client may use stays within its grant', () => {
  test('no walk fails inside the hub, and none returns an identity number', () => {
    for (const { client } of WALKERS) {
      for (const { root, body } of walks.get(client.id) ?? []) {
        expect({ client: client.id, root, codes: (body.errors ?? []).map((e) => e.extensions?.code) }).not.toMatchObject({
          codes: expect.arrayContaining(['INTERNAL_SERVER_ERROR']),
        });
        expect(JSON.stringify(body)).not.toContain(ID_NUMBER);
      }
    }
  });

  test('a partner hub limited to 330000 reads records of 330000 only, even through change feed → record → subject → records', () => {
    const records = (walks.get('test-partner') ?? []).flatMap(({ body }) => objectsIn(body.data)).filter(({ object }) => object['__typename'] === 'Record');
    expect(records.length).toBeGreaterThan(0);
    // The walk did reach a subject's records: the nested path is covered, not just the root.
    expect(records.some(({ path }) => /\.subject\.records\.edges/.test(path))).toBe(true);
    // Records at the walk's depth limit carry scalars only; their region is checked one level up.
    const outside = records.filter(({ object }) => object['originRegion'] && (object['originRegion'] as { code?: string }).code !== '330000');
    expect(outside.map(({ path }) => path)).toEqual([]);
    const counts = (walks.get('test-partner') ?? [])
      .flatMap(({ body }) => objectsIn(body.data))
      .filter(({ object }) => object['__typename'] === 'RecordConnection');
    // Three records of the Hangzhou subject exist, one of them from Shanghai: its count says 2.
    expect(counts.every(({ object }) => object['totalCount'] === 2)).toBe(true);
  });

  test('a bank reaches no record and no subject, only its report', () => {
    const objects = (walks.get('test-bank') ?? []).flatMap(({ body }) => objectsIn(body.data));
    expect(objects.filter(({ object }) => ['Record', 'Subject', 'Party', 'StandardField'].includes(String(object['__typename'])))).toEqual([]);
    expect(objects.some(({ object }) => object['__typename'] === 'CreditReport')).toBe(true);
  });

  test("an agency reads only its own agency's quarantine, batches and connector runs", () => {
    const objects = (walks.get('test-agency') ?? []).flatMap(({ body }) => objectsIn(body.data));
    const logs = objects.filter(({ object }) => ['QuarantineEntry', 'IngestionBatch', 'ConnectorRun'].includes(String(object['__typename'])));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter(({ object }) => object['agencyCode'] !== 'SH-SAMR')).toEqual([]);
  });

  test('the credit fields are walked for agencies and operators (records reached through grades and measures), for banks and partner hubs not at all', () => {
    const CREDIT_ROOTS = ['evaluation', 'supervision', 'measuresFor', 'checkMeasure', 'gradeDistribution'];
    const rootsOf = (clientId: string) => (walks.get(clientId) ?? []).map(({ root }) => root);
    expect(rootsOf('test-agency')).toEqual(expect.arrayContaining(CREDIT_ROOTS));
    expect(rootsOf('test-admin')).toEqual(expect.arrayContaining([...CREDIT_ROOTS, 'evaluateModel']));
    for (const clientId of ['test-bank', 'test-partner'])
      expect(rootsOf(clientId).filter((root) => [...CREDIT_ROOTS, 'evaluateModel'].includes(root))).toEqual([]);
    const viaGrades = (walks.get('test-agency') ?? [])
      .filter(({ root }) => root === 'evaluation' || root === 'measuresFor')
      .flatMap(({ body }) => objectsIn(body.data))
      .filter(({ object }) => object['__typename'] === 'Record');
    expect(viaGrades.some(({ path }) => /contributions\[0\]\.records/.test(path))).toBe(true);
    expect(viaGrades.some(({ path }) => /rules\[0\]\.records/.test(path))).toBe(true);
  });

  test('every client type reads the published draws (一公开) down to their targets, and reaches no record or subject through them; banks and partner hubs no credit class', () => {
    for (const { client } of WALKERS) {
      const draws = (walks.get(client.id) ?? []).filter(({ root }) => root === 'inspectionDraw' || root === 'inspectionDraws');
      expect(draws.map(({ root }) => root).sort()).toEqual(['inspectionDraw', 'inspectionDraws']);
      const objects = draws.flatMap(({ body }) => objectsIn(body.data));
      const targets = objects.filter(({ object }) => object['__typename'] === 'DrawTarget');
      expect(targets.length).toBeGreaterThan(0);
      const seesClasses = client.type === 'AGENCY' || client.type === 'ADMIN';
      // The population (every subject with its class) and a target's class and rank: agencies and operators only.
      expect(objects.some(({ object }) => object['__typename'] === 'DrawSubject')).toBe(seesClasses);
      expect(targets.every(({ object }) => (object['creditClass'] === null) === !seesClasses && (object['rank'] === null) === !seesClasses)).toBe(true);
      expect(objects.filter(({ object }) => ['Record', 'Subject', 'Party'].includes(String(object['__typename'])))).toEqual([]);
    }
  });

  test('the repair and objection fields are walked for agencies and operators down to their records, for banks and partner hubs not at all', () => {
    const REPAIR_ROOTS = ['repairRequests', 'repairRequest', 'objections', 'objection'];
    for (const clientId of ['test-agency', 'test-admin']) {
      const cases = (walks.get(clientId) ?? []).filter(({ root }) => REPAIR_ROOTS.includes(root));
      expect(cases.map(({ root }) => root).sort()).toEqual([...REPAIR_ROOTS].sort());
      const objects = cases.flatMap(({ body }) => objectsIn(body.data));
      // The source agency (SH-SAMR) and an operator see the repaired record through its request.
      const caseRecords = objects.filter(
        ({ path, object }) => object['__typename'] === 'Record' && /(repairRequests?|objections?)(\.edges\[\d+\]\.node)?\.record$/.test(path),
      );
      expect(caseRecords.map(({ object }) => object['status']).sort()).toEqual(['DISPUTED', 'DISPUTED', 'REPAIRED', 'REPAIRED']);
      expect(objects.filter(({ object }) => object['__typename'] === 'CaseStep').length).toBeGreaterThan(0);
    }
    for (const clientId of ['test-bank', 'test-partner']) expect((walks.get(clientId) ?? []).filter(({ root }) => REPAIR_ROOTS.includes(root))).toEqual([]);
    // No record list shows the repaired record (records, a subject's records, at any depth), whoever reads.
    const elsewhere = WALKERS.flatMap(({ client }) => walks.get(client.id) ?? [])
      .flatMap(({ body }) => objectsIn(body.data))
      .filter(({ path, object }) => /records\.edges\[\d+\]\.node$/.test(path) && object['status'] === 'REPAIRED');
    expect(elsewhere.map(({ path }) => path)).toEqual([]);
  });

  test('an operator reads records of every region (the walk reaches them: the checks above are not vacuous)', () => {
    const admin = principalOf(TEST_CLIENTS.admin.config);
    expect(isAdmin(admin)).toBe(true);
    const regions = new Set(
      (walks.get('test-admin') ?? [])
        .flatMap(({ body }) => objectsIn(body.data))
        .flatMap(({ object }) => (object['__typename'] === 'Record' && object['originRegion'] ? [(object['originRegion'] as { code: string }).code] : [])),
    );
    expect([...regions].sort()).toEqual(['310000', '330000']);
  });
});

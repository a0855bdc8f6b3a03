import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { creditSchema, DEFAULT_CREDIT_MODEL } from '../../config/credit-model-schema.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { ingestAll, listEntryOf, penaltyOf, recordId, subjectUscc } from '../support/credit-records.js';
import { FIXED_NOW, ingestionDeps } from '../support/ingestion.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { TEST_CLIENTS } from '../support/clients.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { compareModels, EvaluationRunningError, oneEvaluationAtATime } from '../../credit/model-governance.js';
import { expireDueRecords } from '../../store/expiry-writes.js';
import { enterpriseUscc } from '../support/records.js';
import { fieldOf } from '../support/answers.js';

/**
 * The GraphQL surface of credit grades and differentiated supervision, end to end through HTTP on
 * grades the real grading engine computed (default model 2026.1, base 1000; a second version 2026.2
 * is configured for model governance).
 */

const CANDIDATE = { ...DEFAULT_CREDIT_MODEL, version: '2026.2', classes: { ...DEFAULT_CREDIT_MODEL.classes, B: { label: '良', minScore: '950' } } };
/** An agency client that may read records from Zhejiang only (the fixtures are Shanghai's). */
const RESTRICTED = { ...TEST_CLIENTS.otherAgency.config, id: 'test-agency-zj-only', regions: ['330000'] };
const CONFIG = { ...TEST_CONFIG, clients: [...TEST_CONFIG.clients, RESTRICTED], credit: creditSchema.parse({ models: [DEFAULT_CREDIT_MODEL, CANDIDATE] }) };

/**
 * 1: one fine (B, 960); 3: a revocation with a fine of 150 万元 (D, not listed); 6: black-listed and
 * red-listed (D, capped); 7: red-listed (A); 20: not graded yet; 21: not graded yet, black-listed until
 * 2024-05-20, still ACTIVE because the expiry job has not run since.
 */
const MEDIUM = subjectUscc(1);
const REVOKED = subjectUscc(3);
const LISTED = subjectUscc(6);
const HONOURED = subjectUscc(7);
const UNGRADED = subjectUscc(20);
const DELISTED = subjectUscc(21);
const UNKNOWN = enterpriseUscc('310115', 999);

let testHub: TestHub;
/** FIXED_NOW as the API writes a DateTime, in whichever offset. */
const AT = {
  $$typeof: Symbol.for('jest.asymmetricMatcher'),
  asymmetricMatch: (value: unknown) => typeof value === 'string' && Date.parse(value) === FIXED_NOW.getTime(),
  toAsymmetricMatcher: () => 'FIXED_NOW',
};
const id = async (sourceId: string) => String(await recordId(testHub.database.db, sourceId));

type Body = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions: Record<string, unknown> }[];
  extensions?: { auditEntries?: number[]; price?: number };
};
const CALLERS = {
  agency: { client: 'test-agency', purpose: 'SUPERVISION' },
  admin: { client: 'test-admin', purpose: 'OPERATIONS' },
  bank: { client: 'test-bank', purpose: 'LOAN_REVIEW' },
  partner: { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' },
  restricted: { client: RESTRICTED.id, purpose: 'SUPERVISION' },
} as const;
async function ask(query: string, variables: Record<string, unknown> = {}, caller: keyof typeof CALLERS = 'agency'): Promise<Body> {
  const response = await testHub.gql(query, variables, CALLERS[caller]);
  return response.body as Body;
}
const errorOf = (body: Body) => body.errors?.[0];

const EVALUATION = `query($u: USCC!) { evaluation(uscc: $u) { uscc creditClass label score base cappedBy modelVersion evaluatedAt
  contributions { indicator dimension points recordCount records { id kind } }
  reasons { code points recordCount records { id } }
  history(first: 5) { edges { node { creditClass score previousClass previousScore cause modelVersion evaluatedAt } } pageInfo { hasNextPage } } } }`;
const RULE = 'role kind penaltyTypes creditClass recordCount recordIds records { id kind status } explanation';
const MEASURES = `query($u: USCC!) { measuresFor(uscc: $u) { measure { code name type legalBasis implementingAgency description } rules { ${RULE} } } }`;
const SUPERVISION = `query($u: USCC!) { supervision(uscc: $u) { uscc creditClass label graded samplingRatio maxChecksPerYear fastTrack keySupervision measures { measure { code type } rules { role kind creditClass } } } }`;
const CHECK = `query($u: USCC!, $m: String!) { checkMeasure(uscc: $u, measure: $m) { uscc applies measure { code type legalBasis implementingAgency } decidingRule { ${RULE} } } }`;

beforeAll(async () => {
  testHub = await startTestHub(CONFIG);
  await ingestAll(testHub.database.db, [
    penaltyOf(1, 'P1'),
    penaltyOf(3, 'P3', { CF_CFLB: '罚款,吊销许可证件', CF_NR_FK: '150', CF_NR: '吊销并罚款' }),
    listEntryOf('BLACK_LIST', 6, 'B6'),
    listEntryOf('RED_LIST', 6, 'R6'),
    listEntryOf('RED_LIST', 7, 'R7'),
  ]);
  await gradeAllSubjects({ db: testHub.database.db, credit: CONFIG.credit, clock: () => FIXED_NOW });
  // Known to the hub after the grading run: not graded yet.
  await ingestAll(testHub.database.db, [penaltyOf(20, 'P20', { CF_CFLB: '警告', CF_NR_FK: '', CF_NR: '警告' })]);
  const monthBefore = ingestionDeps(testHub.database.db, { clock: () => new Date('2024-05-01T04:00:00Z') });
  const delisted = await ingestBatch(monthBefore, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [listEntryOf('BLACK_LIST', 21, 'B21', { MD_YCRQ: '2024-05-20', MD_YCYY: '信用修复' })],
  });
  expect(delisted).toMatchObject({ inserted: 1, rejected: 0 });
}, 60_000);
afterAll(async () => testHub.close());

describe('evaluation', () => {
  test('class, label, exact score and base, contributions with their records, reasons, model version and history', async () => {
    const body = await ask(EVALUATION, { u: REVOKED });
    expect(body.errors).toBeUndefined();
    const [p3] = [await id('P3')];
    expect(body.data?.['evaluation']).toEqual({
      uscc: REVOKED,
      creditClass: 'D',
      label: '差',
      score: '770.00',
      base: '1000.00',
      cappedBy: null,
      modelVersion: '2026.1',
      evaluatedAt: AT,
      contributions: [
        { indicator: 'PENALTY_SEVERE', dimension: 'LAW', points: '-150.00', recordCount: 1, records: [{ id: p3, kind: 'PENALTY' }] },
        { indicator: 'FINE_100_WAN_UP', dimension: 'LAW', points: '-80.00', recordCount: 1, records: [{ id: p3, kind: 'PENALTY' }] },
      ],
      reasons: [
        { code: 'PENALTY_SEVERE', points: '-150.00', recordCount: 1, records: [{ id: p3 }] },
        { code: 'FINE_100_WAN_UP', points: '-80.00', recordCount: 1, records: [{ id: p3 }] },
      ],
      history: {
        edges: [
          {
            node: {
              creditClass: 'D',
              score: '770.00',
              previousClass: null,
              previousScore: null,
              cause: 'FIRST_GRADE',
              modelVersion: '2026.1',
              evaluatedAt: AT,
            },
          },
        ],
        pageInfo: { hasNextPage: false },
      },
    });
  });

  test('a black-listed enterprise is capped at D whatever its points', async () => {
    const body = await ask(EVALUATION, { u: LISTED });
    expect(body.data?.['evaluation']).toMatchObject({
      creditClass: 'D',
      cappedBy: 'BLACK_LIST',
      reasons: [{ code: 'BLACK_LIST', records: [{ id: await id('B6') }] }],
    });
  });

  test('an enterprise not graded yet is null; an unknown USCC is NOT_FOUND; an identity number is refused as a USCC', async () => {
    expect((await ask(EVALUATION, { u: UNGRADED })).data?.['evaluation']).toBeNull();
    const unknown = await ask(EVALUATION, { u: UNKNOWN });
    expect(errorOf(unknown)).toMatchObject({
      extensions: { code: 'NOT_FOUND' },
      message: expect.stringMatching(/^no records of subject \S+ are held by this hub/),
    });
    const person = await ask(EVALUATION, { u: '11010519491231002X' });
    expect(errorOf(person)?.extensions['code']).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(person)).not.toContain('11010519491231002X');
  });

  test('history pages newest first with a cursor, and a bad cursor is BAD_USER_INPUT', async () => {
    const page = await ask(
      `query($u: USCC!) { evaluation(uscc: $u) { history(first: 1) { edges { cursor node { cause } } pageInfo { hasNextPage endCursor } } } }`,
      { u: MEDIUM },
    );
    expect(page.data?.['evaluation']).toMatchObject({ history: { edges: [{ node: { cause: 'FIRST_GRADE' } }], pageInfo: { hasNextPage: false } } });
    const bad = await ask(`query($u: USCC!) { evaluation(uscc: $u) { history(after: "nonsense") { edges { cursor } } } }`, { u: MEDIUM });
    expect(errorOf(bad)?.extensions['code']).toBe('BAD_USER_INPUT');
  });
});

describe('supervision and measures (分级分类监管, 联合奖惩)', () => {
  test('class A: its sampling ratio, checks, fast track, and the incentives it triggers', async () => {
    const body = await ask(SUPERVISION, { u: HONOURED });
    expect(body.data?.['supervision']).toEqual({
      uscc: HONOURED,
      creditClass: 'A',
      label: '优',
      graded: true,
      samplingRatio: '0.01',
      maxChecksPerYear: 1,
      fastTrack: ['告知承诺', '容缺受理'],
      keySupervision: false,
      measures: [
        {
          measure: { code: 'FAST_TRACK_APPROVAL', type: 'INCENTIVE' },
          rules: [
            { role: 'TRIGGER', kind: 'RED_LIST', creditClass: null },
            { role: 'TRIGGER', kind: null, creditClass: 'A' },
          ],
        },
        { measure: { code: 'FEWER_INSPECTIONS', type: 'INCENTIVE' }, rules: [{ role: 'TRIGGER', kind: null, creditClass: 'A' }] },
      ],
    });
  });

  test('an ungraded enterprise is supervised as supervision.ungradedAs (B), flagged, with no class-triggered measure', async () => {
    const body = await ask(SUPERVISION, { u: UNGRADED });
    expect(body.data?.['supervision']).toMatchObject({
      creditClass: 'B',
      label: '良',
      graded: false,
      samplingRatio: '0.02',
      keySupervision: false,
      measures: [],
    });
  });

  test('a black-list record triggers punishments, each with the record, its legal basis and implementing agency; incentives it excludes', async () => {
    const body = await ask(MEASURES, { u: LISTED });
    expect(body.errors).toBeUndefined();
    const b6 = await id('B6');
    const applied = body.data?.['measuresFor'] as {
      measure: { code: string; legalBasis: string; implementingAgency: string };
      rules: Record<string, unknown>[];
    }[];
    expect(applied.map((m) => m.measure.code)).toEqual([
      'GOV_PROCUREMENT_BAN',
      'FISCAL_FUNDS_LIMIT',
      'NO_COMMITMENT_APPROVAL',
      'KEY_SUPERVISION',
      'HONOURS_BAN',
    ]);
    const procurement = applied[0];
    expect(procurement?.measure).toMatchObject({
      name: '限制参加政府采购活动',
      type: 'PUNISHMENT',
      legalBasis: expect.stringContaining('《中华人民共和国政府采购法》第二十二条'),
      implementingAgency: expect.stringContaining('财政部门'),
    });
    expect(procurement?.rules).toEqual([
      {
        role: 'TRIGGER',
        kind: 'BLACK_LIST',
        penaltyTypes: [],
        creditClass: null,
        recordCount: 1,
        recordIds: [b6],
        records: [{ id: b6, kind: 'BLACK_LIST', status: 'ACTIVE' }],
        explanation: 'triggered by 1 record(s) in force of kind BLACK_LIST',
      },
    ]);
    // Triggered twice over: by the record and by the class.
    expect(applied[1]?.rules.map((r) => [r.kind, r.creditClass])).toEqual([
      ['BLACK_LIST', null],
      [null, 'D'],
    ]);
  });

  test('class D alone triggers class measures; a revocation triggers the procurement ban through its penalty type', async () => {
    const body = await ask(MEASURES, { u: REVOKED });
    const applied = body.data?.['measuresFor'] as { measure: { code: string }; rules: Record<string, unknown>[] }[];
    expect(applied.map((m) => m.measure.code)).toEqual([
      'GOV_PROCUREMENT_BAN',
      'FISCAL_FUNDS_LIMIT',
      'NO_COMMITMENT_APPROVAL',
      'KEY_SUPERVISION',
      'HONOURS_BAN',
    ]);
    expect(applied[0]?.rules).toEqual([
      expect.objectContaining({ kind: 'PENALTY', penaltyTypes: ['责令停产停业', '吊销许可证件', '责令关闭'], recordIds: [await id('P3')] }),
    ]);
    expect(applied[1]?.rules).toEqual([
      expect.objectContaining({ kind: null, creditClass: 'D', recordCount: 0, recordIds: [], records: [], explanation: 'triggered by credit class D' }),
    ]);
    // A fine alone is no 重大违法记录: the procurement ban does not apply to class B.
    expect((await ask(MEASURES, { u: MEDIUM })).data?.['measuresFor']).toEqual([]);
  });

  test('checkMeasure answers both ways with the deciding rule', async () => {
    const fastTrack = async (u: string) =>
      (await ask(CHECK, { u, m: 'FAST_TRACK_APPROVAL' })).data?.['checkMeasure'] as { applies: boolean; decidingRule: Record<string, unknown> };
    expect(await fastTrack(HONOURED)).toMatchObject({ applies: true, decidingRule: { role: 'TRIGGER', kind: 'RED_LIST', recordIds: [await id('R7')] } });
    expect(await fastTrack(LISTED)).toMatchObject({
      applies: false,
      decidingRule: { role: 'EXCLUSION', kind: 'BLACK_LIST', recordIds: [await id('B6')], explanation: 'excluded by 1 record(s) in force of kind BLACK_LIST' },
    });
    expect(await fastTrack(MEDIUM)).toMatchObject({
      applies: false,
      decidingRule: {
        role: 'NO_TRIGGER',
        kind: null,
        creditClass: 'B',
        recordIds: [],
        explanation: 'none of its triggers holds: no record in force of kind RED_LIST; class B is not A',
      },
    });
    const procurement = await ask(CHECK, { u: REVOKED, m: ' GOV_PROCUREMENT_BAN ' });
    expect(procurement.data?.['checkMeasure']).toMatchObject({
      uscc: REVOKED,
      applies: true,
      measure: { code: 'GOV_PROCUREMENT_BAN', type: 'PUNISHMENT' },
      decidingRule: { role: 'TRIGGER', kind: 'PENALTY' },
    });
    expect((await ask(CHECK, { u: MEDIUM, m: 'GOV_PROCUREMENT_BAN' })).data?.['checkMeasure']).toMatchObject({
      applies: false,
      decidingRule: { role: 'NO_TRIGGER' },
    });
  });

  test('an unknown measure code is BAD_USER_INPUT naming the field and the known codes; an unknown enterprise NOT_FOUND', async () => {
    const unknown = await ask(CHECK, { u: HONOURED, m: 'FREE_LUNCH' });
    expect(unknown.data).toBeNull();
    expect(errorOf(unknown)).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'measure', rule: 'UNKNOWN_MEASURE' },
      message: expect.stringMatching(/measure "FREE_LUNCH" is not in the measures catalogue \(known: GOV_PROCUREMENT_BAN, /),
    });
    for (const query of [CHECK, MEASURES, SUPERVISION]) {
      expect(errorOf(await ask(query, { u: UNKNOWN, m: 'HONOURS_BAN' }))?.extensions['code']).toBe('NOT_FOUND');
    }
  });

  test('subject reads are audited with the subject and the kinds of the records returned', async () => {
    const body = await ask(MEASURES, { u: LISTED });
    const [seq] = body.extensions?.auditEntries ?? [];
    const entry = await testHub.database.db
      .selectFrom('audit_log')
      .select(['subjects', 'operation', 'entry'])
      .where('seq', '=', Number(seq))
      .executeTakeFirstOrThrow();
    expect(entry.subjects).toEqual([LISTED]);
    expect(entry.operation).toBe('query measuresFor');
    expect(fieldOf(JSON.parse(entry.entry), 'returned')).toEqual(expect.arrayContaining(['kind:BLACK_LIST']));
  });
});

describe("records outside the client's grant (grades and measures count every record in force)", () => {
  test('a region-restricted agency sees the grade and its counts, no record it may not read, and how many it may not', async () => {
    const explanation = `query($u: USCC!) { evaluation(uscc: $u) { creditClass score
      contributions { indicator recordCount recordsOutsideGrant records { id } } reasons { code recordCount recordsOutsideGrant records { id } } } }`;
    const restricted = await ask(explanation, { u: REVOKED }, 'restricted');
    expect(restricted.errors).toBeUndefined();
    expect(restricted.data?.['evaluation']).toEqual({
      creditClass: 'D',
      score: '770.00',
      contributions: [
        { indicator: 'PENALTY_SEVERE', recordCount: 1, recordsOutsideGrant: 1, records: [] },
        { indicator: 'FINE_100_WAN_UP', recordCount: 1, recordsOutsideGrant: 1, records: [] },
      ],
      reasons: [
        { code: 'PENALTY_SEVERE', recordCount: 1, recordsOutsideGrant: 1, records: [] },
        { code: 'FINE_100_WAN_UP', recordCount: 1, recordsOutsideGrant: 1, records: [] },
      ],
    });
    const full = await ask(explanation, { u: REVOKED });
    expect((full.data?.['evaluation'] as { reasons: unknown[] }).reasons[0]).toEqual({
      code: 'PENALTY_SEVERE',
      recordCount: 1,
      recordsOutsideGrant: 0,
      records: [{ id: await id('P3') }],
    });
  });

  test('a measure rule counts the records that make it hold and says how many the client may not read', async () => {
    const query = `query($u: USCC!) { measuresFor(uscc: $u) { measure { code } rules { kind recordCount recordsOutsideGrant recordIds records { id } } } }`;
    const restricted = (await ask(query, { u: LISTED }, 'restricted')).data?.['measuresFor'] as { measure: { code: string }; rules: unknown[] }[];
    expect(restricted[0]).toEqual({
      measure: { code: 'GOV_PROCUREMENT_BAN' },
      rules: [{ kind: 'BLACK_LIST', recordCount: 1, recordsOutsideGrant: 1, recordIds: [], records: [] }],
    });
    const b6 = await id('B6');
    const full = (await ask(query, { u: LISTED })).data?.['measuresFor'] as { rules: unknown[] }[];
    expect(full[0]?.rules).toEqual([{ kind: 'BLACK_LIST', recordCount: 1, recordsOutsideGrant: 0, recordIds: [b6], records: [{ id: b6 }] }]);
  });
});

describe('records in force: one rule for grades, measures and expiry', () => {
  test('a list entry past its removal date, still ACTIVE before the expiry job, triggers no measure, as it counts for no grade', async () => {
    const b21 = await id('B21');
    const stored = await testHub.database.db.selectFrom('records').select('status').where('id', '=', Number(b21)).executeTakeFirstOrThrow();
    expect(stored.status).toBe('ACTIVE');
    expect((await ask(MEASURES, { u: DELISTED })).data?.['measuresFor']).toEqual([]);
    const check = await ask(CHECK, { u: DELISTED, m: 'GOV_PROCUREMENT_BAN' });
    expect(check.data?.['checkMeasure']).toMatchObject({ applies: false, decidingRule: { role: 'NO_TRIGGER' } });
    const grades = await compareModels(testHub.database.db, { credit: CONFIG.credit, version: '2026.1', today: '2024-06-01' });
    expect(grades.transitions).toEqual(expect.arrayContaining([{ from: 'B', to: 'B', count: 3 }]));
    // The expiry job applies the same rule: it expires exactly that record, and nothing changes for measures.
    expect(await expireDueRecords(testHub.database.db, '2024-06-01', 'test')).toBe(1);
    expect((await testHub.database.db.selectFrom('records').select('status').where('id', '=', Number(b21)).executeTakeFirstOrThrow()).status).toBe('EXPIRED');
    expect((await ask(MEASURES, { u: DELISTED })).data?.['measuresFor']).toEqual([]);
  });
});

describe('grade distribution', () => {
  test('per class for every graded enterprise, a region, or an agency; bad filters are BAD_USER_INPUT', async () => {
    const query = `query($r: String, $a: String) { gradeDistribution(region: $r, agencyCode: $a) { region { code } agencyCode total classes { creditClass label count } } }`;
    const all = (await ask(query)).data?.['gradeDistribution'];
    expect(all).toEqual({
      region: null,
      agencyCode: null,
      total: 4,
      classes: [
        { creditClass: 'A', label: '优', count: 1 },
        { creditClass: 'B', label: '良', count: 1 },
        { creditClass: 'C', label: '中', count: 0 },
        { creditClass: 'D', label: '差', count: 2 },
      ],
    });
    expect((await ask(query, { r: '310000', a: 'SH-SAMR' })).data?.['gradeDistribution']).toMatchObject({
      region: { code: '310000' },
      agencyCode: 'SH-SAMR',
      total: 4,
    });
    expect((await ask(query, { r: '330000' })).data?.['gradeDistribution']).toMatchObject({ total: 0 });
    expect((await ask(query, { a: 'ZJ-TAX' })).data?.['gradeDistribution']).toMatchObject({ total: 0 });
    expect(errorOf(await ask(query, { r: '31' }))?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'region' });
    expect(errorOf(await ask(query, { a: 'NO-SUCH' }))?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'agencyCode' });
  });
});

describe('bank report (信易贷)', () => {
  test('an authorised bank sees the class, its label and the reasons as codes and points, nothing about records', async () => {
    await ask(`mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { id } }`, {
      input: { uscc: LISTED, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0099' },
    });
    const report = await ask(
      `query($u: USCC!) { creditReport(uscc: $u) { uscc grade { creditClass label evaluatedAt reasons { code points } } } }`,
      { u: LISTED },
      'bank',
    );
    expect(report.data?.['creditReport']).toEqual({
      uscc: LISTED,
      grade: { creditClass: 'D', label: '差', evaluatedAt: AT, reasons: [{ code: 'BLACK_LIST', points: '-200.00' }] },
    });
    // Without an authorisation for another enterprise, nothing at all.
    expect(errorOf(await ask(`query($u: USCC!) { creditReport(uscc: $u) { grade { creditClass } } }`, { u: HONOURED }, 'bank'))?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'NO_AUTHORIZATION',
    });
    // A grade reason on a report has no way to records.
    const probe = await ask(`query($u: USCC!) { creditReport(uscc: $u) { grade { reasons { records { id } } } } }`, { u: LISTED }, 'bank');
    expect(errorOf(probe)?.extensions['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('the report of an enterprise not graded yet has no grade', async () => {
    expect((await ask(`query($u: USCC!) { creditReport(uscc: $u) { grade { creditClass } } }`, { u: UNGRADED }, 'admin')).data?.['creditReport']).toEqual({
      grade: null,
    });
  });
});

describe('access: every field for every client type', () => {
  const FIELDS: Record<string, { query: string; variables: Record<string, unknown>; allowed: readonly (keyof typeof CALLERS)[] }> = {
    evaluation: { query: 'query($u: USCC!) { evaluation(uscc: $u) { creditClass } }', variables: { u: MEDIUM }, allowed: ['agency', 'admin'] },
    supervision: { query: 'query($u: USCC!) { supervision(uscc: $u) { creditClass } }', variables: { u: MEDIUM }, allowed: ['agency', 'admin'] },
    measuresFor: { query: 'query($u: USCC!) { measuresFor(uscc: $u) { measure { code } } }', variables: { u: MEDIUM }, allowed: ['agency', 'admin'] },
    checkMeasure: {
      query: 'query($u: USCC!) { checkMeasure(uscc: $u, measure: "HONOURS_BAN") { applies } }',
      variables: { u: MEDIUM },
      allowed: ['agency', 'admin'],
    },
    gradeDistribution: { query: '{ gradeDistribution { total } }', variables: {}, allowed: ['agency', 'admin'] },
    evaluateModel: { query: '{ evaluateModel(version: "2026.1") { population } }', variables: {}, allowed: ['admin'] },
    activateCreditModel: { query: 'mutation { activateCreditModel(version: "2026.1") { version } }', variables: {}, allowed: ['admin'] },
  };
  for (const [field, { query, variables, allowed }] of Object.entries(FIELDS)) {
    for (const caller of ['agency', 'admin', 'bank', 'partner'] as const) {
      const may = allowed.includes(caller);
      test(`${field} as ${caller}: ${may ? 'allowed' : 'refused (MISSING_SCOPE)'}`, async () => {
        const body = await ask(query, variables, caller);
        if (may) {
          expect(body.errors).toBeUndefined();
          expect(body.data?.[field]).toBeDefined();
        } else {
          expect(body.data?.[field] ?? null).toBeNull();
          expect(errorOf(body)?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
        }
      });
    }
  }
});

describe('pricing', () => {
  test('the usual questions cost less than one unit of a client’s rate; the full explanations stay far under the limit; history pages are bounded', async () => {
    const price = async (query: string, variables: Record<string, unknown>) => {
      const body = await ask(query, variables);
      expect(body.errors).toBeUndefined();
      return body.extensions?.price ?? Infinity;
    };
    const limits = TEST_CONFIG.limits;
    expect(await price(CHECK, { u: LISTED, m: 'HONOURS_BAN' })).toBeLessThan(limits.pricePerRequest);
    expect(
      await price(
        'query($u: USCC!) { supervision(uscc: $u) { creditClass samplingRatio measures { measure { code name legalBasis } rules { role kind creditClass recordIds } } } }',
        { u: LISTED },
      ),
    ).toBeLessThan(limits.pricePerRequest);
    expect(await price(EVALUATION, { u: LISTED })).toBeLessThan(limits.maxQueryCost);
    expect(await price(MEASURES, { u: LISTED })).toBeLessThan(limits.maxQueryCost);
    const tooLong = await ask(`query($u: USCC!) { evaluation(uscc: $u) { history(first: 101) { edges { cursor } } } }`, { u: MEDIUM });
    expect(errorOf(tooLong)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('model governance', () => {
  const EVALUATE =
    '{ evaluateModel(version: "%s") { activeVersion candidateVersion population ungraded active { creditClass count } candidate { creditClass label count } transitions { from to count } populationStabilityIndex } }';

  test('evaluateModel runs the active version today beside the candidate, without activating or storing anything', async () => {
    const body = await ask(EVALUATE.replace('%s', '2026.2'), {}, 'admin');
    expect(body.errors).toBeUndefined();
    const evaluation = body.data?.['evaluateModel'] as Record<string, unknown>;
    // Subjects 20 and 21 have no stored grade: they are graded by both versions all the same (20: 990, 21: 1000).
    expect(evaluation).toMatchObject({ activeVersion: '2026.1', candidateVersion: '2026.2', population: 6, ungraded: 2 });
    expect(evaluation['active']).toEqual([
      { creditClass: 'A', count: 1 },
      { creditClass: 'B', count: 3 },
      { creditClass: 'C', count: 0 },
      { creditClass: 'D', count: 2 },
    ]);
    expect(evaluation['transitions']).toEqual([
      { from: 'A', to: 'A', count: 1 },
      { from: 'B', to: 'B', count: 3 },
      { from: 'D', to: 'D', count: 2 },
    ]);
    expect(evaluation['populationStabilityIndex']).toBe('0.0000');
    expect((await ask(EVALUATION, { u: MEDIUM })).data?.['evaluation']).toMatchObject({ modelVersion: '2026.1' });
    expect(await testHub.database.db.selectFrom('credit_grades').select('subject_uscc').where('subject_uscc', 'in', [UNGRADED, DELISTED]).execute()).toEqual(
      [],
    );
  });

  test('the active version against itself: identical distributions, nobody moves, PSI 0', async () => {
    const evaluation = (await ask(EVALUATE.replace('%s', '2026.1'), {}, 'admin')).data?.['evaluateModel'] as Record<string, unknown>;
    expect(evaluation['candidate']).toEqual(
      (evaluation['active'] as { creditClass: string; count: number }[]).map((c) => ({ ...c, label: expect.any(String) })),
    );
    expect((evaluation['transitions'] as { from: string; to: string }[]).every((t) => t.from === t.to)).toBe(true);
    expect(evaluation['populationStabilityIndex']).toBe('0.0000');
  });

  test('evaluateModel is priced over pricePerRequest (the heavy lane)', async () => {
    const body = await ask('{ evaluateModel(version: "2026.1") { population } }', {}, 'admin');
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.price).toBeGreaterThan(TEST_CONFIG.limits.pricePerRequest);
    expect(body.extensions?.price).toBeLessThanOrEqual(TEST_CONFIG.limits.maxQueryCost);
  });

  test('one evaluation at a time: a second while one runs is refused naming the one running; the next after it is served', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const evaluate = oneEvaluationAtATime(
      async (version) => {
        await gate;
        return compareModels(testHub.database.db, { credit: CONFIG.credit, version, today: '2024-06-01' });
      },
      () => FIXED_NOW,
    );
    const first = evaluate('2026.2', 'test-admin');
    const second = evaluate('2026.1', 'test-admin-2');
    await expect(second).rejects.toThrow(EvaluationRunningError);
    await expect(second).rejects.toMatchObject({
      code: 'CONFLICT',
      running: { version: '2026.2', requestedBy: 'test-admin' },
      message:
        'a model evaluation is already running (version 2026.2, requested by test-admin at 2024-06-01T12:00:00.000+08:00): one runs at a time; ask again when it has answered',
    });
    open();
    expect(await first).toMatchObject({ candidateVersion: '2026.2' });
    expect(await evaluate('2026.1', 'test-admin-2')).toMatchObject({ candidateVersion: '2026.1', psi: '0.0000' });
  });

  test('an unknown or malformed version is BAD_USER_INPUT naming the field', async () => {
    for (const version of ['2099.9', '../etc']) {
      expect(errorOf(await ask(`{ evaluateModel(version: ${JSON.stringify(version)}) { population } }`, {}, 'admin'))?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'version',
      });
      expect(errorOf(await ask(`mutation { activateCreditModel(version: ${JSON.stringify(version)}) { version } }`, {}, 'admin'))?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'version',
      });
    }
  });

  test('activateCreditModel activates a version, audited in the activation’s transaction', async () => {
    const body = await ask('mutation { activateCreditModel(version: "2026.2") { version previousVersion activatedAt activatedBy } }', {}, 'admin');
    expect(body.data?.['activateCreditModel']).toEqual({ version: '2026.2', previousVersion: '2026.1', activatedAt: AT, activatedBy: 'test-admin' });
    const [seq] = body.extensions?.auditEntries ?? [];
    const entry = await testHub.database.db
      .selectFrom('audit_log')
      .select(['operation', 'outcome', 'client_id'])
      .where('seq', '=', Number(seq))
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ operation: 'mutation activateCreditModel', outcome: 'OK', client_id: 'test-admin' });
    const row = await testHub.database.db
      .selectFrom('credit_model_versions')
      .select(['activated_at', 'activated_by'])
      .where('version', '=', '2026.2')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ activated_at: FIXED_NOW, activated_by: 'test-admin' });
  });
});

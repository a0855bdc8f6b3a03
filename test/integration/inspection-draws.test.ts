import { sql } from 'kysely';
import { inspectionsSchema } from '../../config/inspection-schema.js';
import { canonicalPool, populationDigest } from '../../inspections/draw-algorithm.js';
import { loadPublishedDraw } from '../../inspections/stored-draw.js';
import { computeDrawTargets, verifyDraw } from '../../inspections/verify-draw.js';
import { verifyDrawCommand } from '../../server/draw-verify-command.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { AUTHORITY_USCC, enterpriseUscc } from '../support/records.js';

// 60 Shanghai enterprises (10 graded D, 10 graded C, 40 ungraded, supervised as B) and 5 in Zhejiang.
const SH = Array.from({ length: 60 }, (_, i) => enterpriseUscc('310115', 100 + i));
const ZJ = Array.from({ length: 5 }, (_, i) => enterpriseUscc('330106', 200 + i));
const GRADED_D = SH.slice(0, 10);
const GRADED_C = SH.slice(10, 20);
// Inspected by SH-SAMR this year before any draw: never in its population this year.
const ALREADY_INSPECTED = SH[59] ?? '';

const inspections = inspectionsSchema.parse({
  inspectors: [
    { id: 'SH-01', name: '王一', agency: 'SH-SAMR' },
    // In conflict with every Shanghai enterprise: never assigned.
    { id: 'SH-02', name: '李二', agency: 'SH-SAMR', conflicts: SH },
    { id: 'SH-03', name: '张三', agency: 'SH-SAMR' },
    { id: 'SH-04', name: '赵四', agency: 'SH-SAMR' },
    { id: 'ZJ-01', name: '钱一', agency: 'ZJ-TAX' },
    { id: 'ZJ-02', name: '孙二', agency: 'ZJ-TAX' },
  ],
});

const DRAW_FIELDS = `id agencyCode regions algorithm populationSize populationDigest classes { creditClass population ratio sample }
  inspectorsPerTarget inspectorPool { id name agency } inspectorPoolDigest randomnessReference periodStart periodEnd seed executedAt`;
const COMMIT = `mutation($a: String!, $i: InspectionDrawInput!) { commitInspectionDraw(agencyCode: $a, input: $i) { ${DRAW_FIELDS} } }`;
const EXECUTE = `mutation($id: ID!, $seed: String!) { executeInspectionDraw(id: $id, seed: $seed) { ${DRAW_FIELDS} } }`;
const TARGETS = `query($id: ID!, $after: String) { inspectionDraw(id: $id) { targets(first: 100, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { uscc creditClass rank inspectors results { recordId status inspectedOn result taskNo } } } } } }`;
const POPULATION = `query($id: ID!, $after: String) { inspectionDraw(id: $id) { population(first: 1000, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { uscc creditClass } } } } }`;
const AS_AGENCY = { client: 'test-agency', purpose: 'SUPERVISION' };
const AS_ZJ = { client: 'test-agency-zj', purpose: 'SUPERVISION' };
const SEED = 'd4f8a1c2e3b4a5968778695a4b3c2d1e0f1e2d3c4b5a69788796a5b4c3d2e1f0';

interface Target { uscc: string; creditClass: string; rank: number; inspectors: string[]; results: { recordId: string; result: string; taskNo: string }[] }

let testHub: TestHub;

function inspectionRecord(uscc: string, drawId: string | undefined, id: string) {
  return {
    kind: 'INSPECTION',
    sourceRecordId: id,
    fields: {
      JC_XDR_MC: '上海示例企业', JC_XDR_LB: '02', JC_XDR_SHXYM: uscc, JC_FRDB: '张三',
      JC_RWBH: `沪市监抽〔2024〕${id}`, JC_JCRQ: '2024-05-20', JC_JCJG: '责令整改', JC_JGMC: '上海市市场监督管理局', JC_JGDM: AUTHORITY_USCC,
      ...(drawId ? { JC_CCBH: drawId } : {}),
    },
  };
}

async function submit(records: unknown[]): Promise<void> {
  const response = await testHub.gql(
    'mutation($a: String!, $r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: $a, records: $r) { inserted rejected results { reasons { field rule } } } }',
    { a: 'SH-SAMR', r: records },
    { client: 'test-agency', purpose: 'DATA_SUBMISSION' },
  );
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.submitRecords).toMatchObject({ rejected: 0 });
}

async function commit(agency: string, input: Record<string, unknown>, caller = AS_AGENCY) {
  const response = await testHub.gql(COMMIT, { a: agency, i: { randomnessReference: 'drand quicknet round 9000000', ...input } }, caller);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.commitInspectionDraw;
}

async function execute(id: string, seed: string, caller = AS_AGENCY) {
  const response = await testHub.gql(EXECUTE, { id, seed }, caller);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.executeInspectionDraw;
}

async function targetsOf(id: string, caller: { client?: string; purpose?: string } = AS_AGENCY): Promise<Target[]> {
  const response = await testHub.gql(TARGETS, { id }, caller);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.inspectionDraw.targets.edges.map((e: { node: Target }) => e.node);
}

async function populationOf(id: string): Promise<{ uscc: string; creditClass: string }[]> {
  const response = await testHub.gql(POPULATION, { id }, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.inspectionDraw.population.edges.map((e: { node: { uscc: string; creditClass: string } }) => e.node);
}

beforeAll(async () => {
  testHub = await startTestHub({ ...TEST_CONFIG, inspections });
  const db = testHub.database.db;
  const subjects = [...SH.map((uscc) => [uscc, '310000']), ...ZJ.map((uscc) => [uscc, '330000'])].map(([uscc, region]) => ({ uscc: uscc ?? '', region: region ?? '' }));
  await sql`insert into subjects (uscc, name, category, division_code, region)
    select s->>'uscc', '示例企业', '02', substr(s->>'uscc', 3, 6), s->>'region' from jsonb_array_elements(${JSON.stringify(subjects)}::jsonb) s`.execute(db);
  await sql`insert into credit_model_versions (version, fingerprint) values ('draw-test', 'x')`.execute(db);
  await sql`insert into credit_grades (subject_uscc, model_version, score, class, contributions, reasons, evaluated_at, record_seq)
    select u, 'draw-test', 500, c, '[]', '[]', now(), 0 from unnest(${[...GRADED_D, ...GRADED_C]}::text[], ${[...GRADED_D.map(() => 'D'), ...GRADED_C.map(() => 'C')]}::text[]) as g(u, c)`.execute(db);
  await submit([inspectionRecord(ALREADY_INSPECTED, undefined, 'PRE-1')]);
}, 120_000);

afterAll(async () => {
  await testHub.close();
});

describe('双随机 draws: commit, execute, publish, verify', () => {
  let drawId = '';

  test('a commitment freezes the agency region minus subjects inspected this period, with the sample per class rounded up and no seed', async () => {
    const draw = await commit('SH-SAMR', {});
    drawId = draw.id;
    expect(draw.id).toMatch(/^SJCC-2024-\d{6}$/);
    const population = SH.filter((uscc) => uscc !== ALREADY_INSPECTED);
    expect(draw).toMatchObject({
      agencyCode: 'SH-SAMR', regions: ['310000'], algorithm: 'hash-rank-v1', populationSize: 59, inspectorsPerTarget: 2,
      populationDigest: populationDigest(population), periodStart: '2024-01-01', periodEnd: '2024-12-31', seed: null, executedAt: null,
      randomnessReference: 'drand quicknet round 9000000',
    });
    // B: 39 ungraded × 0.02 = 0.78 → 1; C: 10 × 0.10 = 1; D: 10 × 0.30 = 3.
    expect(draw.classes).toEqual([
      { creditClass: 'A', population: 0, ratio: '0.01', sample: 0 },
      { creditClass: 'B', population: 39, ratio: '0.02', sample: 1 },
      { creditClass: 'C', population: 10, ratio: '0.10', sample: 1 },
      { creditClass: 'D', population: 10, ratio: '0.30', sample: 3 },
    ]);
    expect(draw.inspectorPool.map((i: { id: string }) => i.id)).toEqual(['SH-01', 'SH-02', 'SH-03', 'SH-04']);
    expect(await targetsOf(drawId)).toEqual([]);
    // The published snapshot (readable by any client, here a bank) is the population the digest covers.
    const snapshot = await populationOf(drawId);
    expect(populationDigest(snapshot.map((s) => s.uscc))).toBe(draw.populationDigest);
    expect(snapshot.map((s) => s.uscc).sort()).toEqual([...population].sort());
  });

  test('execution draws what an independent TypeScript recomputation from the published inputs gives, conflicts respected', async () => {
    const executed = await execute(drawId, SEED);
    expect(executed).toMatchObject({ seed: SEED });
    const targets = await targetsOf(drawId, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
    const snapshot = await populationOf(drawId);
    const pool = canonicalPool(inspections.inspectors.filter((i) => i.agency === 'SH-SAMR'));
    const recomputed = computeDrawTargets({
      seed: SEED,
      population: snapshot.map((s) => ({ uscc: s.uscc, class: s.creditClass })),
      classes: executed.classes.map((c: { creditClass: string; population: number; ratio: string; sample: number }) => ({ ...c, class: c.creditClass })),
      inspectorsPerTarget: 2,
      pool,
    });
    expect(targets.map(({ uscc, creditClass, rank, inspectors }) => ({ uscc, class: creditClass, rank, inspectors }))).toEqual(recomputed);
    expect(targets).toHaveLength(5);
    for (const target of targets) {
      expect(target.inspectors).toHaveLength(2);
      expect(target.inspectors).not.toContain('SH-02');
    }
    expect(verifyDraw(await loadPublishedDraw(testHub.database.db, drawId))).toEqual([]);
  });

  test('a draw is executed once: the second execution is a CONFLICT and changes nothing', async () => {
    const before = await targetsOf(drawId);
    const response = await testHub.gql(EXECUTE, { id: drawId, seed: 'another seed' }, AS_AGENCY);
    expect(response.body.errors[0].extensions.code).toBe('CONFLICT');
    expect(await targetsOf(drawId)).toEqual(before);
  });

  test('the next commitment of the agency in the period leaves out the targets it drew', async () => {
    const drawn = (await targetsOf(drawId)).map((t) => t.uscc);
    const next = await commit('SH-SAMR', {});
    expect(next.populationSize).toBe(59 - drawn.length);
    const snapshot = (await populationOf(next.id)).map((s) => s.uscc);
    for (const uscc of [...drawn, ALREADY_INSPECTED]) expect(snapshot).not.toContain(uscc);
    // Another agency's exclusions are its own: ZJ-TAX drawing in Shanghai sees all 60.
    const zj = await commit('ZJ-TAX', { regions: ['310000'] }, AS_ZJ);
    expect(zj.populationSize).toBe(60);
  });

  test('the same population with a different seed draws different targets', async () => {
    const a = await commit('ZJ-TAX', { regions: ['310000', '330000'] }, AS_ZJ);
    const b = await commit('ZJ-TAX', { regions: ['310000', '330000'] }, AS_ZJ);
    expect(b.populationDigest).toBe(a.populationDigest);
    await execute(a.id, 'seed-one', AS_ZJ);
    await execute(b.id, 'seed-two', AS_ZJ);
    const [ta, tb] = [await targetsOf(a.id, AS_ZJ), await targetsOf(b.id, AS_ZJ)];
    expect(ta.map((t) => t.uscc)).not.toEqual(tb.map((t) => t.uscc));
    for (const id of [a.id, b.id]) expect(await verifyDrawCommand(testHub.database.db, id, () => undefined)).toBe(0);
  });

  test('filters: only subjects with an ACTIVE record of the given kinds', async () => {
    const draw = await commit('ZJ-TAX', { regions: ['310000'], kinds: ['INSPECTION'] }, AS_ZJ);
    expect(draw.populationSize).toBe(1);
    expect((await populationOf(draw.id)).map((s) => s.uscc)).toEqual([ALREADY_INSPECTED]);
  });

  test('an INSPECTION record naming the draw shows among its target’s results', async () => {
    const [target] = await targetsOf(drawId);
    if (!target) throw new Error('no target');
    await submit([inspectionRecord(target.uscc, drawId, 'DRAWN-1')]);
    const [after] = await targetsOf(drawId, { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' });
    expect(after?.results).toEqual([expect.objectContaining({ result: '责令整改', taskNo: '沪市监抽〔2024〕DRAWN-1' })]);
  });

  test('draw verify fails on a tampered target, naming it', async () => {
    const [target] = await targetsOf(drawId);
    if (!target) throw new Error('no target');
    await sql`update inspection_draw_targets set inspectors = array['SH-02', 'SH-01'] where draw_id = ${drawId} and uscc = ${target.uscc}`.execute(testHub.database.db);
    const lines: string[] = [];
    expect(await verifyDrawCommand(testHub.database.db, drawId, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toContain(`target ${target.uscc}: stated class ${target.creditClass} rank ${target.rank} inspectors [SH-02, SH-01]`);
    expect(await verifyDrawCommand(testHub.database.db, 'SJCC-2024-999999', () => undefined)).toBe(1);
  });

  test('commit and execute each write their audit entry; the execution notes its targets', async () => {
    const rows = await sql<{ operation: string; subjects: string[]; client_id: string }>`
      select operation, subjects, client_id from audit_log where operation like 'mutation %InspectionDraw' order by seq`.execute(testHub.database.db);
    const operations = rows.rows.map((r) => r.operation);
    expect(operations.filter((o) => o === 'mutation commitInspectionDraw').length).toBeGreaterThanOrEqual(5);
    const firstExecution = rows.rows.find((r) => r.operation === 'mutation executeInspectionDraw');
    expect(firstExecution?.subjects).toHaveLength(5);
    expect(rows.rows.find((r) => r.operation === 'mutation commitInspectionDraw')?.subjects).toEqual([]);
  });
});

describe('draw access and input', () => {
  test('banks and partners read draws; only agencies (their own) and admins commit and execute', async () => {
    const own = await commit('SH-SAMR', { regions: ['330000'] });
    for (const client of ['test-bank', 'test-partner']) {
      const list = await testHub.gql('{ inspectionDraws(first: 5) { totalCount edges { node { id } } } }', {}, { client, purpose: client === 'test-bank' ? 'LOAN_REVIEW' : 'MUTUAL_RECOGNITION' });
      expect(list.body.errors).toBeUndefined();
      expect(list.body.data.inspectionDraws.totalCount).toBeGreaterThan(0);
    }
    const bank = await testHub.gql(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'x' } }, { client: 'test-bank', purpose: 'LOAN_REVIEW' });
    expect(bank.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    const other = await testHub.gql(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'x' } }, AS_ZJ);
    expect(other.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    const steal = await testHub.gql(EXECUTE, { id: own.id, seed: 'mine' }, AS_ZJ);
    expect(steal.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    const admin = await testHub.gql(EXECUTE, { id: own.id, seed: 'admin seed' });
    expect(admin.body.errors).toBeUndefined();
  });

  test('bad input is BAD_USER_INPUT naming field, rule and value', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'r', regions: ['999999'] } }, 'input.regions[0]: REGION — "999999"'],
      [COMMIT, { a: 'SH-SAMR', i: { randomnessReference: '  ' } }, 'input.randomnessReference: TEXT'],
      [COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'r', agencies: ['NOPE'] } }, 'input.agencies[0]: UNKNOWN_AGENCY'],
      [EXECUTE, { id: 'SJCC-2024-000001', seed: 'tab\there' }, 'seed: SEED'],
      [EXECUTE, { id: 'not-a-draw', seed: 's' }, 'is not an inspection draw id'],
      [POPULATION.replace('first: 1000', 'first: 1001'), { id: 'SJCC-2024-000001' }, 'first must be between 1 and 1000'],
      [TARGETS, { id: 'SJCC-2024-000001', after: 'bm9wZQ' }, 'after is not a cursor'],
    ];
    for (const [query, variables, message] of cases) {
      const response = await testHub.gql(query, variables, AS_AGENCY);
      expect(response.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(response.body.errors[0].message).toContain(message);
    }
  });
});

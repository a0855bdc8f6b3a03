import { sql } from 'kysely';
import { inspectionsSchema } from '../../inspections/inspection-schema.js';
import { commitInspectionDraw } from '../../inspections/commit-draw.js';
import { canonicalPool, populationDigest } from '../../inspections/draw-algorithm.js';
import { DRAND_QUICKNET_GENESIS } from '../../inspections/randomness-source.js';
import { loadPublishedDraw } from '../../inspections/stored-draw.js';
import { computeDrawTargets, verifyDraw } from '../../inspections/verify-draw.js';
import { verifyDrawCommand } from '../../server/draw-verify-command.js';
import { dataOf, defined, errorCodes, firstError, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { adminContext, startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
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
  inspectorsPerTarget inspectorPool { id name agency } inspectorPoolDigest randomnessReference randomnessSource { kind drandRound roundTime }
  status cancelledAt cancelReason periodStart periodEnd seed executedAt`;
const COMMIT = `mutation($a: String!, $i: InspectionDrawInput!) { commitInspectionDraw(agencyCode: $a, input: $i) { ${DRAW_FIELDS} } }`;
const EXECUTE = `mutation($id: ID!, $seed: String!) { executeInspectionDraw(id: $id, seed: $seed) { ${DRAW_FIELDS} } }`;
const CANCEL = `mutation($id: ID!, $reason: String!) { cancelInspectionDraw(id: $id, reason: $reason) { ${DRAW_FIELDS} } }`;
const TARGETS = `query($id: ID!, $after: String, $first: Int = 100) { inspectionDraw(id: $id) { targets(first: $first, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { uscc creditClass rank inspectors results { recordId status inspectedOn result taskNo } } } } } }`;
const POPULATION = `query($id: ID!, $after: String) { inspectionDraw(id: $id) { population(first: 1000, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { uscc creditClass } } } } }`;
const AS_AGENCY = { client: 'test-agency', purpose: 'SUPERVISION' };
const AS_ZJ = { client: 'test-agency-zj', purpose: 'SUPERVISION' };
const AS_BANK = { client: 'test-bank', purpose: 'LOAN_REVIEW' };
const AS_PARTNER = { client: 'test-partner', purpose: 'MUTUAL_RECOGNITION' };
/** An operator's value: the seed is entered by the admin client (the default caller), not by the committing agency. */
const OPERATOR_REFERENCE = 'value entered by the duty operator at the public drawing session';
const SEED = 'd4f8a1c2e3b4a5968778695a4b3c2d1e0f1e2d3c4b5a69788796a5b4c3d2e1f0';
/** The first drand quicknet round published at or after `time`. */
const roundAt = (time: Date) => Math.ceil((time.getTime() / 1000 - DRAND_QUICKNET_GENESIS) / 3) + 1;

interface Target {
  uscc: string;
  creditClass: string | null;
  rank: number | null;
  inspectors: string[];
  results: { recordId: string; result: string; taskNo: string }[];
}

/** A draw as DRAW_FIELDS reads it. */
interface Draw {
  id: string;
  populationSize: number;
  populationDigest: string;
  classes: { creditClass: string; population: number; ratio: string; sample: number }[];
  inspectorPool: { id: string; name: string; agency: string }[];
  randomnessSource: { kind: string; drandRound: number | null; roundTime: string | null };
  cancelledAt: string | null;
}
type Targets = { inspectionDraw: { targets: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: Target; cursor?: string }[] } } };
type DrawList = { inspectionDraws: { totalCount?: number; edges: { node: { id: string; status: string } }[] } };

let testHub: TestHub;

function inspectionRecord(uscc: string, drawId: string | undefined, id: string) {
  return {
    kind: 'INSPECTION',
    sourceRecordId: id,
    fields: {
      JC_XDR_MC: '上海示例企业',
      JC_XDR_LB: '02',
      JC_XDR_SHXYM: uscc,
      JC_FRDB: '张三',
      JC_RWBH: `沪市监抽〔2024〕${id}`,
      JC_JCRQ: '2024-05-20',
      JC_JCJG: '责令整改',
      JC_JGMC: '上海市市场监督管理局',
      JC_JGDM: AUTHORITY_USCC,
      ...(drawId ? { JC_CCBH: drawId } : {}),
    },
  };
}

async function submitAs(agency: string, client: string, records: unknown[]) {
  const response = await testHub.gqlAs<{ submitRecords: { inserted: number; rejected: number; results: { reasons: { field: string; rule: string }[] }[] } }>(
    'mutation($a: String!, $r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: $a, records: $r) { inserted rejected results { reasons { field rule } } } }',
    { a: agency, r: records },
    { client, purpose: 'DATA_SUBMISSION' },
  );
  return dataOf(response.body).submitRecords;
}

async function submit(records: unknown[]): Promise<void> {
  expect(await submitAs('SH-SAMR', 'test-agency', records)).toMatchObject({ rejected: 0 });
}

async function commit(agency: string, input: Record<string, unknown>, caller = AS_AGENCY) {
  const response = await testHub.gqlAs<{ commitInspectionDraw: Draw }>(COMMIT, { a: agency, i: { randomnessReference: OPERATOR_REFERENCE, ...input } }, caller);
  return dataOf(response.body).commitInspectionDraw;
}

/** Executes as the admin client: the operator who enters an operator-value seed. */
async function execute(id: string, seed: string, caller: { client?: string; purpose?: string } = {}) {
  const response = await testHub.gqlAs<{ executeInspectionDraw: Draw }>(EXECUTE, { id, seed }, caller);
  return dataOf(response.body).executeInspectionDraw;
}

async function cancel(id: string, caller = AS_AGENCY) {
  const response = await testHub.gqlAs<{ cancelInspectionDraw: Draw }>(CANCEL, { id, reason: '误操作，撤回' }, caller);
  return dataOf(response.body).cancelInspectionDraw;
}

async function targetsOf(id: string, caller: { client?: string; purpose?: string } = AS_AGENCY): Promise<Target[]> {
  const response = await testHub.gqlAs<Targets>(TARGETS, { id }, caller);
  return dataOf(response.body).inspectionDraw.targets.edges.map((e) => e.node);
}

async function populationOf(id: string, caller = AS_AGENCY): Promise<{ uscc: string; creditClass: string }[]> {
  const response = await testHub.gqlAs<{ inspectionDraw: { population: { edges: { node: { uscc: string; creditClass: string } }[] } } }>(
    POPULATION,
    { id },
    caller,
  );
  return dataOf(response.body).inspectionDraw.population.edges.map((e) => e.node);
}

/** The refusal's code and extensions, for a request expected to fail. */
async function refusal(query: string, variables: Record<string, unknown>, caller: { client?: string; purpose?: string } = AS_AGENCY) {
  const response = await testHub.gqlAs<unknown>(query, variables, caller);
  expect(response.body.errors).toHaveLength(1);
  const error = firstError(response.body);
  return { message: error.message, ...error.extensions };
}

beforeAll(async () => {
  testHub = await startTestHub({ ...TEST_CONFIG, inspections });
  const db = testHub.database.db;
  const subjects = [...SH.map((uscc) => [uscc, '310000']), ...ZJ.map((uscc) => [uscc, '330000'])].map(([uscc, region]) => ({
    uscc: uscc ?? '',
    region: region ?? '',
  }));
  await sql`insert into subjects (uscc, name, category, division_code, region)
    select s->>'uscc', '示例企业', '02', substr(s->>'uscc', 3, 6), s->>'region' from jsonb_array_elements(${JSON.stringify(subjects)}::jsonb) s`.execute(db);
  await sql`insert into credit_model_versions (version, fingerprint) values ('draw-test', 'x')`.execute(db);
  await sql`insert into credit_grades (subject_uscc, model_version, score, class, contributions, reasons, evaluated_at, record_seq)
    select u, 'draw-test', 500, c, '[]', '[]', now(), 0 from unnest(${[...GRADED_D, ...GRADED_C]}::text[], ${[...GRADED_D.map(() => 'D'), ...GRADED_C.map(() => 'C')]}::text[]) as g(u, c)`.execute(
    db,
  );
  await submit([inspectionRecord(ALREADY_INSPECTED, undefined, 'PRE-1')]);
}, 120_000);

afterAll(async () => {
  await testHub.close();
});

describe('双随机 draws: commit, execute, publish, verify', () => {
  let drawId = '';

  test('a commitment freezes the agency region minus subjects inspected this period, with the sample per class rounded up and no seed', async () => {
    const response = await testHub.gqlAs<{ commitInspectionDraw: Draw }>(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: OPERATOR_REFERENCE } }, AS_AGENCY);
    const draw = dataOf(response.body).commitInspectionDraw;
    // Priced over pricePerRequest: the heavy lane, one at a time per client.
    expect(response.body.extensions?.price).toBeGreaterThan(TEST_CONFIG.limits.pricePerRequest);
    drawId = draw.id;
    expect(draw.id).toMatch(/^SJCC-2024-\d{6}$/);
    const population = SH.filter((uscc) => uscc !== ALREADY_INSPECTED);
    expect(draw).toMatchObject({
      agencyCode: 'SH-SAMR',
      regions: ['310000'],
      algorithm: 'hash-rank-v1',
      populationSize: 59,
      inspectorsPerTarget: 2,
      populationDigest: populationDigest(population),
      periodStart: '2024-01-01',
      periodEnd: '2024-12-31',
      seed: null,
      executedAt: null,
      randomnessReference: OPERATOR_REFERENCE,
      randomnessSource: { kind: 'OPERATOR', drandRound: null, roundTime: null },
      status: 'COMMITTED',
      cancelledAt: null,
    });
    // B: 39 ungraded × 0.02 = 0.78 → 1; C: 10 × 0.10 = 1; D: 10 × 0.30 = 3.
    expect(draw.classes).toEqual([
      { creditClass: 'A', population: 0, ratio: '0.01', sample: 0 },
      { creditClass: 'B', population: 39, ratio: '0.02', sample: 1 },
      { creditClass: 'C', population: 10, ratio: '0.10', sample: 1 },
      { creditClass: 'D', population: 10, ratio: '0.30', sample: 3 },
    ]);
    expect(draw.inspectorPool.map((i) => i.id)).toEqual(['SH-01', 'SH-02', 'SH-03', 'SH-04']);
    expect(await targetsOf(drawId)).toEqual([]);
    // The published snapshot (readable by agencies and operators) is the population the digest covers.
    const snapshot = await populationOf(drawId, AS_ZJ);
    expect(populationDigest(snapshot.map((s) => s.uscc))).toBe(draw.populationDigest);
    expect(snapshot.map((s) => s.uscc).sort()).toEqual([...population].sort());
  });

  test('execution by the operator draws what an independent TypeScript recomputation from the published inputs gives, conflicts respected', async () => {
    const response = await testHub.gqlAs<{ executeInspectionDraw: Draw }>(EXECUTE, { id: drawId, seed: SEED });
    expect(response.body.extensions?.price).toBeGreaterThan(TEST_CONFIG.limits.pricePerRequest);
    const executed = dataOf(response.body).executeInspectionDraw;
    expect(executed).toMatchObject({ seed: SEED, status: 'EXECUTED' });
    const targets = await targetsOf(drawId, AS_ZJ);
    const snapshot = await populationOf(drawId);
    const pool = canonicalPool(inspections.inspectors.filter((i) => i.agency === 'SH-SAMR'));
    const recomputed = computeDrawTargets({
      seed: SEED,
      population: snapshot.map((s) => ({ uscc: s.uscc, class: s.creditClass })),
      classes: executed.classes.map((c) => ({ ...c, class: c.creditClass })),
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
    expect((await refusal(EXECUTE, { id: drawId, seed: 'another seed' }, {})).code).toBe('CONFLICT');
    expect(await targetsOf(drawId)).toEqual(before);
  });

  test('the next commitment of the agency in the period leaves out the targets it drew; another agency’s exclusions are its own', async () => {
    const drawn = (await targetsOf(drawId)).map((t) => t.uscc);
    const next = await commit('SH-SAMR', {});
    expect(next.populationSize).toBe(59 - drawn.length);
    const snapshot = (await populationOf(next.id)).map((s) => s.uscc);
    for (const uscc of [...drawn, ALREADY_INSPECTED]) expect(snapshot).not.toContain(uscc);
    const zj = await commit('ZJ-TAX', { regions: ['310000'] }, AS_ZJ);
    expect(zj.populationSize).toBe(60);
    await cancel(zj.id, AS_ZJ);
    await cancel(next.id);
  });

  test('filters: only subjects with an ACTIVE record of the given kinds', async () => {
    const draw = await commit('ZJ-TAX', { regions: ['310000'], kinds: ['INSPECTION'] }, AS_ZJ);
    expect(draw.populationSize).toBe(1);
    expect((await populationOf(draw.id)).map((s) => s.uscc)).toEqual([ALREADY_INSPECTED]);
    await cancel(draw.id, AS_ZJ);
  });

  test('a result naming the draw shows among its target’s results; one by another agency, for a subject not drawn or for an unexecuted draw is quarantined on JC_CCBH', async () => {
    const [target] = await targetsOf(drawId);
    if (!target) throw new Error('no target');
    await submit([inspectionRecord(target.uscc, drawId, 'DRAWN-1')]);
    const after = (await targetsOf(drawId, AS_PARTNER)).find((t) => t.uscc === target.uscc);
    expect(after?.results).toEqual([expect.objectContaining({ result: '责令整改', taskNo: '沪市监抽〔2024〕DRAWN-1' })]);
    const mismatch = [{ reasons: [{ field: 'JC_CCBH', rule: 'DRAW_MISMATCH' }] }];
    // ZJ-TAX (which may publish for the same authority) claims SH-SAMR's draw: refused.
    expect(await submitAs('ZJ-TAX', 'test-agency-zj', [inspectionRecord(target.uscc, drawId, 'FORGED-1')])).toMatchObject({ rejected: 1, results: mismatch });
    const drawn = new Set((await targetsOf(drawId)).map((t) => t.uscc));
    const outsider = SH.find((uscc) => !drawn.has(uscc)) ?? '';
    expect(await submitAs('SH-SAMR', 'test-agency', [inspectionRecord(outsider, drawId, 'NOT-DRAWN-1')])).toMatchObject({ rejected: 1, results: mismatch });
    const open = await commit('SH-SAMR', {});
    expect(await submitAs('SH-SAMR', 'test-agency', [inspectionRecord(target.uscc, open.id, 'UNEXECUTED-1')])).toMatchObject({
      rejected: 1,
      results: mismatch,
    });
    await cancel(open.id);
    const quarantined = await sql<{ reasons: { field: string; rule: string; message: string }[] }>`
      select reasons from quarantine where source_record_id = 'FORGED-1'`.execute(testHub.database.db);
    expect(quarantined.rows[0]?.reasons).toEqual([expect.objectContaining({ field: 'JC_CCBH', rule: 'DRAW_MISMATCH', value: drawId })]);
  });

  test('shown results are the drawing agency’s own and not REVOKED', async () => {
    const [target] = await targetsOf(drawId);
    if (!target) throw new Error('no target');
    const db = testHub.database.db;
    await sql`update records set agency_code = 'ZJ-TAX' where source_record_id = 'DRAWN-1'`.execute(db);
    const resultsOfTarget = async () => (await targetsOf(drawId, AS_BANK)).find((t) => t.uscc === target.uscc)?.results;
    expect(await resultsOfTarget()).toEqual([]);
    await sql`update records set agency_code = 'SH-SAMR', status = 'REVOKED' where source_record_id = 'DRAWN-1'`.execute(db);
    expect(await resultsOfTarget()).toEqual([]);
    await sql`update records set status = 'ACTIVE' where source_record_id = 'DRAWN-1'`.execute(db);
    expect(await resultsOfTarget()).toHaveLength(1);
  });

  test('draw verify fails on a tampered target, naming it', async () => {
    const [target] = await targetsOf(drawId);
    if (!target) throw new Error('no target');
    await sql`update inspection_draw_targets set inspectors = array['SH-02', 'SH-01'] where draw_id = ${drawId} and uscc = ${target.uscc}`.execute(
      testHub.database.db,
    );
    const lines: string[] = [];
    expect(await verifyDrawCommand(testHub.database.db, drawId, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toContain(`target ${target.uscc}: stated class ${target.creditClass} rank ${target.rank} inspectors [SH-02, SH-01]`);
    expect(await verifyDrawCommand(testHub.database.db, 'SJCC-2024-999999', () => undefined)).toBe(1);
  });

  test('commit, execute and cancel each write their audit entry; the execution notes its targets', async () => {
    const rows = await sql<{ operation: string; subjects: string[]; client_id: string }>`
      select operation, subjects, client_id from audit_log where operation like 'mutation %InspectionDraw' order by seq`.execute(testHub.database.db);
    const operations = rows.rows.map((r) => r.operation);
    expect(operations.filter((o) => o === 'mutation commitInspectionDraw').length).toBeGreaterThanOrEqual(4);
    expect(operations.filter((o) => o === 'mutation cancelInspectionDraw').length).toBeGreaterThanOrEqual(4);
    const firstExecution = rows.rows.find((r) => r.operation === 'mutation executeInspectionDraw');
    expect(firstExecution?.subjects).toHaveLength(5);
    expect(rows.rows.find((r) => r.operation === 'mutation commitInspectionDraw')?.subjects).toEqual([]);
  });
});

describe('randomness sources', () => {
  const future = roundAt(new Date(FIXED_NOW.getTime() + 3_600_000));

  test('a drand round must come at least 60 s after the commitment; the source is stored with its round time', async () => {
    const early = await refusal(
      COMMIT,
      { a: 'ZJ-TAX', i: { randomnessReference: `drand quicknet round ${roundAt(new Date(FIXED_NOW.getTime() + 30_000))}` } },
      AS_ZJ,
    );
    expect(early).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.randomnessReference', rule: 'DRAND_ROUND_TOO_EARLY' });
    const draw = await commit('ZJ-TAX', { randomnessReference: `drand quicknet round ${future}` }, AS_ZJ);
    const roundTime = new Date((DRAND_QUICKNET_GENESIS + (future - 1) * 3) * 1000);
    expect(draw.randomnessSource).toEqual({ kind: 'DRAND_QUICKNET', drandRound: future, roundTime: expect.any(String) as unknown });
    expect(Date.parse(defined(draw.randomnessSource.roundTime, 'the round time'))).toBe(roundTime.getTime());
  });

  test('a drand draw is executed by its own agency, not before its round’s time', async () => {
    const list = await testHub.gqlAs<DrawList>('{ inspectionDraws(agencyCode: "ZJ-TAX", first: 1) { edges { node { id status } } } }', {}, AS_ZJ);
    const open = defined(dataOf(list.body).inspectionDraws.edges[0], 'an open ZJ-TAX draw');
    expect(open.node.status).toBe('COMMITTED');
    expect(await refusal(EXECUTE, { id: open.node.id, seed: SEED }, AS_AGENCY)).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    const pending = await refusal(EXECUTE, { id: open.node.id, seed: SEED }, AS_ZJ);
    expect(pending).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seed', rule: 'DRAND_ROUND_PENDING' });
    await cancel(open.node.id, AS_ZJ);
  });

  test('after its round, a drand draw takes the round’s randomness (64 hex digits) as its seed', async () => {
    // Committed two hours ago for the round one hour ago: executable now.
    const deps = { ...adminContext(testHub).inspections, clock: () => new Date(FIXED_NOW.getTime() - 7_200_000) };
    const round = roundAt(new Date(FIXED_NOW.getTime() - 3_600_000));
    const committed = await commitInspectionDraw(
      deps,
      'ZJ-TAX',
      { regions: ['310000'], randomnessReference: `drand quicknet round ${round}` },
      'test-agency-zj',
      () => Promise.resolve(),
    );
    expect(await refusal(EXECUTE, { id: committed.id, seed: 'not-a-beacon-value' }, AS_ZJ)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'seed',
      rule: 'DRAND_RANDOMNESS',
    });
    expect(await execute(committed.id, SEED, AS_ZJ)).toMatchObject({ seed: SEED, status: 'EXECUTED' });
    expect(await verifyDrawCommand(testHub.database.db, committed.id, () => undefined)).toBe(0);
  });

  test('an operator value is entered by an admin client other than the committer, never by the committing agency', async () => {
    const own = await commit('SH-SAMR', {});
    expect(await refusal(EXECUTE, { id: own.id, seed: 'chosen by the agency' }, AS_AGENCY)).toMatchObject({ code: 'FORBIDDEN', reason: 'SEED_BY_OPERATOR' });
    await cancel(own.id);
    const byAdmin = await commit('SH-SAMR', {}, { client: 'test-admin', purpose: 'OPERATIONS' });
    expect(await refusal(EXECUTE, { id: byAdmin.id, seed: 'chosen by the committer' }, {})).toMatchObject({ code: 'FORBIDDEN', reason: 'SEED_BY_OPERATOR' });
    await cancel(byAdmin.id, { client: 'test-admin', purpose: 'OPERATIONS' });
  });

  test('a reference holding an identity number, too long, or a malformed drand reference is refused, the number masked', async () => {
    const withId = await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: '操作员 11010519491231002X 输入' } });
    expect(withId).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.randomnessReference', rule: 'IDENTITY_NUMBER_IN_TEXT' });
    expect(withId.message).not.toContain('11010519491231002X');
    expect(await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'x'.repeat(201) } })).toMatchObject({
      field: 'input.randomnessReference',
      rule: 'TEXT',
    });
    expect(await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'drand round 9000000' } })).toMatchObject({
      field: 'input.randomnessReference',
      rule: 'DRAND_REFERENCE',
    });
  });
});

describe('one open draw per agency and period; cancellation', () => {
  test('a second open commitment is a CONFLICT naming the open one; cancelled, it is published as such and frees the period', async () => {
    const open = await commit('SH-SAMR', {});
    const second = await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: OPERATOR_REFERENCE } });
    expect(second.code).toBe('CONFLICT');
    expect(second.message).toContain(open.id);
    expect(await refusal(CANCEL, { id: open.id, reason: '撤回' }, AS_ZJ)).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    expect(await refusal(CANCEL, { id: open.id, reason: '法人 11010519491231002X' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'reason',
      rule: 'IDENTITY_NUMBER_IN_TEXT',
    });
    const cancelled = await cancel(open.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: '误操作，撤回', seed: null });
    expect(cancelled.cancelledAt).toEqual(expect.any(String));
    const published = await testHub.gqlAs<{ inspectionDraw: unknown }>(
      `query($id: ID!) { inspectionDraw(id: $id) { status cancelReason } }`,
      { id: open.id },
      AS_BANK,
    );
    expect(dataOf(published.body).inspectionDraw).toEqual({ status: 'CANCELLED', cancelReason: '误操作，撤回' });
    expect((await refusal(EXECUTE, { id: open.id, seed: SEED }, {})).code).toBe('CONFLICT');
    expect((await refusal(CANCEL, { id: open.id, reason: '再次' })).code).toBe('CONFLICT');
    const again = await commit('SH-SAMR', {});
    await execute(again.id, SEED);
    expect((await refusal(CANCEL, { id: again.id, reason: '太迟' })).code).toBe('CONFLICT');
  });

  test('two commitments at once: one is committed, the other is a CONFLICT', async () => {
    const variables = { a: 'ZJ-TAX', i: { randomnessReference: OPERATOR_REFERENCE } };
    // Two clients (the agency, and an operator committing for it): one client gets one expensive request at a time.
    const responses = await Promise.all([
      testHub.gqlAs<{ commitInspectionDraw: Draw }>(COMMIT, variables, AS_ZJ),
      testHub.gqlAs<{ commitInspectionDraw: Draw }>(COMMIT, variables, { client: 'test-admin', purpose: 'OPERATIONS' }),
    ]);
    const codes = responses.map((r) => errorCodes(r.body)[0] ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
    const committed = defined(responses.find((r) => !r.body.errors)?.body.data?.commitInspectionDraw, 'the committed draw');
    await cancel(committed.id, AS_ZJ);
  });

  test('a draw id carries its period’s year in China time: committed 1 January 00:30 (China), it is a draw of the new year', async () => {
    const deps = { ...adminContext(testHub).inspections, clock: () => new Date('2024-12-31T16:30:00Z') };
    const draw = await commitInspectionDraw(deps, 'SH-SAMR', { randomnessReference: OPERATOR_REFERENCE }, 'test-agency', () => Promise.resolve());
    expect(draw.id).toMatch(/^SJCC-2025-\d{6}$/);
    expect(draw.period_start).toBe('2025-01-01');
  });
});

describe('draw access and input', () => {
  test('banks and partner hubs read draws and targets without any credit class: no population, no class, no rank, targets by USCC', async () => {
    const draws = await testHub.gqlAs<DrawList>('{ inspectionDraws(agencyCode: "SH-SAMR", first: 20) { edges { node { id status } } } }', {}, AS_AGENCY);
    const [executed] = dataOf(draws.body)
      .inspectionDraws.edges.filter((e) => e.node.status === 'EXECUTED')
      .reverse();
    const id = defined(executed, 'an executed draw').node.id;
    const withClasses = await targetsOf(id, AS_AGENCY);
    for (const caller of [AS_BANK, AS_PARTNER]) {
      const list = await testHub.gqlAs<DrawList>('{ inspectionDraws(first: 5) { totalCount edges { node { id } } } }', {}, caller);
      expect(dataOf(list.body).inspectionDraws.totalCount).toBeGreaterThan(0);
      const population = await testHub.gqlAs<{ inspectionDraw: unknown }>(POPULATION, { id }, caller);
      expect(firstError(population.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
      expect(population.body.data?.inspectionDraw).toEqual({ population: null });
      // Paged two at a time: the cursor holds no class either.
      const seen: Target[] = [];
      let after: string | null = null;
      do {
        const page: AnswerOf<GraphQLBody<Targets>> = await testHub.gqlAs<Targets>(
          TARGETS.replace('edges {', 'edges { cursor'),
          { id, after, first: 2 },
          caller,
        );
        const { edges, pageInfo }: Targets['inspectionDraw']['targets'] = dataOf(page.body).inspectionDraw.targets;
        for (const edge of edges) expect(Buffer.from(defined(edge.cursor, 'a cursor'), 'base64url').toString()).not.toMatch(/"[A-D]"/);
        seen.push(...edges.map((e) => e.node));
        after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      } while (after);
      expect(seen.map((t) => t.uscc)).toEqual(withClasses.map((t) => t.uscc).sort());
      expect(seen.every((t) => t.creditClass === null && t.rank === null)).toBe(true);
      expect(seen.map((t) => t.inspectors)).toEqual(seen.map((t) => withClasses.find((w) => w.uscc === t.uscc)?.inspectors));
    }
    expect(withClasses.every((t) => /^[A-D]$/.test(t.creditClass ?? '') && (t.rank ?? 0) > 0)).toBe(true);
  });

  test('only agencies (their own) and admins commit; bad input is BAD_USER_INPUT with field and rule in extensions', async () => {
    expect(await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'x' } }, AS_BANK)).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    expect(await refusal(COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'x' } }, AS_ZJ)).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_AGENCY' });
    expect(await refusal(CANCEL, { id: 'SJCC-2024-000001', reason: 'x' }, AS_BANK)).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
    const cases: [string, Record<string, unknown>, string, string, string][] = [
      [COMMIT, { a: 'SH-SAMR', i: { randomnessReference: 'r', regions: ['999999'] } }, 'input.regions[0]', 'REGION', 'input.regions[0]: REGION — "999999"'],
      [COMMIT, { a: 'SH-SAMR', i: { randomnessReference: '  ' } }, 'input.randomnessReference', 'TEXT', 'input.randomnessReference: TEXT'],
      [
        COMMIT,
        { a: 'SH-SAMR', i: { randomnessReference: 'r', agencies: ['NOPE'] } },
        'input.agencies[0]',
        'UNKNOWN_AGENCY',
        'input.agencies[0]: UNKNOWN_AGENCY',
      ],
      [COMMIT, { a: 'NOPE', i: { randomnessReference: 'r' } }, 'agencyCode', 'UNKNOWN_AGENCY', 'agencyCode: UNKNOWN_AGENCY'],
      [EXECUTE, { id: 'SJCC-2024-000001', seed: 'tab\there' }, 'seed', 'SEED', 'seed: SEED'],
      [EXECUTE, { id: 'not-a-draw', seed: 's' }, 'id', 'DRAW_ID', 'is not an inspection draw id'],
      [CANCEL, { id: 'SJCC-2024-000001', reason: ' ' }, 'reason', 'TEXT', 'reason: TEXT'],
    ];
    for (const [query, variables, field, rule, message] of cases) {
      const refused = await refusal(query, variables, query === COMMIT && variables['a'] === 'NOPE' ? {} : AS_AGENCY);
      expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
      expect(refused.message).toContain(message);
    }
    for (const [query, variables, message] of [
      [POPULATION.replace('first: 1000', 'first: 1001'), { id: 'SJCC-2024-000001' }, 'first must be between 1 and 1000'],
      [TARGETS, { id: 'SJCC-2024-000001', after: 'bm9wZQ' }, 'after is not a cursor'],
    ] as const) {
      const refused = await refusal(query, variables);
      expect(refused.code).toBe('BAD_USER_INPUT');
      expect(refused.message).toContain(message);
    }
  });

  test('an agency whose inspector pool is too small is refused naming the rule', async () => {
    const deps = { ...adminContext(testHub).inspections, config: inspectionsSchema.parse({ inspectors: [{ id: 'ZJ-01', name: '钱一', agency: 'ZJ-TAX' }] }) };
    await expect(
      commitInspectionDraw(deps, 'ZJ-TAX', { randomnessReference: OPERATOR_REFERENCE }, 'test-agency-zj', () => Promise.resolve()),
    ).rejects.toMatchObject({ field: 'agencyCode', rule: 'INSPECTOR_POOL' });
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { repairSchema } from '../../config/repair-schema.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { fileObjection, resolveObjection } from '../../repair/objections.js';
import { expireDueRecords } from '../../store/expiry-writes.js';
import { TEST_CLIENTS } from '../support/clients.js';
import { dataOf, defined, firstError } from '../support/answers.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

// The test hub's clock is Saturday 2024-06-01 (China): 5 working days later is Friday 2024-06-07.
const SUBJECT = enterpriseUscc('310115', 21);
const AGENCY = { client: 'test-agency', purpose: 'CREDIT_REPAIR' };
const OTHER_AGENCY = { client: 'test-agency-zj', purpose: 'CREDIT_REPAIR' };
const ADMIN = { client: 'test-admin', purpose: 'OPERATIONS' };
const OPERATOR = { clientId: 'test-admin', isAdmin: true, agencyCode: null, registrationRegion: null };
const rules = repairSchema.parse({});
// ZJ-TAX (not a registration agency) through a client that reads only records originating in Zhejiang.
const RESTRICTED = { client: 'zj-restricted', purpose: 'CREDIT_REPAIR' };
const IDENTITY_NUMBER = '11010519491231002X';

let testHub: TestHub;
const ids = new Map<string, string>();

const record = (source: string, n: number, extra: Record<string, unknown> = {}) =>
  penaltyRecord(
    { CF_XDR_MC: '上海异议示例有限公司', CF_XDR_SHXYM: SUBJECT, CF_JDRQ: '2024-02-01', CF_WSH: `沪罚〔2024〕2${n}号`, CF_WFXW: `违法行为${n}`, ...extra },
    source,
  );

beforeAll(async () => {
  const restricted = { ...TEST_CLIENTS.otherAgency.config, id: 'zj-restricted', regions: ['330000'] };
  testHub = await startTestHub({ ...TEST_CONFIG, clients: [...TEST_CONFIG.clients, restricted] });
  await ingestBatch(testHub.hub.ingestion, {
    agencyCode: 'SH-SAMR',
    source: 'test',
    records: [
      record('OBJ-CONFIRM', 1),
      record('OBJ-CORRECT', 2),
      record('OBJ-LAPSES', 3, { CF_GSJZQ: '2024-06-10' }),
      record('OBJ-OVERDUE', 4),
      record('OBJ-RESENT', 5),
    ],
  });
  // A Zhejiang tax penalty of the Shanghai subject: SH-SAMR registers Shanghai's subjects.
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'ZJ-TAX', source: 'test', records: [record('OBJ-ZJ', 6, { CF_WSH: '浙税罚〔2024〕6号' })] });
  for (const row of await testHub.database.db.selectFrom('records').select(['id', 'source_record_id']).execute()) ids.set(row.source_record_id, String(row.id));
});
afterAll(() => testHub.close());

const FILE = `mutation($r: ID!, $reason: String!) { fileObjection(recordId: $r, reason: $reason) {
  id status dueOn extended overdue record { id status } steps { step actor note } } }`;
const EXTEND = 'mutation($id: ID!, $n: String!) { extendObjection(id: $id, note: $n) { dueOn extended steps { step } } }';
const RESOLVE =
  'mutation($id: ID!, $r: ObjectionResolution!, $n: String!) { resolveObjection(id: $id, resolution: $r, note: $n) { status resolvedAt record { status } steps { step actor note } } }';

/** An objection as the list queries below read it (each reads some of these fields). */
type Objections = { objections: { edges: { node: { id: string; recordId: string; status: string } }[]; pageInfo: { endCursor: string } } };
type Filed = { fileObjection: { id: string; record: unknown } };

const statusOf = async (source: string) =>
  (await testHub.database.db.selectFrom('records').select('status').where('source_record_id', '=', source).executeTakeFirstOrThrow()).status;
const fileVia = (source: string, caller = AGENCY) => testHub.gqlAs<Filed>(FILE, { r: ids.get(source), reason: '该处罚已被行政复议撤销' }, caller);

describe('objections (异议)', () => {
  test('filing puts the record DISPUTED, shown and flagged, due in 5 working days; one open objection per record', async () => {
    const filed = await fileVia('OBJ-CONFIRM');
    expect(filed.body.errors).toBeUndefined();
    expect(dataOf(filed.body).fileObjection).toMatchObject({
      status: 'OPEN',
      dueOn: '2024-06-07',
      extended: false,
      overdue: false,
      record: { id: ids.get('OBJ-CONFIRM'), status: 'DISPUTED' },
      steps: [{ step: 'FILED', actor: 'test-agency', note: '该处罚已被行政复议撤销' }],
    });
    const shown = await testHub.gqlAs<{ subject: { records: { edges: unknown } } }>(
      `query($u: USCC!) { subject(uscc: $u) { records(first: 10, filter: { statuses: [DISPUTED] }) { edges { node { id status } } } } }`,
      { u: SUBJECT },
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    expect(dataOf(shown.body).subject.records.edges).toEqual([{ node: { id: ids.get('OBJ-CONFIRM'), status: 'DISPUTED' } }]);
    const history = await testHub.database.db
      .selectFrom('record_history')
      .select(['change', 'old_status', 'new_status', 'changed_by'])
      .where('record_id', '=', Number(ids.get('OBJ-CONFIRM')))
      .orderBy('seq')
      .execute();
    expect(history.at(-1)).toEqual({
      change: 'STATUS_CHANGED',
      old_status: 'ACTIVE',
      new_status: 'DISPUTED',
      changed_by: expect.stringMatching(/^objection:\d+$/),
    });

    expect(firstError((await fileVia('OBJ-CONFIRM')).body).extensions.code).toBe('CONFLICT');
    const repair = await testHub.gqlAs<unknown>(
      `mutation($r: ID!) { fileRepairRequest(input: { recordId: $r, evidence: "x", fulfilledOn: "2024-03-01", fulfilmentEvidence: "x" }) { id } }`,
      { r: ids.get('OBJ-CONFIRM') },
      AGENCY,
    );
    expect(firstError(repair.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'RECORD_ACTIVE' });
    const empty = await testHub.gqlAs<Filed>(FILE, { r: ids.get('OBJ-CORRECT'), reason: ' ' }, AGENCY);
    expect(firstError(empty.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason', rule: 'LENGTH' });
  });

  test('extension: by the source agency only, once, to 20 working days from filing', async () => {
    const [objection] = dataOf((await testHub.gqlAs<Objections>('{ objections(status: OPEN) { edges { node { id } } } }', {}, AGENCY)).body).objections.edges;
    const id = defined(objection, 'an open objection').node.id;
    const wrong = await testHub.gqlAs<{ extendObjection: unknown }>(EXTEND, { id, n: '需调取材料' }, OTHER_AGENCY);
    expect(firstError(wrong.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_SOURCE_AGENCY' });
    const extended = await testHub.gqlAs<{ extendObjection: unknown }>(EXTEND, { id, n: '需调取材料' }, AGENCY);
    expect(dataOf(extended.body).extendObjection).toEqual({ dueOn: '2024-06-28', extended: true, steps: [{ step: 'FILED' }, { step: 'EXTENDED' }] });
    const again = await testHub.gqlAs<{ extendObjection: unknown }>(EXTEND, { id, n: '再延期' }, AGENCY);
    expect(firstError(again.body).extensions.code).toBe('CONFLICT');
    expect(firstError(again.body).message).toContain('extended once');
  });

  test('CONFIRM restores the record ACTIVE; CORRECT revokes it; other agencies may not resolve', async () => {
    const [open] = dataOf((await testHub.gqlAs<Objections>('{ objections(status: OPEN) { edges { node { id } } } }', {}, AGENCY)).body).objections.edges;
    const objection = defined(open, 'an open objection');
    const wrong = await testHub.gqlAs<{ resolveObjection: unknown }>(RESOLVE, { id: objection.node.id, r: 'CORRECT', n: '经核实' }, OTHER_AGENCY);
    expect(firstError(wrong.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_SOURCE_AGENCY' });
    expect(await statusOf('OBJ-CONFIRM')).toBe('DISPUTED');
    const confirmed = await testHub.gqlAs<{ resolveObjection: unknown }>(RESOLVE, { id: objection.node.id, r: 'CONFIRM', n: '经核实, 记录无误' }, AGENCY);
    expect(dataOf(confirmed.body).resolveObjection).toMatchObject({
      status: 'CONFIRMED',
      record: { status: 'ACTIVE' },
      steps: [{ step: 'FILED' }, { step: 'EXTENDED' }, { step: 'CONFIRMED', actor: 'test-agency', note: '经核实, 记录无误' }],
    });
    expect(
      firstError((await testHub.gqlAs<{ resolveObjection: unknown }>(RESOLVE, { id: objection.node.id, r: 'CORRECT', n: 'x' }, AGENCY)).body).extensions.code,
    ).toBe('CONFLICT');

    const corrected = dataOf((await fileVia('OBJ-CORRECT')).body).fileObjection;
    const resolved = await testHub.gqlAs<{ resolveObjection: unknown }>(RESOLVE, { id: corrected.id, r: 'CORRECT', n: '记录有误, 已撤销并重新报送' }, ADMIN);
    expect(dataOf(resolved.body).resolveObjection).toMatchObject({ status: 'CORRECTED', record: { status: 'REVOKED' } });
    const audit = await testHub.database.db
      .selectFrom('audit_log')
      .select(['outcome', 'subjects'])
      .where('operation', '=', 'mutation resolveObjection')
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { outcome: 'DENIED:NOT_SOURCE_AGENCY', subjects: [SUBJECT] },
      { outcome: 'OK', subjects: [SUBJECT] },
      { outcome: 'ERROR:CONFLICT', subjects: [] },
      { outcome: 'OK', subjects: [SUBJECT] },
    ]);
  });

  test('a record whose period ended while disputed is EXPIRED when the objection is confirmed; the expiry job leaves it alone meanwhile', async () => {
    const filed = dataOf((await fileVia('OBJ-LAPSES')).body).fileObjection;
    expect(await expireDueRecords(testHub.database.db, '2024-06-20', 'job:expire-records')).toBe(0);
    expect(await statusOf('OBJ-LAPSES')).toBe('DISPUTED');
    await testHub.database.db
      .transaction()
      .execute((trx) =>
        resolveObjection(trx, Number(filed.id), 'CONFIRM', '记录无误', OPERATOR, { today: '2024-06-20', now: new Date('2024-06-20T02:00:00Z') }),
      );
    expect(await statusOf('OBJ-LAPSES')).toBe('EXPIRED');
  });

  test('overdue objections: open and past their due date, by the request clock', async () => {
    // Filed on Monday 2024-05-20 (an injected clock): due Monday 2024-05-27, overdue on 2024-06-01.
    await testHub.database.db
      .transaction()
      .execute((trx) =>
        fileObjection(trx, Number(ids.get('OBJ-OVERDUE')), '当事人称已整改', OPERATOR, rules, { today: '2024-05-20', now: new Date('2024-05-20T02:00:00Z') }),
      );
    await fileVia('OBJ-RESENT');
    const overdue = await testHub.gqlAs<Objections>('{ objections(overdue: true) { edges { node { recordId dueOn overdue status } } } }', {}, AGENCY);
    expect(dataOf(overdue.body).objections.edges).toEqual([{ node: { recordId: ids.get('OBJ-OVERDUE'), dueOn: '2024-05-27', overdue: true, status: 'OPEN' } }]);
    const all = await testHub.gqlAs<Objections>(
      '{ objections(agencyCode: "SH-SAMR", first: 2) { edges { node { recordId overdue } } pageInfo { hasNextPage endCursor } } }',
      {},
      AGENCY,
    );
    expect(dataOf(all.body).objections.edges).toEqual([
      { node: { recordId: ids.get('OBJ-RESENT'), overdue: false } },
      { node: { recordId: ids.get('OBJ-OVERDUE'), overdue: true } },
    ]);
    const next = await testHub.gqlAs<Objections>(
      'query($a: String) { objections(agencyCode: "SH-SAMR", first: 10, after: $a) { edges { node { status } } } }',
      { a: dataOf(all.body).objections.pageInfo.endCursor },
      AGENCY,
    );
    expect(dataOf(next.body).objections.edges.map((e) => e.node.status)).toEqual(['CONFIRMED', 'CORRECTED', 'CONFIRMED']);
    const none = await testHub.gqlAs<Objections>('{ objections(agencyCode: "ZJ-TAX") { edges { node { id } } } }', {}, AGENCY);
    expect(dataOf(none.body).objections.edges).toEqual([]);
  });

  test('ingestion keeps DISPUTED on a re-sent record; the agency revoking it wins', async () => {
    const resend = (extra: Record<string, unknown>) =>
      ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [record('OBJ-RESENT', 5, extra)] });
    expect((await resend({})).unchanged).toBe(1);
    expect((await resend({ CF_NR: '罚款人民币5万元（补正）' })).updated).toBe(1);
    expect(await statusOf('OBJ-RESENT')).toBe('DISPUTED');
    expect((await resend({ CF_ZT: '2' })).updated).toBe(1);
    expect(await statusOf('OBJ-RESENT')).toBe('REVOKED');
  });
});

describe('objections: who files, who sees, filing again', () => {
  test('a client that cannot read the record gets NOT_FOUND as for no record; the record keeps counting', async () => {
    const hidden = await fileVia('OBJ-RESENT', RESTRICTED);
    expect(firstError(hidden.body)).toMatchObject({ message: `recordId: no record ${ids.get('OBJ-RESENT')}`, extensions: { code: 'NOT_FOUND' } });
    const confirmedHidden = await fileVia('OBJ-CONFIRM', RESTRICTED);
    expect(firstError(confirmedHidden.body).extensions).toEqual({ code: 'NOT_FOUND' });
    const missing = await testHub.gqlAs<Filed>(FILE, { r: '999999', reason: 'x' }, RESTRICTED);
    expect(firstError(missing.body)).toMatchObject({ message: 'recordId: no record 999999', extensions: { code: 'NOT_FOUND' } });
    const bad = await testHub.gqlAs<Filed>(FILE, { r: 'abc', reason: 'x' }, AGENCY);
    expect(firstError(bad.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'recordId', rule: 'ID' });
  });

  test('another agency that is neither source nor registration agency is FORBIDDEN, audited as a denial; nothing changes', async () => {
    const refused = await fileVia('OBJ-CONFIRM', OTHER_AGENCY);
    expect(firstError(refused.body).extensions).toEqual({ code: 'FORBIDDEN', reason: 'NOT_OBJECTION_WINDOW' });
    expect(await statusOf('OBJ-CONFIRM')).toBe('ACTIVE');
    const audit = await testHub.database.db
      .selectFrom('audit_log')
      .select(['outcome', 'client_id'])
      .where('operation', '=', 'mutation fileObjection')
      .where('outcome', 'like', 'DENIED%')
      .execute();
    expect(audit).toEqual([{ outcome: 'DENIED:NOT_OBJECTION_WINDOW', client_id: 'test-agency-zj' }]);
  });

  test("the registration agency of the subject files on another agency's record; the source agency files on its own", async () => {
    const zjOwn = await testHub.gqlAs<Filed>(FILE, { r: ids.get('OBJ-ZJ'), reason: '当事人称已补缴' }, AGENCY);
    expect(zjOwn.body.errors).toBeUndefined();
    expect(dataOf(zjOwn.body).fileObjection.record).toEqual({ id: ids.get('OBJ-ZJ'), status: 'DISPUTED' });
  });

  test('once confirmed, an objection is not filed again except by an operator', async () => {
    const again = await fileVia('OBJ-CONFIRM');
    expect(firstError(again.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'recordId', rule: 'ALREADY_CONFIRMED' });
    expect(firstError(again.body).message).toContain('confirmed on 2024-06-01');
    expect(firstError(again.body).message).toContain('行政复议');
    expect(await statusOf('OBJ-CONFIRM')).toBe('ACTIVE');
    const byOperator = await fileVia('OBJ-CONFIRM', ADMIN);
    expect(dataOf(byOperator.body).fileObjection).toMatchObject({ status: 'OPEN', record: { status: 'DISPUTED' } });
  });

  test('an identity number in a reason or note is refused, masked', async () => {
    const reason = await testHub.gqlAs<Filed>(FILE, { r: ids.get('OBJ-RESENT'), reason: `法定代表人 ${IDENTITY_NUMBER} 称已整改` }, AGENCY);
    expect(firstError(reason.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason', rule: 'IDENTITY_NUMBER_IN_TEXT' });
    expect(firstError(reason.body).message).toContain('1101**********002X');
    const open = dataOf((await testHub.gqlAs<Objections>('{ objections(status: OPEN, first: 1) { edges { node { id } } } }', {}, AGENCY)).body).objections
      .edges[0]?.node.id;
    const note = await testHub.gqlAs<{ resolveObjection: unknown }>(RESOLVE, { id: open, r: 'CONFIRM', n: `经办人 ${IDENTITY_NUMBER}` }, AGENCY);
    expect(firstError(note.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note', rule: 'IDENTITY_NUMBER_IN_TEXT' });
    expect(JSON.stringify([reason.body, note.body])).not.toContain(IDENTITY_NUMBER);
  });

  test('agencies see only their own cases (filed by them or on their records); operators see all', async () => {
    const listed = async (caller: { client: string; purpose: string }) =>
      dataOf((await testHub.gqlAs<Objections>('{ objections(first: 100) { edges { node { id recordId } } } }', {}, caller)).body).objections.edges.map(
        (e) => e.node,
      );
    const all = await listed(ADMIN);
    expect((await listed(AGENCY)).length).toBe(all.length);
    for (const caller of [OTHER_AGENCY, RESTRICTED]) expect(new Set((await listed(caller)).map((c) => c.recordId))).toEqual(new Set([ids.get('OBJ-ZJ')]));
    const foreign = defined(
      all.find((c) => c.recordId === ids.get('OBJ-CONFIRM')),
      'the objection on OBJ-CONFIRM',
    );
    expect(
      dataOf((await testHub.gqlAs<{ objection: unknown }>('query($id: ID!) { objection(id: $id) { id } }', { id: foreign.id }, OTHER_AGENCY)).body).objection,
    ).toBeNull();
    expect(
      dataOf((await testHub.gqlAs<{ objection: unknown }>('query($id: ID!) { objection(id: $id) { id } }', { id: foreign.id }, AGENCY)).body).objection,
    ).toEqual({ id: foreign.id });
  });
});

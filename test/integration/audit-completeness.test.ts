import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { sql } from 'kysely';
import request from 'supertest';
import { chainLink, leafHash } from '../../audit/merkle.js';
import { checkAuditReceipt, RECEIPT_TYP } from '../../audit/receipts.js';
import { signCheckpoint } from '../../audit/checkpoints.js';
import { verifyAuditLog } from '../../audit/verify-log.js';
import { tokenIdentity } from '../../server/hub-config.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { PURPOSE_HEADER } from '../../server/auth/require-access.js';
import { AUDIT_RECEIPT_HEADER } from '../../server/audit-plugin.js';
import type { HubDb } from '../../store/database.js';
import { dataOf, defined, firstError, type AnswerOf, type GraphQLBody } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

const { issuer } = tokenIdentity(TEST_CONFIG);
const PERSON_ID = '11010519491231002X';
const AS_AGENCY = { client: 'test-agency', purpose: 'SUPERVISION' };
const RECORDS_QUERY = 'query($n: Int!) { records(first: $n) { edges { node { party { uscc } documentNumber } } } }';

let testHub: TestHub;
afterEach(async () => testHub.close());

/** One penalty record for each of `count` enterprises. */
async function ingestSubjects(count: number): Promise<string[]> {
  const usccs = Array.from({ length: count }, (_, i) => enterpriseUscc('310115', i + 1));
  const records = usccs.map((uscc, i) => penaltyRecord({ CF_XDR_SHXYM: uscc, CF_WSH: `沪市监浦处〔2024〕${i + 1}号` }, `P-${i + 1}`));
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records });
  return usccs;
}

type Edges<N> = { edges: { node: N }[] };
type SeqEdges = Edges<{ seq: number }>;

/** The audit entries the hub says an answer wrote. */
const auditEntriesOf = (body: GraphQLBody<unknown>): readonly number[] => defined(body.extensions?.auditEntries, 'auditEntries');

const entryAt = (seq: number) =>
  testHub.database.db.selectFrom('audit_log').select(['subjects', 'outcome', 'entry']).where('seq', '=', seq).executeTakeFirstOrThrow();

describe('every subject a response touches is in its audit entry', () => {
  test('a request that would touch more than limits.maxSubjectsPerRequest is refused, its data withheld, and audited as DENIED:TOO_MANY_SUBJECTS', async () => {
    testHub = await startTestHub({ ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, maxSubjectsPerRequest: 5 } });
    await ingestSubjects(8);
    const refused = await testHub.gqlAs<unknown>(RECORDS_QUERY, { n: 20 }, AS_AGENCY);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      { message: expect.stringContaining('more than 5 subjects'), extensions: { code: 'BAD_REQUEST', reason: 'TOO_MANY_SUBJECTS', limit: 5 } },
    ]);
    expect(JSON.stringify(refused.body)).not.toContain('沪市监浦处');
    const entry = await entryAt(defined(auditEntriesOf(refused.body)[0], 'the refusal’s audit entry'));
    expect(entry.outcome).toBe('DENIED:TOO_MANY_SUBJECTS');
    expect(entry.subjects).toHaveLength(5); // the subjects read up to the refusal

    const allowed = await testHub.gqlAs<{ records: Edges<unknown> }>(RECORDS_QUERY, { n: 5 }, AS_AGENCY);
    expect(dataOf(allowed.body).records.edges).toHaveLength(5);
    expect((await entryAt(defined(auditEntriesOf(allowed.body)[0], 'the read’s audit entry'))).outcome).toBe('OK');
  });

  test('a request reading 600 subjects notes all 600, and each subject’s access log finds it', async () => {
    testHub = await startTestHub();
    const usccs = await ingestSubjects(600);
    const read = await testHub.gqlAs<{ changeFeed: Edges<unknown> }>('{ changeFeed(first: 1000) { edges { node { record { party { uscc } } } } } }');
    expect(dataOf(read.body).changeFeed.edges).toHaveLength(600);
    const seq = defined(auditEntriesOf(read.body)[0], 'the read’s audit entry');
    const entry = await entryAt(seq);
    expect(entry.outcome).toBe('OK');
    expect(entry.subjects).toEqual([...usccs].sort());
    const last = [...usccs].sort().at(-1);
    const log = await testHub.gqlAs<{ subjectAccessLog: SeqEdges }>(
      'query($u: USCC!) { subjectAccessLog(uscc: $u) { edges { node { seq } } } }',
      { u: last },
      AS_AGENCY,
    );
    expect(dataOf(log.body).subjectAccessLog.edges.map((e) => e.node.seq)).toEqual([seq]);
  });
});

describe('natural persons are noted by a keyed hash of their identity number', () => {
  test('a person’s record read is noted as person:<hash>, never the number; personAccessLog finds it by the number', async () => {
    testHub = await startTestHub();
    const person = penaltyRecord(
      { CF_XDR_LB: '自然人', CF_XDR_MC: '李四', CF_XDR_SHXYM: '', CF_FRDB: '', CF_XDR_ZJLX: '身份证', CF_XDR_ZJHM: PERSON_ID },
      'P-PERSON',
    );
    await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [person] });
    const read = await testHub.gqlAs<{ records: Edges<unknown> }>('{ records(first: 5) { edges { node { party { name idNumberMasked } } } } }', {}, AS_AGENCY);
    expect(dataOf(read.body).records.edges).toEqual([{ node: { party: { name: '李四', idNumberMasked: '1101**********002X' } } }]);
    const seq = defined(auditEntriesOf(read.body)[0], 'the read’s audit entry');
    const entry = await entryAt(seq);
    expect(entry.subjects).toEqual([expect.stringMatching(/^person:[0-9a-f]{64}$/)]);
    // Keyed: not the number, nor its plain hash (which anyone could compute for every possible number).
    expect(entry.entry).not.toContain(PERSON_ID);
    expect(entry.subjects[0]).not.toBe(`person:${createHash('sha256').update(PERSON_ID).digest('hex')}`);

    // Found by the number as written in any case or width.
    const log = await testHub.gqlAs<{ personAccessLog: Edges<unknown> }>(
      'query($id: String!) { personAccessLog(idNumber: $id) { edges { node { seq subjects outcome } } } }',
      { id: ' １１０１０５１９４９１２３１００２x' },
      AS_AGENCY,
    );
    expect(dataOf(log.body).personAccessLog.edges).toEqual([{ node: { seq, subjects: entry.subjects, outcome: 'OK' } }]);

    const other = await testHub.gqlAs<{ personAccessLog: SeqEdges }>(
      'query($id: String!) { personAccessLog(idNumber: $id) { edges { node { seq } } } }',
      { id: '110105194912310038' },
      AS_AGENCY,
    );
    expect(dataOf(other.body).personAccessLog.edges.map((e) => e.node.seq)).not.toContain(seq);
  });

  test('personAccessLog refuses a number failing GB 11643 without echoing it, and needs scope audit:subject', async () => {
    testHub = await startTestHub();
    const bad = await testHub.gqlAs<unknown>(
      'query($id: String!) { personAccessLog(idNumber: $id) { edges { node { seq } } } }',
      { id: '110105194912310021' },
      AS_AGENCY,
    );
    expect(firstError(bad.body).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'idNumber',
      rule: 'RESIDENT_ID_CHECKSUM',
      value: '1101**********0021',
    });
    expect(JSON.stringify(bad.body)).not.toContain('110105194912310021');
    const bank = await testHub.gqlAs<unknown>(
      'query($id: String!) { personAccessLog(idNumber: $id) { edges { node { seq } } } }',
      { id: PERSON_ID },
      { client: 'test-bank', purpose: 'LOAN_REVIEW' },
    );
    expect(firstError(bank.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
  });

  test('the key is made once and kept: the table refuses changing or removing it', async () => {
    testHub = await startTestHub();
    const rows = await sql<{ length: number }>`select length(key) as length from audit_person_key`.execute(testHub.database.db);
    expect(rows.rows).toEqual([{ length: 32 }]);
    await expect(sql`update audit_person_key set key = sha256(key)`.execute(testHub.database.db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`delete from audit_person_key`.execute(testHub.database.db)).rejects.toThrow(/append-only: DELETE refused/);
  });
});

describe('signed receipts of audit entries', () => {
  const SUBJECT_QUERY = 'query($u: USCC!) { subject(uscc: $u) { name } }';
  const PUDONG = enterpriseUscc('310115', 1);
  let db: HubDb;

  async function jwks(): Promise<JSONWebKeySet> {
    return (await request(testHub.hub.httpServer).get('/.well-known/jwks.json')).body as JSONWebKeySet;
  }

  async function readWithReceipt(): Promise<{ seq: number; receipt: string }> {
    const response: AnswerOf<GraphQLBody<{ subject: { name: string } | null }>> = await request(testHub.hub.httpServer)
      .post('/graphql')
      .set('authorization', `Bearer ${await testHub.tokenFor('test-agency')}`)
      .set(PURPOSE_HEADER, 'SUPERVISION')
      .set(AUDIT_RECEIPT_HEADER, '1')
      .send({ query: SUBJECT_QUERY, variables: { u: PUDONG } });
    expect(dataOf(response.body).subject?.name).toBe('上海浦东示例科技有限公司');
    const seq = defined(auditEntriesOf(response.body)[0], 'the read’s audit entry');
    const receipts = response.body.extensions?.auditReceipts as readonly string[] | undefined;
    return { seq, receipt: defined(receipts?.[0], 'an audit receipt') };
  }

  const check = async (receipt: string) => checkAuditReceipt({ db, jwks: createLocalJWKSet(await jwks()), issuer }, receipt);

  /** Rewrites entry `seq` as an attacker with the database would: leaf, the chain after it and the head recomputed. */
  async function rewriteConsistently(seq: number): Promise<void> {
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
    try {
      const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).orderBy('seq').execute();
      let chain: Buffer = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');
      for (const row of rows) {
        const entry = row.seq === seq ? row.entry.replace('"SUPERVISION"', '"CREDIT_REPAIR"') : row.entry;
        const leaf = leafHash(Buffer.from(entry));
        chain = chainLink(chain, leaf);
        await sql`update audit_log set entry = ${entry}, purpose = ${(JSON.parse(entry) as { purpose: string }).purpose}, leaf_hash = decode(${leaf.toString('hex')}, 'hex'), chain_hash = decode(${chain.toString('hex')}, 'hex') where seq = ${row.seq}`.execute(
          db,
        );
      }
      await sql`update audit_head set chain_hash = decode(${chain.toString('hex')}, 'hex')`.execute(db);
    } finally {
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
    }
  }

  test('only a request with X-Audit-Receipt: 1 gets receipts; each is signed with a key of the JWKS and names its entry', async () => {
    testHub = await startTestHub();
    db = testHub.database.db;
    await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
    const plain = await testHub.gqlAs<unknown>(SUBJECT_QUERY, { u: PUDONG }, AS_AGENCY);
    expect(plain.body.extensions?.auditEntries).toEqual([0]);
    expect(plain.body.extensions).not.toHaveProperty('auditReceipts');

    const { seq, receipt } = await readWithReceipt();
    const { payload, protectedHeader } = await jwtVerify(receipt, createLocalJWKSet(await jwks()), { typ: RECEIPT_TYP, issuer });
    const row = await db
      .selectFrom('audit_log')
      .select(sql<string>`encode(leaf_hash, 'hex')`.as('leaf'))
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    expect(protectedHeader.typ).toBe('audit-receipt+jwt');
    expect(payload).toMatchObject({ iss: issuer, seq, leaf_hash: row.leaf, tree_size: seq + 1, iat: expect.any(Number) });
    expect(await check(receipt)).toEqual({ verdict: 'HELD', message: `entry ${seq} is in the log as receipted; no signed checkpoint covers it yet` });
    await signCheckpoint(testHub.hub.checkpoints);
    expect((await check(receipt)).message).toBe(`entry ${seq} is in the log as receipted, and in the signed checkpoints of size 2`);
    expect((await check(`${receipt.slice(0, -4)}AAAA`)).verdict).toBe('INVALID');
  });

  test('an entry after the last checkpoint rewritten consistently passes `audit verify`, but its receipt shows the alteration', async () => {
    testHub = await startTestHub();
    db = testHub.database.db;
    await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
    await readWithReceipt();
    await signCheckpoint(testHub.hub.checkpoints);
    const { seq, receipt } = await readWithReceipt();
    await readWithReceipt();
    expect((await check(receipt)).verdict).toBe('HELD');

    await rewriteConsistently(seq);
    expect((await verifyAuditLog(db, testHub.hub.keys, issuer)).firstProblem).toBeUndefined();
    expect(await check(receipt)).toEqual({
      verdict: 'ALTERED',
      message: `entry ${seq} was altered: the log's entry at that position is not the one the hub receipted`,
    });
    // A checkpoint signed over the rewritten log does not make the receipt check out either.
    await signCheckpoint(testHub.hub.checkpoints);
    expect((await check(receipt)).verdict).toBe('ALTERED');
  });

  test('the last entry dropped with the head rewound passes `audit verify`, but its receipt shows it dropped', async () => {
    testHub = await startTestHub();
    db = testHub.database.db;
    await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
    await readWithReceipt();
    const { seq, receipt } = await readWithReceipt();
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
    await sql`alter table audit_subjects disable trigger audit_subjects_append_only`.execute(db);
    await sql`delete from audit_subjects where seq = ${seq}`.execute(db);
    await sql`delete from audit_log where seq = ${seq}`.execute(db);
    await sql`update audit_head set size = ${seq}, chain_hash = (select chain_hash from audit_log where seq = ${seq - 1})`.execute(db);
    await sql`alter table audit_subjects enable trigger audit_subjects_append_only`.execute(db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
    expect((await verifyAuditLog(db, testHub.hub.keys, issuer)).firstProblem).toBeUndefined();
    expect(await check(receipt)).toEqual({ verdict: 'DROPPED', message: `entry ${seq} was dropped: the log holds no entry at the receipted position` });
  });
});

describe('identity numbers where a USCC belongs, and refusals after a write', () => {
  test('a resident identity number given as a USCC is refused without echoing it, and noted only by its keyed hash', async () => {
    testHub = await startTestHub();
    const response = await testHub.gqlAs<unknown>(
      'query($u: USCC!) { creditReport(uscc: $u) { name } }',
      { u: PERSON_ID },
      { client: 'test-bank', purpose: 'LOAN_REVIEW' },
    );
    expect(firstError(response.body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'IDENTITY_NUMBER' });
    expect(JSON.stringify(response.body)).not.toContain(PERSON_ID);
    const inline = await testHub.gql(`{ subjectAccessLog(uscc: "${PERSON_ID}") { edges { node { seq } } } }`, {}, AS_AGENCY);
    expect(JSON.stringify(inline.body)).not.toContain(PERSON_ID);
    const entries = await testHub.database.db.selectFrom('audit_log').select(['entry']).execute();
    expect(JSON.stringify(entries)).not.toContain(PERSON_ID);
  });

  test('a denial after a successful write in the same request gets its own audit entry', async () => {
    testHub = await startTestHub();
    await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
    const grant = await testHub.gqlAs<{ grantAuthorization: { id: string } }>(
      'mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { id } }',
      {
        i: { uscc: enterpriseUscc('310115', 1), clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 1' },
      },
    );
    const { id } = dataOf(grant.body).grantAuthorization;
    const mixed = await testHub.gqlAs<unknown>(
      `mutation($i: GrantAuthorizationInput!) { g: grantAuthorization(input: $i) { id } r: revokeAuthorization(id: "${id}") { id } }`,
      { i: { uscc: enterpriseUscc('310115', 2), clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2' } },
      { client: 'test-agency-zj', purpose: 'SUPERVISION' },
    );
    expect(firstError(mixed.body).extensions.reason).toBe('NOT_GRANTOR');
    const seqs = auditEntriesOf(mixed.body);
    expect(seqs).toHaveLength(2);
    const outcomes = await Promise.all(seqs.map(async (seq) => (await entryAt(seq)).outcome));
    expect(outcomes).toEqual(['OK', 'DENIED:NOT_GRANTOR']);
  });
});

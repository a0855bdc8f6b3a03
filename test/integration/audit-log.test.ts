import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { sql } from 'kysely';
import request from 'supertest';
import { appendAuditEvent } from '../../audit/audit-log.js';
import { CHECKPOINT_TYP, proveInclusion, signCheckpoint } from '../../audit/checkpoints.js';
import { chainLink, leafHash, rootFromInclusionProof } from '../../audit/merkle.js';
import { verifyAuditLog } from '../../audit/verify-log.js';
import { tokenIdentity } from '../../server/hub-config.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import type { HubDb } from '../../store/database.js';
import { dataOf, defined, firstError, type AnswerOf } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

const PUDONG = enterpriseUscc('310115', 1);
const { issuer } = tokenIdentity(TEST_CONFIG);
const SUBJECT_QUERY = 'query($u: USCC!) { subject(uscc: $u) { name records(first: 5) { edges { node { kind documentNumber } } } } }';

let testHub: TestHub;
const verify = () => verifyAuditLog(testHub.database.db, testHub.hub.keys, issuer);

/** Runs `change` as an attacker with direct database access would: with the append-only triggers off. */
async function tamper(db: HubDb, change: () => Promise<unknown>): Promise<void> {
  await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
  try {
    await change();
  } finally {
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
  }
}

async function fillLog(entries: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < entries; i++) {
    const response = await testHub.gqlAs<unknown>(
      SUBJECT_QUERY,
      { u: PUDONG },
      { client: i % 2 ? 'test-agency' : 'test-admin', purpose: i % 2 ? 'SUPERVISION' : 'OPERATIONS' },
    );
    seqs.push(...(response.body.extensions?.auditEntries ?? []));
  }
  return seqs;
}

beforeEach(async () => {
  testHub = await startTestHub();
  await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'P-1')] });
});
afterEach(() => testHub.close());

describe('what is audited', () => {
  test('each request appends one entry naming client, operation, subjects, fields and kinds, purpose and outcome, never the data', async () => {
    const response = await testHub.gqlAs<unknown>(SUBJECT_QUERY, { u: PUDONG }, { client: 'test-agency', purpose: 'SUPERVISION' });
    expect(response.body.extensions?.auditEntries).toEqual([0]);
    const [first] = await testHub.database.db.selectFrom('audit_log').selectAll().execute();
    const row = defined(first, 'the audit entry');
    const entry = JSON.parse(row.entry) as { returned: string[] };
    expect(entry).toMatchObject({
      v: 1,
      client: 'test-agency',
      clientType: 'AGENCY',
      operation: 'query subject',
      subjects: [PUDONG],
      purpose: 'SUPERVISION',
      authorizations: [],
      outcome: 'OK',
    });
    expect(entry.returned).toEqual(expect.arrayContaining(['Query.subject', 'Subject.name', 'Record.documentNumber', 'kind:PENALTY']));
    expect(row.entry).not.toContain('上海浦东示例科技有限公司');
    expect(row.entry).not.toContain('沪市监浦处');
  });

  test('denied and failed requests are audited with their outcome; a failed write leaves only its ERROR entry', async () => {
    const denied = await testHub.gqlAs<unknown>('{ clients { id } }', {}, { client: 'test-agency', purpose: 'SUPERVISION' });
    expect(firstError(denied.body).extensions.code).toBe('FORBIDDEN');
    const failed = await testHub.gqlAs<unknown>('mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { id } }', {
      i: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2020-01-01', evidence: '授权书 2024-0001' },
    });
    expect(firstError(failed.body).extensions.code).toBe('BAD_USER_INPUT');
    const rows = await testHub.database.db.selectFrom('audit_log').select(['seq', 'client_id', 'operation', 'outcome']).orderBy('seq').execute();
    expect(rows).toEqual([
      { seq: 0, client_id: 'test-agency', operation: 'query clients', outcome: 'DENIED:MISSING_SCOPE' },
      { seq: 1, client_id: 'test-admin', operation: 'mutation grantAuthorization', outcome: 'ERROR:BAD_USER_INPUT' },
    ]);
    expect(await testHub.database.db.selectFrom('authorizations').selectAll().execute()).toEqual([]);
  });

  test('a write and its audit entry commit together', async () => {
    const granted = await testHub.gqlAs<unknown>('mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { id } }', {
      i: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0001' },
    });
    const seq = defined(granted.body.extensions?.auditEntries?.[0], 'the audit entry of the grant');
    const row = await testHub.database.db.selectFrom('audit_log').select(['operation', 'outcome', 'subjects']).where('seq', '=', seq).executeTakeFirstOrThrow();
    expect(row).toEqual({ operation: 'mutation grantAuthorization', outcome: 'OK', subjects: [PUDONG] });
    expect(await testHub.database.db.selectFrom('audit_log').select('seq').execute()).toHaveLength(1);
  });

  test('the log refuses UPDATE, DELETE and TRUNCATE', async () => {
    await fillLog(1);
    const db = testHub.database.db;
    await expect(db.updateTable('audit_log').set({ outcome: 'OK' }).execute()).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.deleteFrom('audit_subjects').execute()).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(sql`truncate audit_subtrees`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(db.deleteFrom('audit_checkpoints').execute()).resolves.toBeDefined(); // none yet: the trigger fires per row
  });
});

describe('proofs anyone can check', () => {
  test('a proof in a large log reads stored subtree roots, not the whole log; each proof checks out against the signed root', async () => {
    const event = {
      clientId: 'test-admin',
      clientType: 'ADMIN',
      operation: 'query subject',
      subjects: [PUDONG],
      returned: [],
      purpose: 'OPERATIONS',
      authorizations: [],
      outcome: 'OK',
    };
    for (let i = 0; i < 600; i++) await appendAuditEvent(testHub.database.db, { ...event, at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)), requestId: `r${i}` });
    const checkpoint = await signCheckpoint(testHub.hub.checkpoints);
    const stored = await testHub.database.db.selectFrom('audit_subtrees').select(['level', 'position']).orderBy('level').orderBy('position').execute();
    expect(stored).toEqual([
      { level: 8, position: 0 },
      { level: 8, position: 1 },
      { level: 9, position: 0 },
    ]);
    const proofs = [];
    for (const seq of [0, 5, 300, 511, 512, checkpoint.treeSize - 1]) {
      const proof = defined(await proveInclusion(testHub.hub.checkpoints, seq), `the proof of entry ${seq}`);
      const root = rootFromInclusionProof(
        Buffer.from(proof.leafHash, 'hex'),
        seq,
        proof.checkpoint.treeSize,
        proof.auditPath.map((h) => Buffer.from(h, 'hex')),
      );
      expect(root?.toString('hex')).toBe(proof.checkpoint.rootHash);
      proofs.push(proof);
    }
    // The stored roots are what proofs are made of: a forged one yields a proof that no longer checks out.
    await sql`alter table audit_subtrees disable trigger audit_subtrees_append_only`.execute(testHub.database.db);
    await sql`update audit_subtrees set hash = sha256(hash) where level = 8 and position = 1`.execute(testHub.database.db);
    const forged = defined(await proveInclusion(testHub.hub.checkpoints, 5), 'the proof of entry 5');
    const root = rootFromInclusionProof(
      Buffer.from(forged.leafHash, 'hex'),
      5,
      forged.checkpoint.treeSize,
      forged.auditPath.map((h) => Buffer.from(h, 'hex')),
    );
    expect(root?.toString('hex')).not.toBe(forged.checkpoint.rootHash);
    expect((await verify()).firstProblem).toEqual({ seq: 256, problem: expect.stringContaining('stored root of entries 256 to 511') });
    // Without stored roots (checkpoints signed before they were kept) the proof is computed from the leaves.
    await sql`delete from audit_subtrees`.execute(testHub.database.db);
    await sql`alter table audit_subtrees enable trigger audit_subtrees_append_only`.execute(testHub.database.db);
    expect(defined(await proveInclusion(testHub.hub.checkpoints, 5), 'the proof of entry 5').auditPath).toEqual(proofs[1]?.auditPath);
  });

  test('a client proves its own entry against a checkpoint signed with a key of the public JWKS; another client’s entry is refused', async () => {
    const seqs = await fillLog(5);
    const mine = defined(seqs[1], 'the second entry'); // test-agency's
    const proof = await testHub.gqlAs<{
      auditProof: { leafHash: string; auditPath: string[]; entry: { entry: string }; checkpoint: { treeSize: number; rootHash: string; signed: string } };
    }>(
      'query($s: Int!) { auditProof(seq: $s) { leafHash auditPath entry { seq entry clientId } checkpoint { treeSize rootHash signed } } }',
      { s: mine },
      { client: 'test-agency', purpose: 'SUPERVISION' },
    );
    const body = dataOf(proof.body).auditProof;
    expect(body.entry).toMatchObject({ seq: mine, clientId: 'test-agency' });
    // Verified as an outsider would: public keys from JWKS, hashes recomputed from the entry text.
    const jwksAnswer: AnswerOf<JSONWebKeySet> = await request(testHub.hub.httpServer).get('/.well-known/jwks.json');
    const jwks = jwksAnswer.body;
    const { payload } = await jwtVerify(body.checkpoint.signed, createLocalJWKSet(jwks), { typ: CHECKPOINT_TYP, issuer });
    expect(payload).toMatchObject({ tree_size: body.checkpoint.treeSize, root_hash: body.checkpoint.rootHash });
    const leaf = leafHash(Buffer.from(body.entry.entry, 'utf8'));
    expect(leaf.toString('hex')).toBe(body.leafHash);
    const root = rootFromInclusionProof(
      leaf,
      mine,
      body.checkpoint.treeSize,
      body.auditPath.map((h) => Buffer.from(h, 'hex')),
    );
    expect(root?.toString('hex')).toBe(payload['root_hash']);

    const theirs = await testHub.gqlAs<unknown>(
      'query($s: Int!) { auditProof(seq: $s) { leafHash } }',
      { s: seqs[0] },
      { client: 'test-agency', purpose: 'SUPERVISION' },
    );
    expect(firstError(theirs.body).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_OWN_ENTRY' });
  });

  test('admins read the log through GraphQL, filtered by client', async () => {
    await fillLog(4);
    const log = await testHub.gqlAs<{ auditLog: { edges: { node: { seq: number } }[] } }>(
      '{ auditLog(filter: { clientId: "test-agency" }) { edges { node { seq clientId clientType purpose } } } }',
    );
    expect(dataOf(log.body).auditLog.edges.map((e) => e.node.seq)).toEqual([3, 1]);
  });
});

describe('the verifier catches every alteration', () => {
  let db: HubDb;
  beforeEach(async () => {
    db = testHub.database.db;
    await fillLog(4);
    await testHub.gqlAs<unknown>('{ auditCheckpoint { treeSize } }'); // signs a checkpoint of entries 0-3, appends entry 4
    await fillLog(3); // entries 5-7
  });

  test('an intact log verifies', async () => {
    expect(await verify()).toEqual({ entries: 8, checkpoints: 1, firstProblem: undefined });
  });

  test('an altered entry', async () => {
    await tamper(db, () => sql`update audit_log set entry = replace(entry, 'test-agency', 'test-admin') where seq = 3`.execute(db));
    expect((await verify()).firstProblem).toEqual({ seq: 3, problem: 'entry 3 was altered: its content does not match its leaf hash' });
  });

  test('an altered indexed column (who looked)', async () => {
    await tamper(db, () => sql`update audit_log set client_id = 'someone-else' where seq = 5`.execute(db));
    expect((await verify()).firstProblem?.problem).toBe('entry 5 was altered: column client_id differs from the hashed entry');
  });

  test('an altered entry with its leaf hash recomputed', async () => {
    await tamper(db, async () => {
      const row = await db.selectFrom('audit_log').select('entry').where('seq', '=', 6).executeTakeFirstOrThrow();
      const forged = row.entry.replace('"OK"', '"DENIED:MISSING_SCOPE"');
      await sql`update audit_log set entry = ${forged}, outcome = 'DENIED:MISSING_SCOPE', leaf_hash = decode(${leafHash(Buffer.from(forged)).toString('hex')}, 'hex') where seq = 6`.execute(
        db,
      );
    });
    expect((await verify()).firstProblem?.seq).toBe(6);
    expect((await verify()).firstProblem?.problem).toMatch(/entry 6 breaks the hash chain/);
  });

  test('an entry removed from the subject index (hiding who looked at a subject)', async () => {
    await sql`alter table audit_subjects disable trigger audit_subjects_append_only`.execute(db);
    await db.deleteFrom('audit_subjects').where('seq', '=', 3).execute();
    await sql`alter table audit_subjects enable trigger audit_subjects_append_only`.execute(db);
    expect((await verify()).firstProblem).toEqual({
      seq: 3,
      problem: 'the subject index disagrees with entry 3 (who looked at a subject would be answered wrongly)',
    });
  });

  test('a deleted entry', async () => {
    await tamper(db, () => db.deleteFrom('audit_log').where('seq', '=', 2).execute());
    expect((await verify()).firstProblem).toEqual({ seq: 2, problem: 'entry 2 is missing (deleted)' });
  });

  test('the last entry deleted', async () => {
    await tamper(db, () => db.deleteFrom('audit_log').where('seq', '=', 7).execute());
    expect((await verify()).firstProblem?.problem).toMatch(/holds 7 entries but its head says 8/);
  });

  test('two entries swapped (reordered)', async () => {
    await tamper(db, async () => {
      await sql`update audit_log set seq = -1 where seq = 5`.execute(db);
      await sql`update audit_log set seq = 5 where seq = 6`.execute(db);
      await sql`update audit_log set seq = 6 where seq = -1`.execute(db);
    });
    expect((await verify()).firstProblem?.seq).toBe(5);
    expect((await verify()).firstProblem?.problem).toMatch(/breaks the hash chain/);
  });

  test('an entry rewritten with the whole chain and head recomputed after it: the signed checkpoint still catches it', async () => {
    await tamper(db, async () => {
      const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).orderBy('seq').execute();
      let chain: Buffer = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');
      for (const row of rows) {
        const entry = row.seq === 1 ? row.entry.replace('"SUPERVISION"', '"CREDIT_REPAIR"') : row.entry;
        const leaf = leafHash(Buffer.from(entry));
        chain = chainLink(chain, leaf);
        await sql`update audit_log set entry = ${entry}, purpose = ${(JSON.parse(entry) as { purpose: string }).purpose}, leaf_hash = decode(${leaf.toString('hex')}, 'hex'), chain_hash = decode(${chain.toString('hex')}, 'hex') where seq = ${row.seq}`.execute(
          db,
        );
      }
      await sql`update audit_head set chain_hash = decode(${chain.toString('hex')}, 'hex')`.execute(db);
    });
    expect((await verify()).firstProblem?.problem).toMatch(/checkpoint at size 4: the log's first 4 entries no longer hash to the signed root/);
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

const PUDONG = enterpriseUscc('310115', 1);
const GRANT = 'mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { id } }';
const REVOKE = 'mutation($id: ID!) { revokeAuthorization(id: $id) { revokedAt } }';

interface Answer<T> {
  readonly data?: T;
  readonly errors?: readonly unknown[];
}

let testHub: TestHub;
const asAgency = async <T>(query: string, variables: Record<string, unknown>): Promise<Answer<T>> =>
  (await testHub.gql(query, variables, { client: 'test-agency', purpose: 'SUPERVISION' })).body as Answer<T>;

beforeAll(async () => {
  // The test hub's clock stands still at FIXED_NOW (2024): a time the store took from the wall clock would be today's.
  testHub = await startTestHub();
});
afterAll(async () => testHub.close());

describe('the store writes the times the hub’s clock gives, not the wall clock’s', () => {
  test('a signing key is activated, agencies and clients registered again, at the hub’s time', async () => {
    await testHub.hub.registerFromConfig();
    const { db } = testHub.database;
    const key = await db.selectFrom('hub_signing_keys').select('activated_at').executeTakeFirstOrThrow();
    expect(key.activated_at).toEqual(FIXED_NOW);
    const agencies = await db.selectFrom('agencies').select('updated_at').execute();
    expect(agencies.map((row) => row.updated_at)).toEqual(agencies.map(() => FIXED_NOW));
    const clients = await db.selectFrom('api_clients').select('updated_at').execute();
    expect(clients.map((row) => row.updated_at)).toEqual(clients.map(() => FIXED_NOW));
  });

  test('a batch finishes at the hub’s time', async () => {
    const counts = await ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records: [penaltyRecord({}, 'CLOCK-1')] });
    const batch = await testHub.database.db.selectFrom('ingestion_batches').select('finished_at').where('id', '=', counts.batchId).executeTakeFirstOrThrow();
    expect(batch.finished_at).toEqual(FIXED_NOW);
  });

  test('an authorisation is revoked at the hub’s time', async () => {
    const granted = await asAgency<{ grantAuthorization: { id: string } }>(GRANT, {
      input: { uscc: PUDONG, clientId: 'test-bank', purpose: 'LOAN_REVIEW', validUntil: '2024-12-31', evidence: '授权书 2024-0009' },
    });
    const id = granted.data?.grantAuthorization.id;
    expect(id).toBeDefined();
    const revoked = await asAgency<{ revokeAuthorization: { revokedAt: string } }>(REVOKE, { id });
    expect(revoked.errors).toBeUndefined();
    expect(Date.parse(revoked.data?.revokeAuthorization.revokedAt ?? '')).toBe(FIXED_NOW.getTime());
  });
});

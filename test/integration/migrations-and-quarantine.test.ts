import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { openDatabase } from '../../store/database.js';
import { isFullyMigrated, migrateToLatest } from '../../store/migrate.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';
import { dataOf, defined, firstError } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { penaltyRecord } from '../support/records.js';

let testHub: TestHub;
beforeAll(async () => {
  testHub = await startTestHub();
});
afterAll(async () => testHub.close());

describe('migrations', () => {
  test('re-running is a no-op, and hub processes starting at once apply each migration exactly once', async () => {
    expect(await migrateToLatest(testHub.database.db)).toEqual([]);
    if (TEST_ENGINE !== 'postgres') return;
    // A fresh database, migrated by three pools (as three hub processes would) racing each other.
    const empty = await createEmptyServerDatabase();
    const pools = await Promise.all([1, 2, 3].map(() => openDatabase({ engine: 'postgres', url: empty.url, poolSize: 2 })));
    try {
      expect(await isFullyMigrated(defined(pools[0], 'the first pool').db)).toBe(false);
      const results = await Promise.all(pools.map((p) => migrateToLatest(p.db)));
      // All applied (isFullyMigrated below) on an empty database, and none by two processes: each exactly once.
      const applied = results.flat().sort();
      expect(applied).toEqual([...new Set(applied)]);
      expect(applied).toContain('0001-initial');
      expect(await isFullyMigrated(defined(pools[1], 'the second pool').db)).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
      await empty.drop();
    }
  });
});

describe('operator override of a failing check digit', () => {
  const PILOT = '91350100M000100Y44';

  async function gql<T = unknown>(query: string, variables: Record<string, unknown> = {}) {
    return testHub.gqlAs<T>(query, variables);
  }
  interface Quarantined {
    id: string;
    sourceRecordId: string;
    reasons: unknown;
  }

  test('the agency sees the quarantined record with its reason; an operator releases it; it is then served', async () => {
    await ingestBatch(testHub.hub.ingestion, {
      agencyCode: 'SH-SAMR',
      source: 'test',
      records: [penaltyRecord({ CF_XDR_SHXYM: PILOT }, 'PILOT-1'), penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'BAD-DATE')],
    });
    const listed = await gql<{ quarantine: { totalCount: number; edges: { node: Quarantined }[] } }>(
      '{ quarantine(agencyCode: "SH-SAMR") { totalCount edges { node { id sourceRecordId status reasons { field rule value } } } } }',
    );
    const { quarantine } = dataOf(listed.body);
    const entries = quarantine.edges.map((e) => e.node);
    expect(quarantine.totalCount).toBe(2);
    const pilot = defined(
      entries.find((e) => e.sourceRecordId === 'PILOT-1'),
      'PILOT-1 in quarantine',
    );
    const badDate = defined(
      entries.find((e) => e.sourceRecordId === 'BAD-DATE'),
      'BAD-DATE in quarantine',
    );
    expect(pilot.reasons).toEqual([{ field: 'CF_XDR_SHXYM', rule: 'USCC_CHECKSUM', value: PILOT }]);

    const release = 'mutation($id: ID!, $why: String!) { releaseQuarantinedRecord(id: $id, justification: $why) { status resolution } }';
    const refused = await gql(release, { id: badDate.id, why: 'looks fine' });
    expect(firstError(refused.body).extensions.code).toBe('BAD_USER_INPUT');
    expect(firstError(refused.body).message).toMatch(/CF_JDRQ DATE/);

    const released = await gql<{ releaseQuarantinedRecord: unknown }>(release, { id: pilot.id, why: '闽试点期间核发代码，经登记机关核实' });
    expect(dataOf(released.body).releaseQuarantinedRecord).toEqual({ status: 'RELEASED', resolution: '闽试点期间核发代码，经登记机关核实' });
    const again = await gql(release, { id: pilot.id, why: 'twice' });
    expect(firstError(again.body).extensions.code).toBe('CONFLICT');

    const served = await gql<{ subject: { records: { edges: { node: unknown }[] } } }>(
      `{ subject(uscc: "${PILOT}") { records { edges { node { sourceRecordId history { changedBy } } } } } }`,
    );
    expect(dataOf(served.body).subject.records.edges[0]?.node).toEqual({ sourceRecordId: 'PILOT-1', history: [{ changedBy: `quarantine:${pilot.id}` }] });
  });

  test('an unknown agency or entry is NOT_FOUND', async () => {
    expect(firstError((await gql('{ quarantine(agencyCode: "NOPE") { totalCount } }')).body).extensions.code).toBe('NOT_FOUND');
    const missing = await gql('mutation { releaseQuarantinedRecord(id: "999999", justification: "x") { status } }');
    expect(firstError(missing.body).extensions.code).toBe('NOT_FOUND');
  });
});

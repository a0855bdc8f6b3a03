import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Migrator, sql } from 'kysely';
import pino from 'pino';
import { mappingSchema } from '../../connectors/mapping-schema.js';
import { createFileDropConnector } from '../../connectors/file-drop/index.js';
import { ingestBatch } from '../../ingestion/ingest-batch.js';
import { hubConnectorDeps } from '../../server/connector-deps.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { openDatabase, type Database } from '../../store/database.js';
import * as initial from '../../store/migrations/0001-initial.js';
import * as connectorRuns from '../../store/migrations/0002-connector-runs.js';
import * as accessAndAudit from '../../store/migrations/0003-access-and-audit.js';
import * as auditSubtrees from '../../store/migrations/0004-audit-subtrees.js';
import * as quarantineIdentity from '../../store/migrations/0005-quarantine-identity.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';
import { dataOf } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { penaltyRecord } from '../support/records.js';

let testHub: TestHub;
let folder: string;
beforeAll(async () => {
  testHub = await startTestHub();
  folder = await mkdtemp(join(tmpdir(), 'hub-quarantine-'));
});
afterAll(async () => {
  await testHub.close();
  await rm(folder, { recursive: true, force: true });
});

const ingest = (records: readonly IncomingRecord[]) => ingestBatch(testHub.hub.ingestion, { agencyCode: 'SH-SAMR', source: 'test', records });

/** The agency's quarantine entries of one record, oldest first. */
function entriesOf(sourceRecordId: string) {
  return testHub.database.db
    .selectFrom('quarantine')
    .select(['id', 'batch_id', 'status', 'resolution', 'payload', 'reasons'])
    .where('agency_code', '=', 'SH-SAMR')
    .where('source_record_id', '=', sourceRecordId)
    .orderBy('id')
    .execute();
}

async function openCount(): Promise<number> {
  const row = await testHub.database.db
    .selectFrom('quarantine')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'OPEN')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('one open quarantine entry per record and content', () => {
  test('the same bad row read again adds no entry, though the batch still counts it as rejected', async () => {
    const bad = penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'Q-SAME');
    expect(await ingest([bad])).toMatchObject({ rejected: 1 });
    expect(await ingest([bad, bad])).toMatchObject({ rejected: 2 });
    expect((await entriesOf('Q-SAME')).map((e) => e.status)).toEqual(['OPEN']);
  });

  test('the same record with different bad content is a second entry', async () => {
    await ingest([penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'Q-TWO'), penaltyRecord({ CF_JDRQ: '2024-02-31' }, 'Q-TWO')]);
    await ingest([penaltyRecord({ CF_JDRQ: '2024-02-31' }, 'Q-TWO')]);
    expect((await entriesOf('Q-TWO')).map((e) => [e.status, e.reasons[0]])).toEqual([
      ['OPEN', expect.objectContaining({ value: '2024-02-30' })],
      ['OPEN', expect.objectContaining({ value: '2024-02-31' })],
    ]);
  });

  test('a valid later version resolves the record’s open entries, in its own batch', async () => {
    await ingest([penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'Q-FIX'), penaltyRecord({ CF_JDRQ: '2024-13-01' }, 'Q-FIX')]);
    const fixed = await ingest([penaltyRecord({}, 'Q-FIX')]);
    expect(fixed).toMatchObject({ inserted: 1, rejected: 0 });
    const entries = await entriesOf('Q-FIX');
    expect(entries.map((e) => [e.status, e.resolution])).toEqual([
      ['RESOLVED', `superseded by batch:${fixed.batchId}`],
      ['RESOLVED', `superseded by batch:${fixed.batchId}`],
    ]);
    // An unrelated record's entry stays open.
    expect((await entriesOf('Q-SAME')).map((e) => e.status)).toEqual(['OPEN']);
  });

  test('a record sent without its own id is keyed by its document number, so its corrected version resolves it too', async () => {
    const { kind, fields } = penaltyRecord({ CF_WSH: '沪市监处〔2024〕900号' });
    const entry = await ingest([{ kind, fields: { ...fields, CF_JDRQ: '2024-02-30' } }]);
    expect(entry.rejected).toBe(1);
    expect((await entriesOf('沪市监处〔2024〕900号')).map((e) => e.status)).toEqual(['OPEN']);
    await ingest([{ kind, fields }]);
    expect((await entriesOf('沪市监处〔2024〕900号')).map((e) => e.status)).toEqual(['RESOLVED']);
  });

  test('within one batch the record’s last version decides, and reading the batch again changes nothing', async () => {
    const badThenGood = [penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'Q-BG'), penaltyRecord({}, 'Q-BG')];
    const goodThenBad = [penaltyRecord({}, 'Q-GB'), penaltyRecord({ CF_JDRQ: '2024-02-30' }, 'Q-GB')];
    for (let read = 0; read < 2; read += 1) {
      expect(await ingest([...badThenGood, ...goodThenBad])).toMatchObject({ rejected: 2 });
      expect((await entriesOf('Q-BG')).map((e) => e.status)).toEqual([]);
      expect((await entriesOf('Q-GB')).map((e) => e.status)).toEqual(['OPEN']);
    }
  });

  test('a released row read again is stored, and comes back neither as a new entry nor for another record of that USCC', async () => {
    const PILOT = '91350100M000100Y44';
    const pilot = penaltyRecord({ CF_XDR_SHXYM: PILOT }, 'Q-PILOT');
    expect(await ingest([pilot])).toMatchObject({ rejected: 1 });
    const [entry] = await entriesOf('Q-PILOT');
    const released = await testHub.gqlAs<{ releaseQuarantinedRecord: { status: string } }>(
      'mutation($id: ID!) { releaseQuarantinedRecord(id: $id, justification: "试点期间核发代码，经登记机关核实") { status } }',
      { id: String(entry?.id) },
    );
    expect(dataOf(released.body).releaseQuarantinedRecord.status).toBe('RELEASED');

    expect(await ingest([pilot, penaltyRecord({ CF_XDR_SHXYM: PILOT, CF_WSH: '沪市监处〔2024〕901号' }, 'Q-PILOT-2')])).toMatchObject({
      inserted: 1,
      unchanged: 1,
      rejected: 0,
    });
    expect((await entriesOf('Q-PILOT')).map((e) => e.status)).toEqual(['RELEASED']);
    expect(await entriesOf('Q-PILOT-2')).toEqual([]);
    const override = await testHub.database.db.selectFrom('uscc_overrides').selectAll().where('uscc', '=', PILOT).executeTakeFirstOrThrow();
    expect(override).toMatchObject({ quarantine_id: entry?.id, justification: '试点期间核发代码，经登记机关核实' });
  });
});

describe('text PostgreSQL cannot store', () => {
  const SUBMIT = `mutation($r: [SubmittedRecordInput!]!) { submitRecords(agencyCode: "SH-SAMR", records: $r) {
    inserted rejected results { index outcome } } }`;
  const pushed = (record: IncomingRecord) => ({ kind: record.kind, sourceRecordId: record.sourceRecordId, fields: record.fields });

  test('a pushed record with NUL or a lone surrogate in a field value or name is quarantined; the others are stored', async () => {
    const response = await testHub.gqlAs<{ submitRecords: { results: { outcome: string }[] } }>(
      SUBMIT,
      {
        r: [
          pushed(penaltyRecord({}, 'Q-TEXT-OK')),
          pushed(penaltyRecord({ CF_XDR_MC: 'NUL\u0000公司', CF_JDRQ: '2024-02-30' }, 'Q-TEXT-NUL')),
          pushed(penaltyRecord({ CF_JDRQ: '2024-02-\uD800' }, 'Q-TEXT-SURROGATE')),
          pushed(penaltyRecord({ 'CF_\u0000X': 'x', 'CF_\uDC00Y': '\uDC00' }, 'Q-TEXT-NAME')),
        ],
      },
      { client: 'test-agency', purpose: 'DATA_SUBMISSION' },
    );
    const { submitRecords } = dataOf(response.body);
    expect(submitRecords).toMatchObject({ inserted: 1, rejected: 3 });
    expect(submitRecords.results.map((r) => r.outcome)).toEqual(['INSERTED', 'REJECTED', 'REJECTED', 'REJECTED']);

    const [nul] = await entriesOf('Q-TEXT-NUL');
    expect((nul?.payload['fields'] as Record<string, unknown>)['CF_XDR_MC']).toBe('NUL\uFFFD公司');
    const [surrogate] = await entriesOf('Q-TEXT-SURROGATE');
    expect((surrogate?.payload['fields'] as Record<string, unknown>)['CF_JDRQ']).toBe('2024-02-\uFFFD');
    expect(JSON.stringify(surrogate?.reasons)).not.toMatch(/\\ud800/i);
    const [name] = await entriesOf('Q-TEXT-NAME');
    expect(name?.payload['fields']).toMatchObject({ 'CF_\uFFFDX': 'x', 'CF_\uFFFDY': '\uFFFD' });
    expect(name?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'CF_\uFFFDX' })]));

    // Read again, each stays one open entry: the hash is taken of what was stored.
    await testHub.gql(
      SUBMIT,
      { r: [pushed(penaltyRecord({ CF_XDR_MC: 'NUL\u0000公司', CF_JDRQ: '2024-02-30' }, 'Q-TEXT-NUL'))] },
      { client: 'test-agency', purpose: 'DATA_SUBMISSION' },
    );
    expect(await entriesOf('Q-TEXT-NUL')).toHaveLength(1);
  });

  test('a dropped file with such a line stores its other lines; reading it again adds no entry', async () => {
    const dir = join(folder, 'nul');
    await mkdir(dir);
    const line = (record: IncomingRecord) => JSON.stringify({ kind: record.kind, sourceRecordId: record.sourceRecordId, ...record.fields });
    const lines = [
      line(penaltyRecord({ CF_WSH: '沪市监处〔2024〕910号' }, 'Q-DROP-OK')),
      line(penaltyRecord({ CF_XDR_MC: '\u0000', CF_JDRQ: '2024-02-30' }, 'Q-DROP-NUL')),
      JSON.stringify({ ...JSON.parse(line(penaltyRecord({}, 'Q-DROP-KEY'))), 'column\u0000\uD800': 'x' }),
    ];
    await writeFile(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
    const ingestion = testHub.hub.ingestion;
    const deps = hubConnectorDeps(ingestion, pino({ level: 'silent' }), () => Promise.resolve('unused'));
    const mapping = mappingSchema.parse({ kindColumn: 'kind', sourceRecordIdColumn: 'sourceRecordId' });
    const connector = createFileDropConnector('SH-SAMR', 'file-drop-1', { type: 'file-drop', folder: dir, afterRun: 'keep', encoding: 'utf-8', mapping }, deps);
    expect(await connector.run()).toMatchObject({ received: 3, inserted: 1, rejected: 2 });
    const [unmapped] = await entriesOf('Q-DROP-KEY');
    expect(unmapped?.reasons).toEqual([expect.objectContaining({ field: 'column\uFFFD\uFFFD', rule: 'UNMAPPED_COLUMN' })]);
    expect((unmapped?.payload['origin'] as { row: Record<string, unknown> }).row['column\uFFFD\uFFFD']).toBe('x');
    const before = await openCount();
    expect(await connector.run()).toMatchObject({ received: 3, unchanged: 1, rejected: 2 });
    expect(await openCount()).toBe(before);
  });
});

describe('migration 0005 on a quarantine that already has duplicates', () => {
  const UP_TO_0005 = {
    '0001-initial': initial,
    '0002-connector-runs': connectorRuns,
    '0003-access-and-audit': accessAndAudit,
    '0004-audit-subtrees': auditSubtrees,
    '0005-quarantine-identity': quarantineIdentity,
  };

  async function emptyDatabase(): Promise<{ database: Database; dispose: () => Promise<void> }> {
    if (TEST_ENGINE === 'pglite') {
      const database = await openDatabase({ engine: 'pglite' });
      return { database, dispose: () => database.close() };
    }
    const empty = await createEmptyServerDatabase();
    const database = await openDatabase({ engine: 'postgres', url: empty.url, poolSize: 2 });
    return {
      database,
      dispose: async () => {
        await database.close();
        await empty.drop();
      },
    };
  }

  test('keeps the oldest open entry of each record and content, resolves the others as duplicates', async () => {
    const { database, dispose } = await emptyDatabase();
    try {
      const migrator = new Migrator({ db: database.db, provider: { getMigrations: () => Promise.resolve({ ...UP_TO_0005 }) } });
      expect((await migrator.migrateTo('0004-audit-subtrees')).error).toBeUndefined();
      await sql`insert into agencies (code, name, region, hub) values ('A', 'a', '310000', 'h')`.execute(database.db);
      const payload = (date: string, order: 'kind-first' | 'fields-first' = 'kind-first') =>
        order === 'kind-first'
          ? `{"kind":"PENALTY","sourceRecordId":"R1","fields":{"CF_JDRQ":"${date}"}}`
          : `{"fields":{"CF_JDRQ":"${date}"},"sourceRecordId":"R1","kind":"PENALTY"}`;
      const rows: [string | null, string, string][] = [
        ['R1', payload('2024-02-30'), 'OPEN'],
        ['R1', payload('2024-02-30', 'fields-first'), 'OPEN'],
        ['R1', payload('2024-02-30'), 'OPEN'],
        ['R1', payload('2024-02-31'), 'OPEN'],
        ['R1', payload('2024-02-30'), 'RELEASED'],
        [null, '{"file":"a.jsonl","line":3}', 'OPEN'],
        [null, '{"file":"a.jsonl","line":3}', 'OPEN'],
      ];
      for (const [id, body, status] of rows) {
        await sql`insert into quarantine (agency_code, source_record_id, kind, payload, reasons, status) values ('A', ${id}, 'PENALTY', ${body}::jsonb, '[]'::jsonb, ${status})`.execute(
          database.db,
        );
      }
      expect((await migrator.migrateTo('0005-quarantine-identity')).error).toBeUndefined();
      const after = await database.db.selectFrom('quarantine').select(['id', 'status', 'resolution']).orderBy('id').execute();
      expect(after.map((r) => [r.status, r.resolution])).toEqual([
        ['OPEN', null],
        ['RESOLVED', `duplicate of quarantine:${after[0]?.id}`],
        ['RESOLVED', `duplicate of quarantine:${after[0]?.id}`],
        ['OPEN', null],
        ['RELEASED', null],
        ['OPEN', null],
        ['RESOLVED', `duplicate of quarantine:${after[5]?.id}`],
      ]);
      // The index now refuses a second open entry of the same content.
      await expect(
        sql`insert into quarantine (agency_code, source_record_id, payload, reasons) values ('A', 'R1', ${payload('2024-02-31')}::jsonb, '[]'::jsonb)`.execute(
          database.db,
        ),
      ).rejects.toThrow(/quarantine_open_identity/);
    } finally {
      await dispose();
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MAX_BATCH_SIZE, ingestBatch } from '../../ingestion/ingest-batch.js';
import { ingest, ingestionDeps, registerTestAgencies } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
});
afterAll(async () => database.dispose());

describe('ingestBatch', () => {
  test('inserts valid records, quarantines invalid ones, and reports counts', async () => {
    const counts = await ingest(database.db, [penaltyRecord({}, 'P-1'), permitRecord({}, 'L-1'), penaltyRecord({ CF_JDRQ: '2023-02-30' }, 'P-bad-date')]);
    expect(counts).toMatchObject({ received: 3, inserted: 2, updated: 0, unchanged: 0, rejected: 1 });
    const quarantined = await database.db.selectFrom('quarantine').selectAll().where('source_record_id', '=', 'P-bad-date').executeTakeFirstOrThrow();
    expect(quarantined.reasons).toEqual([expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE', value: '2023-02-30' })]);
    expect(quarantined.batch_id).toBe(counts.batchId);
  });

  test('re-ingesting the same content is a no-op, also when only its format differs', async () => {
    const counts = await ingest(database.db, [penaltyRecord({ CF_JDRQ: '2024年3月15日', CF_NR_FK: '５.0' }, 'P-1'), permitRecord({}, 'L-1')]);
    expect(counts).toMatchObject({ received: 2, inserted: 0, updated: 0, unchanged: 2, rejected: 0 });
    const history = await database.db.selectFrom('record_history').select('seq').where('source_record_id', '=', 'P-1').execute();
    expect(history).toHaveLength(1);
  });

  test('a changed record is an update with history, never a duplicate', async () => {
    const before = await database.db.selectFrom('records').selectAll().where('source_record_id', '=', 'P-1').executeTakeFirstOrThrow();
    const counts = await ingest(database.db, [penaltyRecord({ CF_NR_FK: '6' }, 'P-1')]);
    expect(counts).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    const rows = await database.db.selectFrom('records').selectAll().where('source_record_id', '=', 'P-1').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.fields['CF_NR_FK']).toBe('6.000000');
    expect(rows[0]?.version).toBeGreaterThan(before.version);
    const history = await database.db.selectFrom('record_history').selectAll().where('record_id', '=', before.id).orderBy('seq').execute();
    expect(history.map((h) => h.change)).toEqual(['CREATED', 'UPDATED']);
    expect(history[1]?.old_hash).toBe(before.content_hash);
    expect(history[1]?.new_hash).toBe(rows[0]?.content_hash);
    expect(history[1]?.seq).toBe(rows[0]?.version);
    // The update keeps the state it replaced: nothing of the record's past is lost.
    expect(history[0]?.previous).toBeNull();
    expect((history[1]?.previous as { fields: Record<string, string>; version: number }).fields['CF_NR_FK']).toBe('5.000000');
    expect((history[1]?.previous as { version: number }).version).toBe(before.version);
  });

  test('the same source record twice in one batch is applied in order', async () => {
    const counts = await ingest(database.db, [penaltyRecord({ CF_NR_FK: '1' }, 'P-twice'), penaltyRecord({ CF_NR_FK: '2' }, 'P-twice')]);
    expect(counts).toMatchObject({ received: 2, inserted: 1, updated: 1 });
    const row = await database.db.selectFrom('records').select('fields').where('source_record_id', '=', 'P-twice').executeTakeFirstOrThrow();
    expect(row.fields['CF_NR_FK']).toBe('2.000000');
  });

  test('a batch that fails mid-way leaves the store exactly as before', async () => {
    const countRows = async () => {
      const result = await sql<{ records: number; history: number; batches: number; quarantine: number; subjects: number }>`
        select (select count(*) from records)::int as records, (select count(*) from record_history)::int as history,
               (select count(*) from ingestion_batches)::int as batches, (select count(*) from quarantine)::int as quarantine,
               (select count(*) from subjects)::int as subjects`.execute(database.db);
      return result.rows[0];
    };
    const before = await countRows();
    // A real failure inside the transaction, after records were written: history refuses one row.
    await sql`create function fail_on_poison() returns trigger language plpgsql as $$
      begin if new.source_record_id = 'POISON' then raise exception 'disk full (simulated)'; end if; return new; end $$`.execute(database.db);
    await sql`create trigger poison before insert on record_history for each row execute function fail_on_poison()`.execute(database.db);
    try {
      await expect(
        ingest(database.db, [
          penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 777) }, 'FRESH-1'),
          penaltyRecord({}, 'POISON'),
          penaltyRecord({ CF_JDRQ: 'not a date' }, 'BAD'),
        ]),
      ).rejects.toThrow(/disk full/);
    } finally {
      await sql`drop trigger poison on record_history`.execute(database.db);
    }
    expect(await countRows()).toEqual(before);
  });

  test('a batch of the largest size in which every record is refused is quarantined whole', async () => {
    const records = Array.from({ length: MAX_BATCH_SIZE }, (_, i) => penaltyRecord({ CF_JDRQ: '2024-02-30' }, `ALL-BAD-${i}`));
    const counts = await ingest(database.db, records);
    expect(counts).toMatchObject({ received: MAX_BATCH_SIZE, inserted: 0, rejected: MAX_BATCH_SIZE });
    const stored = await sql<{ n: number }>`select count(*)::int as n from quarantine where batch_id = ${counts.batchId}`.execute(database.db);
    expect(stored.rows[0]?.n).toBe(MAX_BATCH_SIZE);
  });

  test('a subject whose USCC names no province (a national registration, 100000) gets the batch’s default region, else the agency’s', async () => {
    const national = enterpriseUscc('100000', 881);
    const other = enterpriseUscc('100000', 882);
    const local = enterpriseUscc('320583', 883);
    await ingest(database.db, [penaltyRecord({ CF_XDR_SHXYM: national }, 'NAT-1')], 'ZJ-TAX');
    await ingestBatch(ingestionDeps(database.db), {
      agencyCode: 'SH-SAMR',
      source: 'test',
      defaultRegion: '340000',
      records: [penaltyRecord({ CF_XDR_SHXYM: other }, 'NAT-2'), penaltyRecord({ CF_XDR_SHXYM: local }, 'NAT-3')],
    });
    const regions = await database.db
      .selectFrom('subjects')
      .select(['uscc', 'region', 'division_code'])
      .where('uscc', 'in', [national, other, local])
      .orderBy('uscc')
      .execute();
    expect(regions).toEqual([
      { uscc: national, region: '330000', division_code: '100000' },
      { uscc: other, region: '340000', division_code: '100000' },
      // A USCC that names its province keeps it, whatever the default.
      { uscc: local, region: '320000', division_code: '320583' },
    ]);
  });

  test('an unknown agency is refused before anything is written', async () => {
    await expect(ingest(database.db, [penaltyRecord()], 'NOPE')).rejects.toThrow('agency NOPE is not registered');
  });
});

describe('store integrity without foreign keys on records', () => {
  test('every record points at a registered agency and, when it has a USCC, a stored subject', async () => {
    const orphans = await sql<{ n: number }>`
      select count(*)::int as n from records r
      where not exists (select 1 from agencies a where a.code = r.agency_code)
         or (r.subject_uscc is not null and not exists (select 1 from subjects s where s.uscc = r.subject_uscc))`.execute(database.db);
    const records = await sql<{ n: number }>`select count(*)::int as n from records`.execute(database.db);
    expect(records.rows[0]?.n).toBeGreaterThan(0);
    expect(orphans.rows[0]?.n).toBe(0);
  });
});

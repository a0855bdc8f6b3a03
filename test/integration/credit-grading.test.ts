import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { creditSchema } from '../../config/credit-model-schema.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { registerModelVersions } from '../../credit/model-governance.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { addDays, chinaNoon, ingestAll, inspectionOf, listEntryOf, penaltyOf, permitOf, recordId, subjectUscc } from '../support/credit-records.js';
import { registerTestAgencies } from '../support/ingestion.js';

let database: TestDatabase;
const credit = creditSchema.parse({});
const TODAY = '2024-06-01';

async function gradeAt(today: string) {
  return gradeAllSubjects({ db: database.db, credit, clock: chinaNoon(today) });
}
async function gradeOf(n: number) {
  return database.db.selectFrom('credit_grades').selectAll().where('subject_uscc', '=', subjectUscc(n)).executeTakeFirstOrThrow();
}
async function ids(...sourceIds: string[]) {
  return Promise.all(sourceIds.map((s) => recordId(database.db, s)));
}

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  await registerModelVersions(database.db, credit, chinaNoon(TODAY));
  await ingestAll(database.db, [
    // 1: one fine of 5 万元: medium tier, exactly on B's threshold (960).
    penaltyOf(1, 'P1'),
    // 2: two fines: below B.
    penaltyOf(2, 'P2A'),
    penaltyOf(2, 'P2B'),
    // 3: revocation with a fine of 150 万元: the severe tier (not medium) and the top fine band.
    penaltyOf(3, 'P3', { CF_CFLB: '罚款,吊销许可证件', CF_NR_FK: '150', CF_NR: '吊销并罚款' }),
    // 4: a fine of 20 万元: medium tier and the 10–100 band.
    penaltyOf(4, 'P4', { CF_NR_FK: '20' }),
    // 5: eleven warnings: capped at -100.
    ...Array.from({ length: 11 }, (_, i) => penaltyOf(5, `P5-${i}`, { CF_CFLB: '警告', CF_NR_FK: '', CF_NR: '警告' })),
    // 6: black-listed: D whatever the points (red lists, permits and clean inspections bring it to C).
    listEntryOf('BLACK_LIST', 6, 'B6'),
    listEntryOf('RED_LIST', 6, 'R6A'),
    listEntryOf('RED_LIST', 6, 'R6B'),
    ...Array.from({ length: 4 }, (_, i) => permitOf(6, `X6-${i}`)),
    inspectionOf(6, 'J6A', '未发现问题'),
    inspectionOf(6, 'J6B', '未发现问题'),
    // 7: one red-list entry: exactly A's threshold (1040).
    listEntryOf('RED_LIST', 7, 'R7'),
    // 8: five permits: +25 capped at +20.
    ...Array.from({ length: 5 }, (_, i) => permitOf(8, `X8-${i}`)),
    // 9: five adverse indicators: four reasons, most costly first, ties by code.
    penaltyOf(9, 'P9S', { CF_CFLB: '责令关闭', CF_NR_FK: '', CF_NR: '责令关闭' }),
    penaltyOf(9, 'P9L', { CF_CFLB: '通报批评', CF_NR_FK: '', CF_NR: '通报批评' }),
    listEntryOf('ABNORMAL_OPERATION', 9, 'A9'),
    inspectionOf(9, 'J9C', '立案查处'),
    inspectionOf(9, 'J9I', '责令整改'),
    // 10: records that stopped counting (statuses set below), and one that counts.
    penaltyOf(10, 'P10R'),
    penaltyOf(10, 'P10E'),
    penaltyOf(10, 'P10V'),
    penaltyOf(10, 'P10D'),
    permitOf(10, 'X10'),
    // 11: a fine decided 2023-01-01 (decay boundaries), 12: a warning (3-month publication).
    penaltyOf(11, 'P11', { CF_JDRQ: '2023-01-01' }),
    penaltyOf(12, 'P12', { CF_CFLB: '警告', CF_NR_FK: '', CF_NR: '警告', CF_JDRQ: '2024-05-01' }),
  ]);
  const [repaired, expired, revoked, disputed] = await ids('P10R', 'P10E', 'P10V', 'P10D');
  for (const [id, status] of [
    [repaired, 'REPAIRED'],
    [expired, 'EXPIRED'],
    [revoked, 'REVOKED'],
    [disputed, 'DISPUTED'],
  ] as const) {
    await sql`update records set status = ${status} where id = ${id}`.execute(database.db);
  }
  await gradeAt(TODAY);
});
afterAll(async () => database.dispose());

describe('credit grades: golden subjects (default model 2026.1, base 1000)', () => {
  test('a medium penalty: -40, a score on the B threshold is B', async () => {
    const grade = await gradeOf(1);
    expect(grade).toMatchObject({ model_version: '2026.1', score: '960.00', class: 'B', capped_by: null });
    expect(grade.contributions).toEqual([{ indicator: 'PENALTY_MEDIUM', dimension: 'LAW', points: '-40.00', records: await ids('P1') }]);
    expect(grade.reasons).toEqual([{ code: 'PENALTY_MEDIUM', points: '-40.00', records: await ids('P1') }]);
    expect(await gradeOf(2)).toMatchObject({ score: '920.00', class: 'C' });
  });

  test('severity tiers and fine bands', async () => {
    const severe = await gradeOf(3);
    expect(severe).toMatchObject({ score: '770.00', class: 'D' });
    expect(severe.contributions.map((c) => [c.indicator, c.points])).toEqual([
      ['PENALTY_SEVERE', '-150.00'],
      ['FINE_100_WAN_UP', '-80.00'],
    ]);
    const banded = await gradeOf(4);
    expect(banded.contributions.map((c) => [c.indicator, c.points])).toEqual([
      ['PENALTY_MEDIUM', '-40.00'],
      ['FINE_10_TO_100_WAN', '-30.00'],
    ]);
    expect(banded).toMatchObject({ score: '930.00', class: 'C' });
  });

  test('an indicator cap limits the points, every record still listed', async () => {
    const grade = await gradeOf(5);
    expect(grade).toMatchObject({ score: '900.00', class: 'C' });
    expect(grade.contributions).toEqual([
      { indicator: 'PENALTY_LIGHT', dimension: 'LAW', points: '-100.00', records: await ids(...Array.from({ length: 11 }, (_, i) => `P5-${i}`)) },
    ]);
    expect(await gradeOf(8)).toMatchObject({
      score: '1020.00',
      class: 'B',
      contributions: [{ indicator: 'PERMITS_HELD', dimension: 'HONOUR', points: '20.00', records: expect.any(Array) }],
    });
  });

  test('an active black-list entry caps the class at D whatever the points; A is reached exactly at its threshold', async () => {
    const listed = await gradeOf(6);
    expect(listed).toMatchObject({ score: '920.00', class: 'D', capped_by: 'BLACK_LIST' });
    expect(listed.contributions.map((c) => [c.indicator, c.points])).toEqual([
      ['BLACK_LIST', '-200.00'],
      ['INSPECTION_CLEAN', '20.00'],
      ['RED_LIST', '80.00'],
      ['PERMITS_HELD', '20.00'],
    ]);
    expect(listed.reasons).toEqual([{ code: 'BLACK_LIST', points: '-200.00', records: await ids('B6') }]);
    expect(await gradeOf(7)).toMatchObject({ score: '1040.00', class: 'A', capped_by: null, reasons: [] });
    // Removed from the list: the cap goes with it.
    await sql`update records set status = 'REVOKED' where source_record_id = 'B6'`.execute(database.db);
    await gradeAt(TODAY);
    expect(await gradeOf(6)).toMatchObject({ score: '1120.00', class: 'A', capped_by: null });
    await sql`update records set status = 'ACTIVE' where source_record_id = 'B6'`.execute(database.db);
    await gradeAt(TODAY);
  });

  test('at most four reasons, most costly first, ties broken by indicator code', async () => {
    const grade = await gradeOf(9);
    expect(grade.reasons.map((r) => [r.code, r.points])).toEqual([
      ['PENALTY_SEVERE', '-150.00'],
      ['ABNORMAL_OPERATION', '-60.00'],
      ['INSPECTION_CASE', '-60.00'],
      ['INSPECTION_ISSUES', '-20.00'],
    ]);
    expect(grade.reasons[2]?.records).toEqual(await ids('J9C'));
    expect(grade).toMatchObject({ score: '700.00', class: 'D', capped_by: null });
  });

  test('REPAIRED, EXPIRED, REVOKED and DISPUTED records do not count', async () => {
    expect(await gradeOf(10)).toMatchObject({
      score: '1005.00',
      class: 'B',
      contributions: [{ indicator: 'PERMITS_HELD', points: '5.00', records: await ids('X10') }],
    });
  });

  test('decay bands: the day before, at and after each boundary (0-365 days 100 %, 366-730 50 %, then 0)', async () => {
    const points = async (today: string) => {
      await gradeAt(today);
      return (await gradeOf(11)).contributions.map((c) => c.points);
    };
    expect(await points(addDays('2023-01-01', 364))).toEqual(['-40.00']);
    expect(await points(addDays('2023-01-01', 365))).toEqual(['-40.00']);
    expect(await points(addDays('2023-01-01', 366))).toEqual(['-20.00']);
    expect(await points(addDays('2023-01-01', 730))).toEqual(['-20.00']);
    expect(await points(addDays('2023-01-01', 731))).toEqual([]);
    expect(await gradeOf(11)).toMatchObject({ score: '1000.00', class: 'B', reasons: [] });
  });

  test('a penalty counts through its publication end, not the day after', async () => {
    const record = await database.db
      .selectFrom('records')
      .select(sql<string>`to_char(publication_end, 'YYYY-MM-DD')`.as('end'))
      .where('source_record_id', '=', 'P12')
      .executeTakeFirstOrThrow();
    expect(record.end).toBe('2024-08-01');
    await gradeAt('2024-08-01');
    expect(await gradeOf(12)).toMatchObject({ score: '990.00' });
    await gradeAt('2024-08-02');
    expect(await gradeOf(12)).toMatchObject({ score: '1000.00', contributions: [] });
    await gradeAt(TODAY);
  });

  test('every enterprise is graded; a subject without records has the base score', async () => {
    const [{ subjects }] = (await sql<{ subjects: number }>`select count(*)::int as subjects from subjects`.execute(database.db)).rows as [
      { subjects: number },
    ];
    const grades = await database.db
      .selectFrom('credit_grades')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(grades.n).toBe(subjects);
  });
});

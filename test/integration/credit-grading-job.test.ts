import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { creditSchema, DEFAULT_CREDIT_MODEL } from '../../config/credit-model-schema.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { activateModelVersion, compareModels, registerModelVersions } from '../../credit/model-governance.js';
import { runGradeSubjects } from '../../jobs/grade-subjects.js';
import { ConfigError } from '../../config/config-error.js';
import { settledLogPosition } from '../../store/credit-grading-state.js';
import { changeRecordStatus } from '../../store/record-status-writes.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../support/database.js';
import { chinaNoon, ingestAll, listEntryOf, penaltyOf, permitOf, recordId, subjectUscc } from '../support/credit-records.js';
import { registerTestAgencies } from '../support/ingestion.js';
import { testLogger } from '../support/test-log.js';

let database: TestDatabase;
/** The default model and a stricter 2026.2: B from 1000, C from 950. */
const STRICT = {
  ...structuredClone(DEFAULT_CREDIT_MODEL),
  version: '2026.2',
  classes: { ...DEFAULT_CREDIT_MODEL.classes, B: { label: '良', minScore: '1000' }, C: { label: '中', minScore: '950' } },
};
const credit = creditSchema.parse({ models: [DEFAULT_CREDIT_MODEL, STRICT] });
const logger = testLogger();

const job = (today: string) => runGradeSubjects({ db: database.db, credit, clock: chinaNoon(today), logger });
/**
 * Runs the job until the whole change log is graded, adding up what the runs did: on the shared test
 * server a transaction of another test file can hold back which changes count as settled.
 */
async function ran(today: string) {
  const total = { graded: 0, written: 0, changed: 0 };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const outcome = await job(today);
    if (!outcome.ran) throw new Error('the grading job did not run');
    total.graded += outcome.result.graded;
    total.written += outcome.result.written;
    total.changed += outcome.result.changed;
    if (outcome.result.watermark === (await maxSeq())) return { ...outcome.result, ...total };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the change log did not settle');
}
const history = () => database.db.selectFrom('credit_grade_history').selectAll().orderBy('id').execute();
const grade = (n: number) => database.db.selectFrom('credit_grades').selectAll().where('subject_uscc', '=', subjectUscc(n)).executeTakeFirstOrThrow();
async function state() {
  const result = await sql<{ watermark: string; graded_through: string; model_version: string }>`
    select watermark::text as watermark, to_char(graded_through, 'YYYY-MM-DD') as graded_through, model_version from credit_grading_state`.execute(database.db);
  return result.rows[0];
}
const maxSeq = async () => Number((await sql<{ seq: string }>`select max(seq)::text as seq from record_history`.execute(database.db)).rows[0]?.seq);

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  await registerModelVersions(database.db, credit, chinaNoon('2024-06-01'));
  await ingestAll(database.db, [penaltyOf(1, 'P1'), permitOf(2, 'X2'), listEntryOf('RED_LIST', 3, 'R3'), permitOf(4, 'X4')]);
});
afterAll(async () => database.dispose());

describe('model versions at start-up', () => {
  test('the initial version is activated once; an edited version is refused naming its key; a new version is only registered', async () => {
    const versions = await database.db.selectFrom('credit_model_versions').selectAll().orderBy('version').execute();
    expect(versions.map((v) => [v.version, v.activated_by])).toEqual([
      ['2026.1', 'config'],
      ['2026.2', null],
    ]);
    const edited = creditSchema.parse({ models: [{ ...DEFAULT_CREDIT_MODEL, base: '900' }, STRICT] });
    await expect(registerModelVersions(database.db, edited, chinaNoon('2024-06-01'))).rejects.toThrow(ConfigError);
    await expect(registerModelVersions(database.db, edited, chinaNoon('2024-06-01'))).rejects.toThrow(
      /credit\.models\.0: version 2026\.1 differs from the one first seen/,
    );
    // Another initial version on a later start does not change the active one.
    await registerModelVersions(database.db, creditSchema.parse({ models: [DEFAULT_CREDIT_MODEL, STRICT], initialVersion: '2026.2' }), chinaNoon('2024-06-02'));
    const active = await database.db.selectFrom('credit_model_versions').select('version').where('activated_at', 'is not', null).execute();
    expect(active).toEqual([{ version: '2026.1' }]);
  });
});

describe('grade-subjects job', () => {
  test('the first run grades everyone (FIRST_GRADE) and commits the watermark with the grades', async () => {
    const run = await ran('2024-06-01');
    expect(run).toMatchObject({ modelVersion: '2026.1', graded: 4, written: 4, changed: 4, watermark: await maxSeq() });
    expect((await history()).map((h) => h.cause)).toEqual(['FIRST_GRADE', 'FIRST_GRADE', 'FIRST_GRADE', 'FIRST_GRADE']);
    expect(await state()).toEqual({ watermark: String(await maxSeq()), graded_through: '2024-06-01', model_version: '2026.1' });
    expect((await grade(1)).record_seq).toBe(await maxSeq());
  });

  test('a run with nothing changed grades nobody and writes no history', async () => {
    expect(await ran('2024-06-01')).toMatchObject({ graded: 0, written: 0, changed: 0 });
    expect(await history()).toHaveLength(4);
  });

  test('a new record and a repair regrade only their subject (RECORD_CHANGE)', async () => {
    await ingestAll(database.db, [penaltyOf(2, 'P2')]);
    expect(await ran('2024-06-01')).toMatchObject({ graded: 1, changed: 1 });
    expect(await grade(2)).toMatchObject({ score: '965.00', class: 'B' });
    await changeRecordStatus(database.db, { ids: [await recordId(database.db, 'P2')] }, 'REPAIRED', 'test');
    expect(await ran('2024-06-01')).toMatchObject({ graded: 1, changed: 1 });
    expect(await grade(2)).toMatchObject({ score: '1005.00', class: 'B' });
    expect((await history()).slice(-2).map((h) => [h.subject_uscc, h.cause, h.previous_score, h.score])).toEqual([
      [subjectUscc(2), 'RECORD_CHANGE', '1005.00', '965.00'],
      [subjectUscc(2), 'RECORD_CHANGE', '965.00', '1005.00'],
    ]);
  });

  test('a record crossing a decay boundary regrades its subject on that day (DECAY), nobody else', async () => {
    // P1 was decided 2024-03-15: 50 % from age 366 (2025-03-16).
    expect(await ran('2025-03-15')).toMatchObject({ graded: 0 });
    expect(await ran('2025-03-16')).toMatchObject({ graded: 1, changed: 1 });
    expect(await grade(1)).toMatchObject({ score: '980.00' });
    expect((await history()).at(-1)).toMatchObject({ subject_uscc: subjectUscc(1), cause: 'DECAY', previous_score: '960.00', score: '980.00' });
    // A run skipping days catches up with every boundary in between.
    expect(await ran('2026-01-01')).toMatchObject({ graded: 0 });
    expect(await ran('2026-06-01')).toMatchObject({ graded: 1 });
    expect(await grade(1)).toMatchObject({ score: '1000.00', contributions: [] });
  });

  test('grades and watermark commit together: a failed run leaves both as they were', async () => {
    await ingestAll(database.db, [penaltyOf(4, 'P4', { CF_JDRQ: '2026-05-01' })]);
    const before = { grade: await grade(4), state: await state() };
    await sql`create function refuse_state() returns trigger language plpgsql as $$ begin raise exception 'state refused'; end $$`.execute(database.db);
    await sql`create trigger refuse_state before update on credit_grading_state for each row execute function refuse_state()`.execute(database.db);
    await expect(job('2026-06-01')).rejects.toThrow(/state refused/);
    expect({ grade: await grade(4), state: await state() }).toEqual(before);
    await sql`drop trigger refuse_state on credit_grading_state`.execute(database.db);
    expect(await ran('2026-06-01')).toMatchObject({ graded: 1 });
    expect(await grade(4)).toMatchObject({ score: '965.00' });
    expect((await state())?.watermark).toBe(String(await maxSeq()));
  });

  test('compareModels grades everyone with a candidate without writing, with transitions and PSI', async () => {
    const before = await database.db.selectFrom('credit_grades').selectAll().orderBy('subject_uscc').execute();
    const same = await compareModels(database.db, { credit, version: '2026.1', today: '2026-06-01' });
    expect(same).toMatchObject({
      candidateVersion: '2026.1',
      currentVersion: '2026.1',
      population: 4,
      ungraded: 0,
      current: { A: 1, B: 3, C: 0, D: 0 },
      candidate: { A: 1, B: 3, C: 0, D: 0 },
      psi: '0.0000',
    });
    const strict = await compareModels(database.db, { credit, version: '2026.2', today: '2026-06-01' });
    // 1000 and 1005 stay B, 965 becomes C.
    expect(strict.candidate).toEqual({ A: 1, B: 2, C: 1, D: 0 });
    expect(strict.transitions).toEqual([
      { from: 'A', to: 'A', count: 1 },
      { from: 'B', to: 'B', count: 2 },
      { from: 'B', to: 'C', count: 1 },
    ]);
    // a = (.25, .75, 0→.0001, 0→.0001), c = (.25, .5, .25, 0→.0001): (.5-.75)·ln(.5/.75) + (.25-.0001)·ln(.25/.0001)
    const expected = -0.25 * Math.log(0.5 / 0.75) + (0.25 - 0.0001) * Math.log(0.25 / 0.0001);
    expect(strict.psi).toBe(expected.toFixed(4));
    await expect(compareModels(database.db, { credit, version: '2099.1', today: '2026-06-01' })).rejects.toThrow(
      /version: "2099.1" is not a configured credit model version/,
    );
    expect(await database.db.selectFrom('credit_grades').selectAll().orderBy('subject_uscc').execute()).toEqual(before);
  });

  test('activating a version regrades everyone on the next run (MODEL_ACTIVATION), history only where the grade changed', async () => {
    const historyBefore = (await history()).length;
    await expect(activateModelVersion(database.db, '2099.1', 'admin', chinaNoon('2026-06-01'))).rejects.toThrow(/is not a configured credit model version/);
    expect(await activateModelVersion(database.db, '2026.2', 'test-admin', chinaNoon('2026-06-01'))).toMatchObject({
      version: '2026.2',
      previousVersion: '2026.1',
    });
    expect(await ran('2026-06-01')).toMatchObject({ modelVersion: '2026.2', graded: 4, written: 4, changed: 1 });
    const added = (await history()).slice(historyBefore);
    expect(added.map((h) => [h.subject_uscc, h.cause, h.model_version, h.previous_class, h.class])).toEqual([
      [subjectUscc(4), 'MODEL_ACTIVATION', '2026.2', 'B', 'C'],
    ]);
    const versions = await database.db.selectFrom('credit_grades').select('model_version').distinct().execute();
    expect(versions).toEqual([{ model_version: '2026.2' }]);
    expect(await ran('2026-06-01')).toMatchObject({ graded: 0 });
  });

  test('a full grade after incremental runs changes nothing', async () => {
    const before = await database.db.selectFrom('credit_grades').selectAll().orderBy('subject_uscc').execute();
    expect(await gradeAllSubjects({ db: database.db, credit, clock: chinaNoon('2026-06-01') })).toMatchObject({ graded: 4, written: 0, changed: 0 });
    expect(await database.db.selectFrom('credit_grades').selectAll().orderBy('subject_uscc').execute()).toEqual(before);
  });

  (TEST_ENGINE === 'postgres' ? test : test.skip)('a change committed late with a lower sequence number is not skipped', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // A status change takes its sequence number, then waits to commit while a later change commits.
      await client.query('begin');
      const red = await recordId(database.db, 'R3');
      await client.query(`select 1 from (select nextval('record_change_seq')) s`);
      await client.query(
        `with due as (select r.*, to_jsonb(r) as prev, nextval('record_change_seq') as v from records r where id = $1 for update),
        u as (update records r set status = 'REVOKED', version = due.v from due where r.id = due.id)
        insert into record_history (seq, record_id, agency_code, source_record_id, change, old_hash, new_hash, old_status, new_status, changed_by, previous)
        select v, id, agency_code, source_record_id, 'STATUS_CHANGED', content_hash, content_hash, 'ACTIVE', 'REVOKED', 'test', prev from due`,
        [red],
      );
      await ingestAll(database.db, [penaltyOf(2, 'P2-LATER', { CF_JDRQ: '2026-05-01' })]);
      const held = await job('2026-06-01');
      expect(held.ran && held.result.graded).toBe(0);
      await client.query('commit');
      expect(await ran('2026-06-01')).toMatchObject({ graded: 2 });
      expect(await grade(3)).toMatchObject({ score: '1000.00' });
      expect(await grade(2)).toMatchObject({ score: '965.00' });
    } finally {
      await client.end();
    }
  });
});

describe('settled change-log position', () => {
  test('is the newest change by number, not by its text (seq 100000 after 99999)', async () => {
    const own = await createTestDatabase();
    try {
      await sql`insert into record_history (seq, record_id, agency_code, source_record_id, change, new_hash, new_status, changed_by)
        values (99999, 1, 'A', 'S1', 'CREATED', 'h', 'ACTIVE', 'test'), (100000, 2, 'A', 'S2', 'CREATED', 'h', 'ACTIVE', 'test')`.execute(own.db);
      // On the shared test server another file's open transaction can hold back what counts as settled.
      let settled = await settledLogPosition(own.db);
      for (let attempt = 0; settled === undefined && attempt < 50; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        settled = await settledLogPosition(own.db);
      }
      expect(settled?.seq).toBe(100000);
    } finally {
      await own.dispose();
    }
  });
});

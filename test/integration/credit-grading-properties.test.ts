import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { sql } from 'kysely';
import { creditSchema } from '../../config/credit-model-schema.js';
import { gradeAllSubjects } from '../../credit/grading.js';
import { registerModelVersions } from '../../credit/model-governance.js';
import { runGradeSubjects } from '../../jobs/grade-subjects.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';
import { changeRecordStatus } from '../../store/record-status-writes.js';
import { addDays, chinaNoon, ingestAll, inspectionOf, listEntryOf, penaltyOf, permitOf, subjectUscc } from '../support/credit-records.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerTestAgencies } from '../support/ingestion.js';
import { testLogger } from '../support/test-log.js';

let database: TestDatabase;
const credit = creditSchema.parse({});
const SEED = 20261201;
const PENALTY_TYPES = ['警告', '通报批评', '罚款', '没收违法所得', '吊销许可证件', '责令关闭', '限制从业', '责令停产停业', '降低资质等级', '其他'];

/** Exact cents of a decimal string ("-12.50" → -1250n). */
function cents(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  return decimal.startsWith('-') ? -value : value;
}

const dateArb = fc.integer({ min: 0, max: 1200 }).map((days) => addDays('2021-02-18', days));
let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;
const penaltyArb = fc.record({
  types: fc.subarray(PENALTY_TYPES, { minLength: 1, maxLength: 3 }),
  fine: fc.option(fc.constantFrom('0.5', '5', '10', '99.99', '100', '250'), { nil: undefined }),
  date: dateArb,
});
const penaltyFor = (n: number, p: { types: string[]; fine: string | undefined; date: string }) =>
  penaltyOf(n, nextId('PP'), { CF_CFLB: p.types.join(','), CF_NR_FK: p.fine ?? '', CF_JDRQ: p.date, CF_NR: p.types.join('、') });
const otherArb = fc.constantFrom('PERMIT', 'RED_LIST', 'BLACK_LIST', 'ABNORMAL_OPERATION', 'INSPECTION_OK', 'INSPECTION_CASE');
function otherFor(n: number, kind: string): IncomingRecord {
  if (kind === 'PERMIT') return permitOf(n, nextId('PX'));
  if (kind === 'INSPECTION_OK') return inspectionOf(n, nextId('PJ'), '未发现问题');
  if (kind === 'INSPECTION_CASE') return inspectionOf(n, nextId('PJ'), '立案查处');
  return listEntryOf(kind as 'RED_LIST' | 'BLACK_LIST' | 'ABNORMAL_OPERATION', n, nextId('PL'));
}
const gradeOf = (n: number) => database.db.selectFrom('credit_grades').selectAll().where('subject_uscc', '=', subjectUscc(n)).executeTakeFirstOrThrow();

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  await registerModelVersions(database.db, credit, chinaNoon('2024-06-01'));
});
afterAll(async () => database.dispose());

describe('credit grading properties (fast-check, fixed seed)', () => {
  test('contributions sum exactly to score − base; adding a penalty never raises the score; regrading gives the same grade', async () => {
    let subject = 100;
    await fc.assert(
      fc.asyncProperty(fc.array(penaltyArb, { maxLength: 4 }), fc.array(otherArb, { maxLength: 4 }), penaltyArb, async (penalties, others, extra) => {
        const n = ++subject;
        await ingestAll(database.db, [permitOf(n, nextId('PX')), ...penalties.map((p) => penaltyFor(n, p)), ...others.map((k) => otherFor(n, k))]);
        await gradeAllSubjects({ db: database.db, credit, clock: chinaNoon('2024-06-01') });
        const before = await gradeOf(n);
        const sum = before.contributions.reduce((total, c) => total + cents(c.points), 0n);
        expect(sum).toBe(cents(before.score) - cents(credit.models[0]?.base ?? '0'));
        expect(before.reasons.length).toBeLessThanOrEqual(4);

        await database.db.deleteFrom('credit_grades').where('subject_uscc', '=', subjectUscc(n)).execute();
        await gradeAllSubjects({ db: database.db, credit, clock: chinaNoon('2024-06-01') });
        const again = await gradeOf(n);
        expect([again.score, again.class, again.capped_by, again.contributions, again.reasons]).toEqual([
          before.score,
          before.class,
          before.capped_by,
          before.contributions,
          before.reasons,
        ]);

        await ingestAll(database.db, [penaltyFor(n, extra)]);
        await gradeAllSubjects({ db: database.db, credit, clock: chinaNoon('2024-06-01') });
        const after = await gradeOf(n);
        expect(cents(after.score)).toBeLessThanOrEqual(cents(before.score));
        expect(after.class >= before.class).toBe(true);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  test('incremental grading after random changes equals a full grading', async () => {
    let today = '2024-06-01';
    const logger = testLogger();
    // On the shared test server a transaction of another test file can hold back which changes count as settled.
    const gradeUntilSettled = async (on: string) => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const outcome = await runGradeSubjects({ db: database.db, credit, clock: chinaNoon(on), logger });
        const last = await sql<{ seq: string }>`select max(seq)::text as seq from record_history`.execute(database.db);
        if (outcome.ran && outcome.result.watermark === Number(last.rows[0]?.seq)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the change log did not settle');
    };
    const step = fc.oneof(
      fc.record({ op: fc.constant('penalty' as const), n: fc.integer({ min: 1, max: 6 }), penalty: penaltyArb }),
      fc.record({ op: fc.constant('other' as const), n: fc.integer({ min: 1, max: 6 }), kind: otherArb }),
      fc.record({ op: fc.constant('status' as const), pick: fc.nat(), status: fc.constantFrom('REPAIRED', 'REVOKED', 'ACTIVE', 'DISPUTED') }),
      fc.record({ op: fc.constant('days' as const), days: fc.integer({ min: 1, max: 120 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        for (const batch of batches) {
          for (const change of batch) {
            if (change.op === 'penalty') await ingestAll(database.db, [penaltyFor(change.n, change.penalty)]);
            else if (change.op === 'other') await ingestAll(database.db, [otherFor(change.n, change.kind)]);
            else if (change.op === 'days') today = addDays(today, change.days);
            else {
              const ids = await database.db.selectFrom('records').select('id').orderBy('id').execute();
              const picked = ids[change.pick % Math.max(ids.length, 1)];
              if (picked) await changeRecordStatus(database.db, { ids: [picked.id] }, change.status, 'test');
            }
          }
          await gradeUntilSettled(today);
        }
        const incremental = await database.db
          .selectFrom('credit_grades')
          .select(['subject_uscc', 'score', 'class', 'capped_by', 'contributions', 'reasons'])
          .orderBy('subject_uscc')
          .execute();
        const full = await gradeAllSubjects({ db: database.db, credit, clock: chinaNoon(today) });
        expect(full).toMatchObject({ written: 0, changed: 0 });
        const after = await database.db
          .selectFrom('credit_grades')
          .select(['subject_uscc', 'score', 'class', 'capped_by', 'contributions', 'reasons'])
          .orderBy('subject_uscc')
          .execute();
        expect(after).toEqual(incremental);
      }),
      { seed: SEED, numRuns: 8 },
    );
  });
});

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { runExpireRecords } from '../../jobs/expire-records.js';
import { scheduleJob } from '../../jobs/scheduler.js';
import { acquireLease } from '../../store/lease-queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ingest, registerTestAgencies } from '../support/ingestion.js';
import { enterpriseUscc, penaltyRecord, permitRecord } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

let database: TestDatabase;
const silent = testLogger();
const at = (iso: string) => () => new Date(iso);

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
  // Ingested on 2024-06-01 (the support clock): all four are ACTIVE or REVOKED then.
  await ingest(database.db, [
    penaltyRecord({ CF_GSJZQ: '2024-07-01' }, 'PEN-ENDS-JULY'),
    permitRecord({ XK_YXQZI: '2024-06-30' }, 'PERMIT-ENDS-JUNE'),
    permitRecord({ XK_ZT: '2', XK_YXQZI: '2024-06-30' }, 'PERMIT-REVOKED'),
    permitRecord({ XK_YXQZI: '2030-01-01' }, 'PERMIT-LONG'),
    {
      kind: 'ABNORMAL_OPERATION',
      sourceRecordId: 'LIST-REMOVED-JUNE',
      fields: {
        MD_XDR_MC: '上海异常示例有限公司',
        MD_XDR_LB: '02',
        MD_XDR_SHXYM: enterpriseUscc('310115', 55),
        MD_FRDB: '赵六',
        MD_MDMC: '经营异常名录',
        MD_LRYY: '未按期公示年度报告',
        MD_LRRQ: '2024-01-02',
        MD_YCRQ: '2024-06-15',
        MD_LRJG: '市监局',
        MD_LRJGDM: penaltyRecord().fields['CF_CFJGDM'],
        MD_LYDW: '市监局',
        MD_LYDWDM: penaltyRecord().fields['CF_CFJGDM'],
      },
    },
  ]);
});
afterAll(async () => database.dispose());

async function statuses() {
  const rows = await database.db.selectFrom('records').select(['source_record_id', 'status', 'version']).orderBy('source_record_id').execute();
  return Object.fromEntries(rows.map((r) => [r.source_record_id, r.status]));
}

describe('expire-records job', () => {
  test('expires exactly the records whose period ended, with history, and is idempotent', async () => {
    expect(await statuses()).toEqual({
      'LIST-REMOVED-JUNE': 'ACTIVE',
      'PEN-ENDS-JULY': 'ACTIVE',
      'PERMIT-ENDS-JUNE': 'ACTIVE',
      'PERMIT-LONG': 'ACTIVE',
      'PERMIT-REVOKED': 'REVOKED',
    });
    const before = await database.db
      .selectFrom('records')
      .select(['id', 'version', 'content_hash'])
      .where('source_record_id', '=', 'PERMIT-ENDS-JUNE')
      .executeTakeFirstOrThrow();

    const first = await runExpireRecords({ db: database.db, clock: at('2024-07-01T16:30:00Z'), logger: silent }); // 2024-07-02 in China
    expect(first).toEqual({ ran: true, result: { expired: 3 } });
    expect(await statuses()).toEqual({
      'LIST-REMOVED-JUNE': 'EXPIRED',
      'PEN-ENDS-JULY': 'EXPIRED',
      'PERMIT-ENDS-JUNE': 'EXPIRED',
      'PERMIT-LONG': 'ACTIVE',
      'PERMIT-REVOKED': 'REVOKED',
    });
    const history = await database.db.selectFrom('record_history').selectAll().where('record_id', '=', before.id).orderBy('seq').execute();
    expect(history.map((h) => [h.change, h.old_status, h.new_status, h.changed_by])).toEqual([
      ['CREATED', null, 'ACTIVE', expect.stringMatching(/^batch:/)],
      ['STATUS_CHANGED', 'ACTIVE', 'EXPIRED', 'job:expire-records'],
    ]);
    expect(history[1]?.old_hash).toBe(before.content_hash);
    expect((history[1]?.previous as { status: string }).status).toBe('ACTIVE');
    const after = await database.db.selectFrom('records').select('version').where('id', '=', before.id).executeTakeFirstOrThrow();
    expect(after.version).toBe(history[1]?.seq);
    expect(after.version).toBeGreaterThan(before.version);

    expect(await runExpireRecords({ db: database.db, clock: at('2024-07-02T00:00:00Z'), logger: silent })).toEqual({ ran: true, result: { expired: 0 } });
  });

  test('a run while another process holds the job is skipped, not doubled; an expired lease is taken over', async () => {
    expect(await acquireLease(database.db, 'job:expire-records', 'other-process', 60_000)).toBe(true);
    expect(await runExpireRecords({ db: database.db, clock: at('2025-01-01T00:00:00Z'), logger: silent })).toEqual({ ran: false });
    // The other process died: its lease runs out and is not renewed.
    await sql`update job_leases set expires_at = now() - interval '1 second' where name = 'job:expire-records'`.execute(database.db);
    expect((await runExpireRecords({ db: database.db, clock: at('2025-01-01T00:00:00Z'), logger: silent })).ran).toBe(true);
    const leases = await database.db.selectFrom('job_leases').selectAll().execute();
    expect(leases).toEqual([]);
  });
});

describe('scheduleJob', () => {
  test('an invalid cron expression is refused naming the job; a disabled job is not scheduled', () => {
    expect(() => scheduleJob({ name: 'expire-records', cron: 'every day', enabled: true, run: () => Promise.resolve(0) }, silent)).toThrow(
      'job expire-records: cron expression "every day" is invalid',
    );
    expect(scheduleJob({ name: 'off', cron: 'every day', enabled: false, run: () => Promise.resolve(0) }, silent)).toBeNull();
  });

  test('a scheduled job runs on its schedule, and a failing run does not stop the schedule', async () => {
    let runs = 0;
    const task = scheduleJob(
      {
        name: 'tick',
        cron: '* * * * * *',
        enabled: true,
        run: () => {
          runs += 1;
          return Promise.reject(new Error('agency down'));
        },
      },
      silent,
    );
    try {
      const deadline = Date.now() + 5000;
      while (runs < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(runs).toBeGreaterThanOrEqual(2);
    } finally {
      await task?.destroy();
    }
  });
});

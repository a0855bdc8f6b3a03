import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { HubConfig } from '../../server/hub-config.js';
import { metricsSchema } from '../../config/metrics-schema.js';
import { issueAccessToken } from '../../server/auth/access-tokens.js';
import { createHub, type Hub } from '../../server/app.js';
import { findClient } from '../../store/client-queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_CONFIG } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { inChinaTime } from '../../ingestion/dates.js';
import { testLogger } from '../support/test-log.js';

const JOB_RUNS = 'hub_job_run_duration_seconds_count{job="expire-records",outcome="succeeded"}';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('/readyz and scheduled jobs', () => {
  let database: TestDatabase;
  let hub: Hub;
  /** The hub's clock: the test moves it on to make a job overdue. */
  let now = FIXED_NOW;
  let adminToken: string;

  const readyz = () => request(hub.httpServer).get('/readyz');
  const expiryRuns = async () => {
    const text = (await request(hub.httpServer).get('/metrics').set('authorization', `Bearer ${adminToken}`)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${JOB_RUNS} `));
    return line ? Number(line.slice(JOB_RUNS.length + 1)) : 0;
  };
  /** Resolves just after the expiry job's next run: the next one is about a second away. */
  const nextExpiryRun = async () => {
    const seen = await expiryRuns();
    for (let waited = 0; waited < 5000; waited += 50) {
      if ((await expiryRuns()) > seen) return;
      await sleep(50);
    }
    throw new Error('the expiry job did not run within 5 s');
  };

  beforeAll(async () => {
    const config: HubConfig = {
      ...TEST_CONFIG,
      // Every second, so the test sees it run; it may go 60 s without completing. The checkpoint job keeps its derived rule.
      jobs: { ...TEST_CONFIG.jobs, expireRecords: { cron: '* * * * * *', enabled: true } },
      metrics: metricsSchema.parse({ readiness: { requiredWithinSeconds: { 'expire-records': 60 } } }),
    };
    database = await createTestDatabase();
    hub = await createHub({ config, database, logger: testLogger(), clock: () => now });
    await hub.registerFromConfig();
    const admin = await findClient(database.db, 'test-admin');
    if (!admin) throw new Error('the admin client is not registered');
    adminToken = (await issueAccessToken({ ...hub.tokens, ttlSeconds: 3600 }, admin, admin.scopes)).accessToken;
  });
  afterAll(async () => {
    await hub.stop();
    await database.dispose();
  });

  test('ready before and after the schedules start; not ready once a required job is overdue, naming it; ready again after it runs', async () => {
    expect((await readyz()).status).toBe(200);
    hub.startSchedules();
    await nextExpiryRun();
    const lastRun = inChinaTime(now);
    expect((await readyz()).body).toMatchObject({ status: 'ready' });

    now = new Date(now.getTime() + 61_000);
    const overdue = await readyz();
    expect(overdue.status).toBe(503);
    expect(overdue.body).toMatchObject({
      status: 'jobs overdue',
      overdueJobs: [{ job: 'expire-records', lastCompletedAt: lastRun, requiredWithinSeconds: 60 }],
    });

    await nextExpiryRun();
    const recovered = await readyz();
    expect(recovered.status).toBe(200);
    expect(recovered.body).toMatchObject({ status: 'ready' });
  });

  test('a job with no configured limit may miss two of its runs plus five minutes: the checkpoint job (every 5 min) 900 s', async () => {
    await nextExpiryRun();
    now = new Date(now.getTime() + 901_000);
    const overdue = await readyz();
    expect(overdue.status).toBe(503);
    // The schedules run on the wall clock: on a slow machine the checkpoint job may have run once since the start, at the hub's (fixed) time.
    expect((overdue.body as { overdueJobs: unknown[] }).overdueJobs).toContainEqual(
      expect.objectContaining({ job: 'sign-audit-checkpoint', requiredWithinSeconds: 900 }),
    );
  });
});

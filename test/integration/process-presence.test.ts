import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import { ProcessPresence } from '../../server/process-presence.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-log.js';

let database: TestDatabase;
const silent = testLogger();
const presence = (id: string) => new ProcessPresence(database.db, silent, id);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.dispose());

describe('process presence', () => {
  test('processes on one database count each other and split a rate evenly; one that stops is no longer counted', async () => {
    const a = presence('host-a/1/a');
    const b = presence('host-b/2/b');
    await a.start();
    expect(a.processes).toBe(1);
    expect(a.share(600)).toBe(600);
    await b.start();
    await a.refresh();
    expect([a.processes, b.processes]).toEqual([2, 2]);
    expect([a.share(600), a.share(5), a.share(1)]).toEqual([300, 2, 1]);
    await b.stop();
    await a.refresh();
    expect(a.processes).toBe(1);
    await a.stop();
  });

  test('a process whose presence ran out, or that died on this host, is not counted', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = presence(`${hostname()}/${deadPid}/dead`);
    const expired = presence('host-c/3/expired');
    // Both hold a live presence lease; then one lease runs out without being renewed.
    await dead.refresh();
    await expired.refresh();
    await sql`update job_leases set expires_at = now() - interval '1 second' where holder = 'host-c/3/expired'`.execute(database.db);
    const alive = presence('host-d/4/alive');
    await alive.start();
    expect(alive.processes).toBe(1);
    await alive.stop();
  });
});

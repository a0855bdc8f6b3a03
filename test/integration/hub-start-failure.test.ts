import { createServer as createNetServer, connect, type Server as NetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import cron from 'node-cron';
import { metricsSchema } from '../../config/metrics-schema.js';
import { createHub } from '../../server/app.js';
import type { HubConfig } from '../../server/hub-config.js';
import { PRESENCE_PREFIX } from '../../server/process-presence.js';
import { findLiveLeaseHolders } from '../../store/lease-queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_CONFIG } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';
import { testLogger } from '../support/test-log.js';

/** A port on 127.0.0.1 that something else holds. */
async function takePort(): Promise<{ server: NetServer; port: number }> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** A free port on 127.0.0.1, released again. */
async function freePort(): Promise<number> {
  const { server, port } = await takePort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

let database: TestDatabase;
let taken: { server: NetServer; port: number };
beforeAll(async () => {
  database = await createTestDatabase();
  taken = await takePort();
});
afterAll(async () => {
  await new Promise((resolve) => taken.server.close(resolve));
  await database.dispose();
});

describe('a hub that cannot start releases what it started', () => {
  test('schedules started, the loopback metrics port opened, then the API port is taken: nothing is left running, the presence lease released', async () => {
    const metricsPort = await freePort();
    const config: HubConfig = {
      ...TEST_CONFIG,
      jobs: { ...TEST_CONFIG.jobs, expireRecords: { cron: '* * * * * *', enabled: true } },
      metrics: metricsSchema.parse({ access: 'port', port: metricsPort }),
    };
    const hub = await createHub({ config, database, logger: testLogger(), clock: () => FIXED_NOW });
    await hub.registerFromConfig();
    hub.startSchedules();
    expect(cron.getTasks().size).toBeGreaterThan(0);
    expect(await findLiveLeaseHolders(database.db, PRESENCE_PREFIX)).toHaveLength(1);

    await expect(hub.listen(taken.port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);

    // No timer of a schedule keeps the process alive, the loopback port is closed, the lease is gone.
    expect(cron.getTasks().size).toBe(0);
    expect(await accepts(metricsPort)).toBe(false);
    expect(hub.httpServer.listening).toBe(false);
    expect(await findLiveLeaseHolders(database.db, PRESENCE_PREFIX)).toEqual([]);
    // Stopping it afterwards, as a caller's clean-up does, finds nothing left to stop.
    await expect(hub.stop()).resolves.toBeUndefined();
  });
});

import pino from 'pino';
import type { HubConfig } from '../../config/hub-config.js';
import { createHub, type Hub } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { FIXED_NOW, TEST_AGENCIES } from './ingestion.js';

export const TEST_CONFIG: HubConfig = {
  hub: { id: 'hub-test', region: '310000' },
  publication: { smallFineMaxWan: '1' },
  usccAllowList: [],
  limits: { maxQueryDepth: 10, maxQueryCost: 20000, maxBodyBytes: 64 * 1024, requestsPerMinute: 10_000 },
  jobs: { expireRecords: { cron: '0 5 0 * * *', enabled: false } },
  agencies: TEST_AGENCIES.map((a) => ({ code: a.code, name: a.name, region: a.region, sources: [] })),
};

export interface TestHub {
  readonly hub: Hub;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** The real app (HTTP + Apollo) on a fresh test database; requests go through supertest. */
export async function startTestHub(config: HubConfig = TEST_CONFIG): Promise<TestHub> {
  const database = await createTestDatabase();
  const hub = await createHub({ config, database, logger: pino({ level: 'silent' }), clock: () => FIXED_NOW });
  await hub.registerAgencies();
  return {
    hub,
    database,
    close: async () => {
      await hub.stop();
      await database.dispose();
    },
  };
}

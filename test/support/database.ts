import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';

/** Which engine this jest project runs against: set by jest.config.js per project. */
export const TEST_ENGINE = process.env['HUB_TEST_ENGINE'] === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase extends Database {
  readonly url?: string;
  /** Closes the connection and drops the server database, if one was created. */
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated database: in-memory PGlite, or a new database on the test PostgreSQL server
 * that test/support/global-setup.ts started (one per test file, so files run in parallel).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_ENGINE === 'pglite') {
    const database = await openDatabase({ engine: 'pglite' });
    await migrateToLatest(database.db);
    return { ...database, dispose: () => database.close() };
  }
  const empty = await createEmptyServerDatabase();
  const database = await openDatabase({ engine: 'postgres', url: empty.url, poolSize: 4 });
  await migrateToLatest(database.db);
  return {
    ...database,
    url: empty.url,
    dispose: async () => {
      await database.close();
      await empty.drop();
    },
  };
}

/** A new, empty database on the test server (no migrations applied). */
export async function createEmptyServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env['TEST_DATABASE_URL'];
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set: the postgres test project needs the server from global-setup');
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  return { url: withDatabase(serverUrl, name), drop: () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`) };
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

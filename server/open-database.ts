import { resolve } from 'node:path';
import type { Env } from '../config/env.js';
import { openDatabase, type Database } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { lockDataDir } from './data-dir-lock.js';

export interface OpenedDatabase {
  readonly database: Database;
  /** Migrations this opening applied. */
  readonly applied: string[];
  /** Closes the database and releases the embedded database's lock. */
  close(): Promise<void>;
}

/**
 * Opens the database the environment names (the embedded one under HUB_DATA_DIR, locked to this
 * process, or DATABASE_URL) and applies pending migrations. Used by the hub and by the CLI.
 * `statementTimeoutMs` bounds each statement of the API's reads (`Database.readDb`) on a server.
 */
export async function openHubDatabase(env: Env, holder: string, statementTimeoutMs?: number): Promise<OpenedDatabase> {
  const dataDir = resolve(env.HUB_DATA_DIR, 'pglite');
  const unlock = env.DATABASE_URL ? () => undefined : lockDataDir(resolve(env.HUB_DATA_DIR), holder);
  try {
    const database = await openDatabase(env.DATABASE_URL ? { engine: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, ...(statementTimeoutMs ? { statementTimeoutMs } : {}) } : { engine: 'pglite', dataDir });
    const applied = await migrateToLatest(database.db);
    return {
      database,
      applied,
      close: async () => {
        await database.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

import { resolve } from 'node:path';
import { sql } from 'kysely';
import type { Env } from '../config/env.js';
import { ConfigError } from '../config/config-error.js';
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
    const database = await openDatabase(
      env.DATABASE_URL
        ? { engine: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, ...(statementTimeoutMs ? { statementTimeoutMs } : {}) }
        : { engine: 'pglite', dataDir },
    );
    if (env.DATABASE_URL) await assertServerReachable(database, env.DATABASE_URL);
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

/** PostgreSQL error codes a wrong DATABASE_URL produces, with what they mean to the operator. */
const CONNECTION_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is the server running and listening there?',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  '28P01': 'the password was refused',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
};

/**
 * One statement before the migrations, so a wrong DATABASE_URL is reported as such (with its password
 * masked), not as a failed migration. The database is closed again when the server cannot be used.
 */
async function assertServerReachable(database: Database, url: string): Promise<void> {
  try {
    await sql`select 1`.execute(database.db);
  } catch (error) {
    await database.close().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    const meaning = typeof code === 'string' ? CONNECTION_PROBLEMS[code] : undefined;
    if (!meaning) throw error;
    throw new ConfigError(`DATABASE_URL: cannot use the PostgreSQL server at ${maskedUrl(url)}: ${meaning} (${String(code)})`, { cause: error });
  }
}

function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

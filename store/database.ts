import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { HubTables } from './tables.js';

export type HubDb = Kysely<HubTables>;

/** Runs `work` in `db`'s transaction when it is one (the caller's, so both commit together), else in a new one. */
export function inTransaction<T>(db: HubDb, work: (trx: HubDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export interface Database {
  readonly db: HubDb;
  /**
   * For the API's reads: on a server, a pool of its own whose every statement is cancelled after the
   * target's `statementTimeoutMs` (SQLSTATE 57014), so no request holds the database for long. On
   * PGlite, `db` itself (an in-process engine cannot cancel a running statement; request pricing
   * bounds the work instead).
   */
  readonly readDb: HubDb;
  /** Like `readDb`, with one connection: for the API's expensive reads, which take turns on it. On PGlite, `db`. */
  readonly heavyReadDb: HubDb;
  /** 'pglite' (embedded) or 'postgres' (server through DATABASE_URL). */
  readonly engine: 'pglite' | 'postgres';
  ping(): Promise<void>;
  /**
   * Calls `onMessage` with the payload of every NOTIFY on `channel` (from any process on a server).
   * `onLost` is called if the subscription breaks (server connection lost): no more messages will come.
   * Resolves with an unsubscribe function.
   */
  listen(channel: string, onMessage: (payload: string) => void, onLost: (error: Error) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** Each connection pool's use now (server only: PGlite is one in-process connection, no pool). */
  readonly poolUse?: (() => readonly PoolUse[]) | undefined;
}

/** One connection pool's connections: open, idle, and the queries waiting for one. */
export interface PoolUse {
  readonly pool: 'main' | 'read' | 'heavy-read';
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export type DatabaseTarget =
  | { readonly engine: 'postgres'; readonly url: string; readonly poolSize?: number; /** For `readDb`; default 5000. */ readonly statementTimeoutMs?: number }
  | { readonly engine: 'pglite'; /** Folder for the files; omit for an in-memory database. */ readonly dataDir?: string };

const OID = { int8: 20, date: 1082, numeric: 1700 } as const;

/**
 * Both engines return the same JS types: bigint ids as numbers (safe below 2^53),
 * dates as 'YYYY-MM-DD' strings (no time-zone shift), numeric as exact strings.
 */
const asNumber = (value: string): number => Number(value);
const asString = (value: string): string => value;

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.engine === 'pglite') return openEmbedded(target.dataDir);
  return openServer(target.url, target.poolSize ?? 10, target.statementTimeoutMs ?? 5000);
}

/** The server pools' parsers: the same as PGlite's `parsers` (openEmbedded), on an instance of their own, not pg's global one. */
function serverTypeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(OID.int8, asNumber);
  types.setTypeParser(OID.date, asString);
  types.setTypeParser(OID.numeric, asString);
  return types;
}

function serverPool(url: string, poolSize: number, statementTimeoutMs?: number): { db: HubDb; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
    types: serverTypeParsers(),
  });
  // An idle connection the server closes (restart, failover, a dropped database) is reported here; the
  // pool discards it and the next query opens a new one. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  return { db: new Kysely<HubTables>({ dialect: new PostgresDialect({ pool }) }), pool };
}

function openServer(url: string, poolSize: number, statementTimeoutMs: number): Database {
  const pools = { main: serverPool(url, poolSize), read: serverPool(url, poolSize, statementTimeoutMs), 'heavy-read': serverPool(url, 1, statementTimeoutMs) };
  const poolUse = () =>
    Object.entries(pools).map(([name, { pool }]) => ({
      pool: name as PoolUse['pool'],
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }));
  const listen = async (channel: string, onMessage: (payload: string) => void, onLost: (error: Error) => void) => {
    // A dedicated connection: pooled ones are shared and do not keep a LISTEN.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '');
    });
    let open = true;
    client.on('error', (error) => {
      if (open) onLost(error);
    });
    client.on('end', () => {
      if (open) onLost(new Error('notification connection ended'));
    });
    await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    return async () => {
      open = false;
      await client.end();
    };
  };
  return { ...wrap(pools.main.db, pools.read.db, pools['heavy-read'].db, 'postgres', listen), poolUse };
}

async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { pg_trgm },
    parsers: { [OID.int8]: asNumber, [OID.date]: asString, [OID.numeric]: asString },
  });
  const db = new Kysely<HubTables>({ dialect: new PGliteDialect(client) });
  const listen = async (channel: string, onMessage: (payload: string) => void) => {
    const unlisten = await client.listen(channel, onMessage);
    return () => unlisten();
  };
  return wrap(db, db, db, 'pglite', listen);
}

function wrap(db: HubDb, readDb: HubDb, heavyReadDb: HubDb, engine: Database['engine'], listen: Database['listen']): Database {
  return {
    db,
    readDb,
    heavyReadDb,
    engine,
    listen,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      for (const pool of new Set([heavyReadDb, readDb])) if (pool !== db) await pool.destroy();
      await db.destroy();
    },
  };
}

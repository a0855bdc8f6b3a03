import { sql } from 'kysely';
import type { HubDb } from '../store/database.js';

export type ExclusiveResult<T> = { readonly ran: true; readonly result: T } | { readonly ran: false };

/**
 * Runs `work` in one transaction holding the job's advisory lock. When another hub process on the
 * same database already holds it, nothing runs and `{ ran: false }` is returned: a job never
 * overlaps itself, across processes too. The lock ends with the transaction, also if the process dies.
 */
export async function runExclusive<T>(db: HubDb, jobName: string, work: (trx: HubDb) => Promise<T>): Promise<ExclusiveResult<T>> {
  return db.transaction().execute(async (trx) => {
    const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${`job:${jobName}`}, 0)) as locked`.execute(trx);
    if (!lock.rows[0]?.locked) return { ran: false } as const;
    return { ran: true, result: await work(trx) } as const;
  });
}

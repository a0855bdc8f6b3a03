import { sql } from 'kysely';
import type { HubDb } from './database.js';

// Leases are taken, renewed and judged expired on the database's clock (now()), the one clock every hub process shares.

/**
 * Takes the named lease for `ttlMs` if it is free or expired, or renews it if `holder` has it, or
 * takes it from `replacing` (a holder known to be dead) if that one still has it.
 * Returns whether `holder` now holds it.
 */
export async function acquireLease(db: HubDb, name: string, holder: string, ttlMs: number, replacing = ''): Promise<boolean> {
  const result = await sql<{ holder: string }>`
    insert into job_leases (name, holder, expires_at) values (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
    where job_leases.expires_at < now() or job_leases.holder = excluded.holder or job_leases.holder = ${replacing}
    returning holder`.execute(db);
  return result.rows.length === 1;
}

export async function findLeaseHolder(db: HubDb, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('job_leases').select('holder').where('name', '=', name).executeTakeFirst();
  return row?.holder;
}

export async function releaseLease(db: HubDb, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/** Holders of the unexpired leases whose names start with `prefix`. */
export async function findLiveLeaseHolders(db: HubDb, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('job_leases')
    .select('holder')
    .where('name', 'like', `${prefix.replace(/[\\%_]/g, '\\$&')}%`)
    .where('expires_at', '>', sql<Date>`now()`)
    .execute();
  return rows.map((row) => row.holder);
}

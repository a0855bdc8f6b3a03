import { sql } from 'kysely';
import type { HubDb } from './database.js';

/**
 * Takes the named lease for `ttlMs` if it is free or expired, or renews it if `holder` has it.
 * Returns whether `holder` now holds it.
 */
export async function acquireLease(db: HubDb, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const result = await sql<{ holder: string }>`
    insert into job_leases (name, holder, expires_at) values (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
    where job_leases.expires_at < now() or job_leases.holder = excluded.holder
    returning holder`.execute(db);
  return result.rows.length === 1;
}

export async function releaseLease(db: HubDb, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

import { sql } from 'kysely';
import type { HubDb } from './database.js';
import { changeRecordStatus } from './record-status-writes.js';
import { periodEnded } from './record-in-force.js';

/**
 * Marks ACTIVE records whose period has ended as EXPIRED, in one set-based statement: penalties
 * past their publication end, other kinds past their last valid day, list entries on or after
 * their removal date (`today` is an ISO date in China time), as validateRecord decides at ingestion.
 * The change goes through the one status primitive (changeRecordStatus): a new version and a history
 * row per record. Only ACTIVE records expire: a REPAIRED or REVOKED record keeps its status, and a
 * DISPUTED one is settled when its objection is resolved. Returns how many records expired.
 */
export async function expireDueRecords(db: HubDb, today: string, changedBy: string): Promise<number> {
  return (await changeRecordStatus(db, { where: sql`r.status = 'ACTIVE' and ${periodEnded(today)}` }, 'EXPIRED', changedBy)).length;
}

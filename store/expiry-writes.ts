import { sql, type RawBuilder } from 'kysely';
import type { HubDb } from './database.js';
import { changeRecordStatus } from './record-status-writes.js';

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

/**
 * The predicate (over records aliased `r`) of a record whose period has ended by `today`: the one
 * rule for expiry, also applied when a disputed record's objection is confirmed.
 */
export function periodEnded(today: string): RawBuilder<unknown> {
  return sql`(
    (r.kind = 'PENALTY' and r.publication_end < ${today}::date)
    or (r.kind <> 'PENALTY' and r.valid_to < ${today}::date)
    or (r.fields->>'MD_YCRQ')::date <= ${today}::date)`;
}

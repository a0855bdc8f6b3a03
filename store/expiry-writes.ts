import { sql } from 'kysely';
import type { HubDb } from './database.js';

/**
 * Marks ACTIVE records whose period has ended as EXPIRED, in one set-based statement: penalties
 * past their publication end, other kinds past their last valid day, list entries on or after
 * their removal date (`today` is an ISO date in China time), as validateRecord decides at ingestion. Each change takes the next change sequence number as the record's version
 * and is kept in history with the previous state. Returns how many records expired.
 */
export async function expireDueRecords(db: HubDb, today: string, changedBy: string): Promise<number> {
  const result = await sql<{ expired: number }>`
    with due as materialized (
      select r.id, r.status, r.content_hash, to_jsonb(r) as previous, nextval('record_change_seq') as version
      from records r
      where r.status = 'ACTIVE' and (
        (r.kind = 'PENALTY' and r.publication_end < ${today}::date)
        or (r.kind <> 'PENALTY' and r.valid_to < ${today}::date)
        or (r.fields->>'MD_YCRQ')::date <= ${today}::date)
      for update
    ),
    expired as (
      update records r set status = 'EXPIRED', version = d.version, updated_at = now()
      from due d where r.id = d.id
      returning r.id, r.agency_code, r.source_record_id, r.batch_id
    ),
    history as (
      insert into record_history (seq, record_id, agency_code, source_record_id, change, old_hash, new_hash,
        old_status, new_status, changed_by, batch_id, previous)
      select d.version, e.id, e.agency_code, e.source_record_id, 'STATUS_CHANGED', d.content_hash, d.content_hash,
        d.status, 'EXPIRED', ${changedBy}, e.batch_id, d.previous
      from expired e join due d using (id)
    )
    select count(*)::int as expired from due
  `.execute(db);
  return result.rows[0]?.expired ?? 0;
}

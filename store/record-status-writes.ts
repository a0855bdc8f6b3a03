import { sql, type RawBuilder } from 'kysely';
import type { HubDb } from './database.js';

/**
 * Which records a status change applies to: records by hub id, or every record matching a SQL
 * predicate over the records table aliased `r` (e.g. sql`r.status = 'ACTIVE' and r.valid_to < ${today}::date`).
 */
export type RecordSelection = { readonly ids: readonly number[] } | { readonly where: RawBuilder<unknown> };

/** One record whose status changed: its new version is the `seq` of its STATUS_CHANGED history row. */
export interface RecordStatusChange {
  readonly id: number;
  readonly agencyCode: string;
  readonly sourceRecordId: string;
  readonly subjectUscc: string | null;
  readonly kind: string;
  readonly previousStatus: string;
  readonly status: string;
  readonly version: number;
}

/**
 * THE way a record's status changes after ingestion (expiry, credit repair, objections): one
 * set-based statement that locks the selected records, gives each the next number of the hub-wide
 * change sequence as its new version, sets the status and appends its `record_history` row
 * (change STATUS_CHANGED, old and new status, content hash unchanged, `changedBy`, the full previous
 * state), so the change feed and the grading job's change log see it. Records already in `status` are
 * left alone (no version, no history). Run it inside the caller's transaction when the change must
 * commit with other writes. Returns the records changed, by id.
 */
export async function changeRecordStatus(db: HubDb, selection: RecordSelection, status: string, changedBy: string): Promise<RecordStatusChange[]> {
  const predicate = 'ids' in selection ? sql`r.id = any(${[...selection.ids]}::bigint[])` : selection.where;
  if ('ids' in selection && selection.ids.length === 0) return [];
  // updated_at: the database's time, as the column default that stamped created_at on insert.
  const result = await sql<{
    id: string | number;
    agency_code: string;
    source_record_id: string;
    subject_uscc: string | null;
    kind: string;
    old_status: string;
    version: string | number;
  }>`
    with due as materialized (
      select r.id, r.status, r.content_hash, to_jsonb(r) as previous, nextval('record_change_seq') as version
      from records r
      where r.status <> ${status} and (${predicate})
      for update
    ),
    changed as (
      update records r set status = ${status}, version = d.version, updated_at = now()
      from due d where r.id = d.id
      returning r.id, r.agency_code, r.source_record_id, r.subject_uscc, r.kind, r.batch_id
    ),
    history as (
      insert into record_history (seq, record_id, agency_code, source_record_id, change, old_hash, new_hash,
        old_status, new_status, changed_by, batch_id, previous)
      select d.version, c.id, c.agency_code, c.source_record_id, 'STATUS_CHANGED', d.content_hash, d.content_hash,
        d.status, ${status}, ${changedBy}, c.batch_id, d.previous
      from changed c join due d using (id)
    )
    select c.id, c.agency_code, c.source_record_id, c.subject_uscc, c.kind, d.status as old_status, d.version
    from changed c join due d using (id)
    order by c.id
  `.execute(db);
  return result.rows.map((row) => ({
    id: Number(row.id),
    agencyCode: row.agency_code,
    sourceRecordId: row.source_record_id,
    subjectUscc: row.subject_uscc,
    kind: row.kind,
    previousStatus: row.old_status,
    status,
    version: Number(row.version),
  }));
}

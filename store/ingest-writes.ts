import { sql, type Kysely } from 'kysely';
import type { SubjectRow } from './subject-queries.js';
import { storableJsonText } from './storable-json.js';
import type { HubTables } from './tables.js';

type Executor = Kysely<HubTables>;

/** A validated record in column form, ready for the set-based upsert. */
export interface RecordRow {
  readonly source_record_id: string;
  readonly kind: string;
  readonly subject_uscc: string | null;
  readonly subject_name: string;
  readonly subject_category: string;
  readonly status: string;
  readonly event_date: string;
  readonly valid_from: string | null;
  readonly valid_to: string | null;
  readonly publication_end: string | null;
  readonly document_no: string | null;
  /** The kind's fields as JSON text (already made for the content hash). */
  readonly fields_json: string;
  readonly content_hash: string;
}

export interface BatchOrigin {
  readonly agencyCode: string;
  readonly batchId: number;
  readonly originRegion: string;
  readonly originHub: string;
  /** Who made the change, kept in history: 'batch:42', 'quarantine:7', … */
  readonly changedBy: string;
}

export interface QuarantineRow {
  readonly source_record_id: string | null;
  readonly kind: string | null;
  readonly payload: unknown;
  readonly reasons: readonly unknown[];
}

/** Serialises ingestion per agency for the rest of the transaction, across hub processes. */
export async function lockAgencyForIngest(trx: Executor, agencyCode: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ingest:${agencyCode}`}, 0))`.execute(trx);
}

/** Opens a batch; `runId` names the connector run writing it, null for a batch no run writes (push, release, replay). */
export async function openBatch(trx: Executor, agencyCode: string, source: string, startedAt: Date, runId: number | null): Promise<number> {
  const row = await trx
    .insertInto('ingestion_batches')
    .values({
      agency_code: agencyCode,
      source,
      started_at: startedAt,
      finished_at: null,
      received: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      run_id: runId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function closeBatch(
  trx: Executor,
  batchId: number,
  counts: { received: number; inserted: number; updated: number; unchanged: number; rejected: number },
  finishedAt: Date,
): Promise<void> {
  await trx
    .updateTable('ingestion_batches')
    .set({ ...counts, finished_at: finishedAt })
    .where('id', '=', batchId)
    .execute();
}

/** A subject as one agency's batch states it, with the precedence of that statement. */
export interface SubjectWrite extends SubjectRow {
  readonly name_agency: string;
  /** Higher outranks lower: the registration authority of the subject's province over any other agency. */
  readonly name_rank: number;
}

/**
 * Creates new subjects and sets registered names and categories by precedence; one statement for the
 * whole batch. A stored name is replaced only by a statement of higher rank (which takes it over even
 * when the name is the same), or by a changed one from the agency that set it at the same rank (a
 * registration authority's rename); among equals the first writer keeps it.
 */
export async function upsertSubjects(trx: Executor, subjects: readonly SubjectWrite[]): Promise<void> {
  // updated_at: the database's time, as the column default that stamped created_at on insert.
  if (subjects.length === 0) return;
  await sql`
    insert into subjects (uscc, name, category, division_code, region, name_agency, name_rank)
    select distinct on (uscc) uscc, name, category, division_code, region, name_agency, name_rank
    from jsonb_to_recordset(${JSON.stringify(subjects)}::jsonb)
      as t(uscc text, name text, category text, division_code text, region text, name_agency text, name_rank smallint)
    order by uscc
    on conflict (uscc) do update
      set name = excluded.name, category = excluded.category, name_agency = excluded.name_agency, name_rank = excluded.name_rank, updated_at = now()
    where excluded.name_rank > subjects.name_rank
      or (excluded.name_agency = subjects.name_agency and excluded.name_rank = subjects.name_rank
        and (subjects.name is distinct from excluded.name or subjects.category is distinct from excluded.category))
  `.execute(trx);
}

/**
 * Inserts new records and updates changed ones in one set-based statement. Rows whose content
 * hash is unchanged are left alone. Every insert or update takes the next change sequence number
 * as its version and appends a history row with old and new hash and, for an update, the full
 * previous state (the current state is the record itself, so no state is ever lost).
 * An update keeps a REPAIRED or DISPUTED status (set by repair or objection, not by the agency)
 * unless the agency now sends the record revoked.
 * Source record ids must be unique within `rows`. Returns the source record ids inserted and updated.
 */
export async function upsertRecords(trx: Executor, origin: BatchOrigin, rows: readonly RecordRow[]): Promise<{ inserted: string[]; updated: string[] }> {
  if (rows.length === 0) return { inserted: [], updated: [] };
  // updated_at: the database's time, as the column default that stamped created_at on insert.
  const result = await sql<{ inserted: string[] | null; updated: string[] | null }>`
    with input as (
      select * from jsonb_to_recordset(${recordRowsJson(rows)}::jsonb) as t(
        source_record_id text, kind text, subject_uscc text, subject_name text, subject_category text,
        status text, event_date date, valid_from date, valid_to date, publication_end date,
        document_no text, fields jsonb, content_hash text)
    ),
    changed as materialized (
      -- A status set by credit repair or an objection (REPAIRED, DISPUTED) is the hub's, not the feed's:
      -- a re-sent or updated record keeps it, unless the agency revokes the record (REVOKED wins).
      select i.*, case when e.status in ('REPAIRED', 'DISPUTED') and i.status <> 'REVOKED' then e.status else i.status end as new_status,
             e.id as existing_id, e.content_hash as old_hash, e.status as old_status,
             case when e.id is null then null else to_jsonb(e) end as previous,
             nextval('record_change_seq') as version
      from input i
      -- offset 0 keeps this a per-row index lookup: its cost follows the batch, not the table.
      left join lateral (
        select * from records r where r.agency_code = ${origin.agencyCode} and r.source_record_id = i.source_record_id offset 0
      ) e on true
      where e.id is null or e.content_hash <> i.content_hash
    ),
    -- A plain insert, not an upsert: the caller holds the agency's ingest lock, so no other
    -- transaction can insert the same (agency, source record id) meanwhile.
    inserted as (
      insert into records (agency_code, source_record_id, kind, subject_uscc, subject_name, subject_category,
        status, event_date, valid_from, valid_to, publication_end, document_no, fields, content_hash,
        origin_region, origin_hub, version, batch_id)
      select ${origin.agencyCode}, source_record_id, kind, subject_uscc, subject_name, subject_category,
        status, event_date, valid_from, valid_to, publication_end, document_no, fields, content_hash,
        ${origin.originRegion}, ${origin.originHub}, version, ${origin.batchId}
      from changed where existing_id is null
      returning id, source_record_id
    ),
    updated as (
      update records r set
        kind = c.kind, subject_uscc = c.subject_uscc, subject_name = c.subject_name, subject_category = c.subject_category,
        status = c.new_status, event_date = c.event_date, valid_from = c.valid_from, valid_to = c.valid_to,
        publication_end = c.publication_end, document_no = c.document_no, fields = c.fields, content_hash = c.content_hash,
        version = c.version, batch_id = ${origin.batchId}, updated_at = now()
      from changed c where c.existing_id is not null and r.id = c.existing_id
    ),
    history as (
      insert into record_history (seq, record_id, agency_code, source_record_id, change, old_hash, new_hash,
        old_status, new_status, changed_by, batch_id, previous)
      select c.version, coalesce(c.existing_id, n.id), ${origin.agencyCode}, c.source_record_id,
        case when c.existing_id is null then 'CREATED' else 'UPDATED' end, c.old_hash, c.content_hash,
        c.old_status, c.new_status, ${origin.changedBy}, ${origin.batchId}, c.previous
      from changed c left join inserted n using (source_record_id)
    )
    select array_agg(source_record_id) filter (where existing_id is null) as inserted,
           array_agg(source_record_id) filter (where existing_id is not null) as updated
    from changed
  `.execute(trx);
  const changed = result.rows[0];
  return { inserted: changed?.inserted ?? [], updated: changed?.updated ?? [] };
}

/** The rows as one JSON array; each row's fields JSON is spliced in as it is, not serialised again. */
function recordRowsJson(rows: readonly RecordRow[]): string {
  return `[${rows.map(({ fields_json, ...columns }) => `${JSON.stringify(columns).slice(0, -1)},"fields":${fields_json}}`).join(',')}]`;
}

/**
 * Quarantines refused records; one JSON parameter for the whole batch, like the other batch writes.
 * A row that already has an OPEN entry (same agency, source record id and content: the unique index
 * of migration 0005) is not added again. Text PostgreSQL cannot store (NUL, lone surrogates) is
 * replaced, so a row holding it is quarantined instead of failing the batch. `connector` names the
 * connector that refused the rows (null for pushed records).
 */
export async function insertQuarantine(
  trx: Executor,
  agencyCode: string,
  batchId: number,
  rows: readonly QuarantineRow[],
  connector: string | null,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into quarantine (batch_id, agency_code, source_record_id, kind, payload, reasons, connector)
    select ${batchId}, ${agencyCode}, source_record_id, kind, payload, reasons, ${connector}::text
    from jsonb_to_recordset(${storableJsonText(rows)}::jsonb) as t(source_record_id text, kind text, payload jsonb, reasons jsonb)
    on conflict (agency_code, coalesce(source_record_id, ''), payload_hash) where status = 'OPEN' do nothing
  `.execute(trx);
}

/**
 * Marks RESOLVED the OPEN entries of these records of the agency (a valid version of each has just
 * been written), with `resolution` saying by what. One statement, using the open-identity index.
 */
export async function resolveSupersededQuarantine(trx: Executor, agencyCode: string, sourceRecordIds: readonly string[], resolution: string): Promise<void> {
  if (sourceRecordIds.length === 0) return;
  // resolved_at: the database's time, as the quarantine entries' created_at, in the batch's transaction.
  await sql`
    update quarantine set status = 'RESOLVED', resolution = ${resolution}, resolved_at = now()
    where agency_code = ${agencyCode} and status = 'OPEN'
      and coalesce(source_record_id, '') in (select jsonb_array_elements_text(${JSON.stringify(sourceRecordIds)}::jsonb))
  `.execute(trx);
}

export async function resolveQuarantine(
  trx: Executor,
  id: number | readonly number[],
  status: 'RELEASED' | 'RESOLVED',
  resolution: string,
  resolvedAt: Date,
): Promise<void> {
  const ids = typeof id === 'number' ? [id] : id;
  if (ids.length === 0) return;
  await trx.updateTable('quarantine').set({ status, resolution, resolved_at: resolvedAt }).where('id', 'in', ids).execute();
}

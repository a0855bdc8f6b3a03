import { sql, type Kysely } from 'kysely';

const KINDS = `'PERMIT', 'PENALTY', 'RED_LIST', 'BLACK_LIST', 'ABNORMAL_OPERATION'`;
const STATUSES = `'ACTIVE', 'EXPIRED', 'REVOKED', 'REPAIRED'`;

/** Agencies, subjects, records with full history (the change log), ingestion batches and quarantine. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per call: the embedded engine prepares each query, and a prepared statement holds one command.
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
create extension if not exists pg_trgm;

create table agencies (
  code text primary key,
  name text not null,
  region text not null,
  hub text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table subjects (
  uscc text primary key,
  name text not null,
  category text not null,
  division_code text not null,
  region text not null,
  first_seen_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index subjects_name_trgm on subjects using gin (name gin_trgm_ops);

create table ingestion_batches (
  id bigint generated always as identity primary key,
  agency_code text not null references agencies (code),
  source text not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  received integer not null default 0,
  inserted integer not null default 0,
  updated integer not null default 0,
  unchanged integer not null default 0,
  rejected integer not null default 0
);
create index ingestion_batches_agency on ingestion_batches (agency_code, id desc);

-- One sequence orders every change the hub makes: a record's version is the sequence number
-- of its latest change, and record_history read in seq order is the hub's change log.
create sequence record_change_seq;

-- records carries no foreign keys: their per-row checks (a locking lookup per row and key) cost a
-- quarter of ingest time. The ingestion core writes a batch's subjects and checks its agency in
-- the same transaction, under the agency's lock, and neither agencies nor subjects are ever deleted.
create table records (
  id bigint generated always as identity primary key,
  agency_code text not null,
  source_record_id text not null,
  kind text not null check (kind in (${KINDS})),
  subject_uscc text,
  subject_name text not null,
  subject_category text not null,
  status text not null check (status in (${STATUSES})),
  event_date date not null,
  valid_from date,
  valid_to date,
  publication_end date,
  document_no text,
  fields jsonb not null,
  content_hash text not null,
  origin_region text not null,
  origin_hub text not null,
  version bigint not null,
  batch_id bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (agency_code, source_record_id)
);
create index records_by_subject on records (subject_uscc, event_date desc, id desc);
create index records_by_agency on records (agency_code, event_date desc, id desc);
create index records_by_region on records (origin_region, event_date desc, id desc);
create index records_by_event on records (event_date desc, id desc);

create table record_history (
  seq bigint primary key,
  record_id bigint not null,
  agency_code text not null,
  source_record_id text not null,
  change text not null check (change in ('CREATED', 'UPDATED', 'STATUS_CHANGED')),
  old_hash text,
  new_hash text not null,
  old_status text,
  new_status text not null,
  changed_by text not null,
  batch_id bigint,
  changed_at timestamptz not null default now(),
  -- The writing transaction, so a feed reader can wait for lower sequence numbers still in flight.
  tx_id xid8 not null default pg_current_xact_id(),
  -- The record as it was before this change (null when created). The state after a change is the
  -- next change's previous state, or the record row itself: full history without copying every insert.
  previous jsonb
);
create index record_history_by_record on record_history (record_id, seq);

create table quarantine (
  id bigint generated always as identity primary key,
  batch_id bigint references ingestion_batches (id),
  agency_code text not null references agencies (code),
  source_record_id text,
  kind text,
  payload jsonb not null,
  reasons jsonb not null,
  status text not null default 'OPEN' check (status in ('OPEN', 'RELEASED', 'RESOLVED')),
  resolution text,
  resolved_at timestamptz,
  created_at timestamptz not null default now()
);
create index quarantine_by_agency on quarantine (agency_code, status, id desc);
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * Credit repair (信用修复) and objections (异议): status DISPUTED for a record under an open objection,
 * the repair requests and objections, and each one's steps (who did what, when, with what note).
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const STATUSES = `'ACTIVE', 'EXPIRED', 'REVOKED', 'REPAIRED', 'DISPUTED'`;

const DDL = `
alter table records drop constraint records_status_check;
alter table records add constraint records_status_check check (status in (${STATUSES}));
-- History had no status check; rows written from now on are checked (not valid: the log is not rescanned).
alter table record_history add constraint record_history_status_check
  check (new_status in (${STATUSES}) and (old_status is null or old_status in (${STATUSES}))) not valid;

create table repair_requests (
  id bigint generated always as identity primary key,
  record_id bigint not null,
  -- The record's source agency: the one that decides.
  agency_code text not null,
  subject_uscc text,
  status text not null check (status in ('PENDING', 'APPROVED', 'REJECTED')),
  -- MINOR, GENERAL or SEVERE: the tier whose minimum period the record had served.
  tier text not null,
  evidence text not null,
  fulfilled_on date not null,
  fulfilment_evidence text not null,
  filed_by text not null,
  filed_at timestamptz not null,
  decided_by text,
  decided_at timestamptz
);
create unique index repair_requests_one_pending on repair_requests (record_id) where status = 'PENDING';
create index repair_requests_by_agency on repair_requests (agency_code, id desc);
create index repair_requests_by_subject on repair_requests (subject_uscc, id desc);

create table repair_request_steps (
  id bigint generated always as identity primary key,
  request_id bigint not null references repair_requests (id),
  step text not null check (step in ('FILED', 'APPROVED', 'REJECTED')),
  actor text not null,
  at timestamptz not null,
  note text
);
create index repair_request_steps_by_request on repair_request_steps (request_id, id);

create table objections (
  id bigint generated always as identity primary key,
  record_id bigint not null,
  agency_code text not null,
  subject_uscc text,
  status text not null check (status in ('OPEN', 'CONFIRMED', 'CORRECTED')),
  reason text not null,
  -- The record's status before it became DISPUTED.
  previous_status text not null,
  filed_by text not null,
  filed_at timestamptz not null,
  filed_on date not null,
  due_on date not null,
  extended boolean not null default false,
  resolved_by text,
  resolved_at timestamptz
);
create unique index objections_one_open on objections (record_id) where status = 'OPEN';
create index objections_open_by_due on objections (due_on, id) where status = 'OPEN';
create index objections_by_agency on objections (agency_code, id desc);

create table objection_steps (
  id bigint generated always as identity primary key,
  objection_id bigint not null references objections (id),
  step text not null check (step in ('FILED', 'EXTENDED', 'CONFIRMED', 'CORRECTED')),
  actor text not null,
  at timestamptz not null,
  note text
);
create index objection_steps_by_objection on objection_steps (objection_id, id);
`;

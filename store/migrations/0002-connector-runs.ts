import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** Leases that keep a job or connector from running twice at once, connector runs, and pull watermarks. */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- A lease is held by one process until it expires; a holder that dies simply stops renewing it.
create table job_leases (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null
);

create table connector_runs (
  id bigint generated always as identity primary key,
  agency_code text not null references agencies (code),
  connector text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED')),
  batches integer not null default 0,
  received integer not null default 0,
  inserted integer not null default 0,
  updated integer not null default 0,
  unchanged integer not null default 0,
  rejected integer not null default 0,
  error text
);
create index connector_runs_by_agency on connector_runs (agency_code, id desc);

-- How far a pulling connector has read its source; written in the transaction of the data it covers.
create table connector_state (
  agency_code text not null references agencies (code),
  connector text not null,
  watermark text not null,
  updated_at timestamptz not null default now(),
  primary key (agency_code, connector)
);
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** The hub's secret key for noting natural persons in the audit log by a keyed hash of their identity number. */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- One row, made by the hub at its first start (server/app.ts). The key never leaves the database
-- except into the hub's processes, and never changes: a new key would make every person noted so
-- far unfindable, so the table refuses UPDATE, DELETE and TRUNCATE like the audit log.
create table audit_person_key (
  id boolean primary key default true check (id),
  key bytea not null check (length(key) = 32),
  created_at timestamptz not null default now()
);
create trigger audit_person_key_append_only before update or delete on audit_person_key for each row execute function refuse_change();
create trigger audit_person_key_no_truncate before truncate on audit_person_key for each statement execute function refuse_change();
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** People who use the web console (/console), their one-time invites and their sessions. */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- A console user is a person acting for one API client (their agency, or the hub's operator) under one
-- purpose: every request they make is that client's, audited with the person's name.
create table console_users (
  name text primary key check (name ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  person_name text not null check (length(person_name) between 1 and 100),
  role text not null check (role in ('OPERATOR', 'VIEWER')),
  client_id text not null references api_clients(id),
  purpose text not null check (purpose ~ '^[A-Z][A-Z0-9_]{1,39}$'),
  created_at timestamptz not null,
  disabled_at timestamptz
);
-- Only the SHA-256 of an invite or session secret is kept: a copy of the database signs no one in.
create table console_invites (
  token_hash text primary key,
  user_name text not null references console_users(name),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index console_invites_user on console_invites (user_name);
create table console_sessions (
  id_hash text primary key,
  -- A short public handle for listing and revoking a session (never the secret).
  handle text not null unique,
  user_name text not null references console_users(name),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index console_sessions_user on console_sessions (user_name);
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** API clients, the hub's signing keys, enterprise authorisations for banks, and the append-only audit log. */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- The change feed reads record_history in commit-safe order (see store/change-feed-queries.ts).
create index record_history_feed on record_history (tx_id, seq);

create table api_clients (
  id text primary key,
  name text not null,
  type text not null check (type in ('AGENCY', 'BANK', 'PARTNER_HUB', 'ADMIN')),
  agency_code text references agencies (code),
  regions text[] not null,
  scopes text[] not null,
  -- How the client authenticates at /oauth/token: its public keys (private_key_jwt), a JWKS URL, or
  -- (development only) a scrypt hash of a shared secret.
  public_jwks jsonb,
  jwks_url text,
  secret_hash text,
  requests_per_minute integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Every change of a client is announced, so hub processes drop their cached copy at once (revocation).
create function announce_client_change() returns trigger language plpgsql as $$ begin perform pg_notify('api_clients_changed', old.id); return null; end $$;
create trigger api_clients_announce after update or delete on api_clients for each row execute function announce_client_change();

-- The hub's own token-signing keys. The private half never leaves this table.
create table hub_signing_keys (
  kid text primary key,
  alg text not null,
  public_jwk jsonb not null,
  private_jwk jsonb not null,
  activated_at timestamptz not null default now(),
  retired_at timestamptz
);

-- Client assertion ids seen until they expire: a replayed assertion is refused.
create table client_assertion_ids (
  client_id text not null,
  jti text not null,
  expires_at timestamptz not null,
  primary key (client_id, jti)
);

-- 授权: enterprise X lets bank Y see its credit report for purpose P until a date.
create table authorizations (
  id bigint generated always as identity primary key,
  subject_uscc text not null,
  client_id text not null references api_clients (id),
  purpose text not null,
  valid_until date not null,
  granted_by text not null,
  evidence text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by text
);
create index authorizations_lookup on authorizations (subject_uscc, client_id, purpose);

-- The audit log is a Merkle tree (RFC 6962) over its entries in seq order, with a hash chain beside
-- it; audit_head holds the size and the chain's last link and serialises appends (one row lock).
create table audit_log (
  seq bigint primary key,
  at timestamptz not null,
  client_id text not null,
  operation text not null,
  subjects text[] not null,
  purpose text,
  outcome text not null,
  entry text not null,
  leaf_hash bytea not null,
  chain_hash bytea not null
);
create index audit_log_by_client on audit_log (client_id, seq);

-- Which entries touched a subject ("who looked at enterprise X"): a btree per (subject, seq), cheaper
-- to append to than a GIN index on audit_log.subjects. The verifier checks it against the entries.
create table audit_subjects (
  subject text not null,
  seq bigint not null,
  primary key (subject, seq)
);

create table audit_head (
  id boolean primary key default true check (id),
  size bigint not null,
  chain_hash bytea not null
);
insert into audit_head (size, chain_hash) values (0, sha256(''::bytea));

-- Signed statements "the log had this size and this root"; kept, never changed.
create table audit_checkpoints (
  tree_size bigint primary key,
  root_hash bytea not null,
  signed text not null,
  -- The roots of the tree's perfect subtrees at this size (JSON), so the next checkpoint reads only newer entries.
  frontier text not null,
  created_at timestamptz not null default now()
);

-- On one line: statements are split at a semicolon that ends a line.
create function refuse_change() returns trigger language plpgsql as $$ begin raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege'; end $$;

create trigger audit_log_append_only before update or delete on audit_log for each row execute function refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function refuse_change();
create trigger audit_subjects_append_only before update or delete on audit_subjects for each row execute function refuse_change();
create trigger audit_subjects_no_truncate before truncate on audit_subjects for each statement execute function refuse_change();
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints for each row execute function refuse_change();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints for each statement execute function refuse_change();
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * One open quarantine entry per (agency, source record id, content): a content hash on every entry,
 * existing duplicate open entries collapsed into their oldest, and a unique index that keeps it so.
 * Operators' check-digit overrides become a stored fact that later readings of the record honour.
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- What identifies a received row: for a mapped row the agency's own row (origin.row), not the
-- standard fields the current mapping made of it, nor the connector's name; for a pushed record its
-- kind, id and fields; for anything else (an unreadable line or file) the payload itself. jsonb's
-- text form is canonical (keys sorted, no insignificant whitespace), so equal content hashes equal.
create function quarantine_payload_hash(payload jsonb) returns text language sql immutable parallel safe as $$
  select encode(sha256(convert_to((case
    when jsonb_typeof(payload -> 'origin') = 'object' then jsonb_build_array(payload -> 'kind', payload -> 'sourceRecordId', payload -> 'origin' -> 'row')
    when payload ? 'fields' then jsonb_build_array(payload -> 'kind', payload -> 'sourceRecordId', payload -> 'fields')
    else payload
  end)::text, 'UTF8')), 'hex')
$$;

-- Generated, so existing entries are hashed now and no writer can store a wrong hash.
alter table quarantine add column payload_hash text not null generated always as (quarantine_payload_hash(payload)) stored;

-- Re-reading a source used to quarantine its bad rows again: keep the oldest open entry of each.
update quarantine q
set status = 'RESOLVED', resolution = 'duplicate of quarantine:' || d.kept_id, resolved_at = now()
from (
  select id, min(id) over (partition by agency_code, coalesce(source_record_id, ''), payload_hash) as kept_id
  from quarantine where status = 'OPEN'
) d
where q.id = d.id and d.id <> d.kept_id;

create unique index quarantine_open_identity on quarantine (agency_code, coalesce(source_record_id, ''), payload_hash) where status = 'OPEN';

-- A USCC whose failing check digit an operator accepted (releaseQuarantinedRecord): accepted from
-- then on, like the configured allow-list, so the same row read again is stored, not quarantined.
create table uscc_overrides (
  uscc text primary key,
  quarantine_id bigint not null references quarantine (id),
  justification text not null,
  released_at timestamptz not null default now()
)
`;

import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * Rules that make a 双随机 draw's seed choice verifiable: the randomness source in structured form,
 * withdrawal of a mistaken commitment (cancelled, published as such), and at most one open
 * (unexecuted, not cancelled) commitment per agency and exclusion period, so an agency cannot keep
 * several and execute only the one it likes.
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
alter table inspection_draws
  -- Written in the commitment's own transaction, right after its row: never null once committed.
  add column randomness_source jsonb,
  add column cancelled_at timestamptz,
  add column cancelled_by text,
  add column cancel_reason text;

-- Draws committed before this migration: a drand reference keeps its round, anything else was an operator's value.
update inspection_draws set randomness_source = case
  when randomness_reference ~ '^drand quicknet round [1-9][0-9]{0,8}$'
    then jsonb_build_object('kind', 'DRAND_QUICKNET', 'round', (substring(randomness_reference from '[0-9]+$'))::bigint)
  else jsonb_build_object('kind', 'OPERATOR') end;

-- Of several open commitments of one agency in one period, the newest stays open; the others are withdrawn.
update inspection_draws d set cancelled_at = now(), cancelled_by = 'migration 0014', cancel_reason = 'superseded: one open draw per agency and period'
where d.executed_at is null and exists (
  select 1 from inspection_draws n
  where n.agency_code = d.agency_code and n.period_start = d.period_start and n.executed_at is null
    and (n.committed_at, n.id) > (d.committed_at, d.id));

create unique index inspection_draws_one_open on inspection_draws (agency_code, period_start)
  where executed_at is null and cancelled_at is null
`;

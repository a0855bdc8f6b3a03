import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * 双随机 inspections: the INSPECTION record kind, and verifiable draws (a commitment with its frozen
 * population snapshot, then the targets and their inspectors once the seed is known).
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const KINDS = `'PERMIT', 'PENALTY', 'RED_LIST', 'BLACK_LIST', 'ABNORMAL_OPERATION', 'INSPECTION'`;

const DDL = `
alter table records drop constraint records_kind_check;
alter table records add constraint records_kind_check check (kind in (${KINDS}));

-- Draw ids: SJCC-<year committed>-<six digits>, what an agency writes in JC_CCBH.
create sequence inspection_draw_seq;

create table inspection_draws (
  id text primary key,
  agency_code text not null references agencies (code),
  regions text[] not null,
  -- The filters as given (kinds, agencies), for the published commitment.
  filters jsonb not null,
  algorithm text not null,
  population_size integer not null,
  -- SHA-256 hex of the sorted USCC list joined by '\\n'.
  population_digest text not null,
  -- [{class, population, sample}] in class order.
  classes jsonb not null,
  inspectors_per_target integer not null,
  -- The pool as committed: [{id, name, agency, conflicts}] sorted by id; its digest is over its canonical JSON.
  inspector_pool jsonb not null,
  inspector_pool_digest text not null,
  randomness_reference text not null,
  period_start date not null,
  period_end date not null,
  committed_at timestamptz not null,
  committed_by text not null,
  seed text,
  executed_at timestamptz,
  executed_by text
);
create index inspection_draws_by_agency on inspection_draws (agency_code, committed_at desc, id desc);
create index inspection_draws_by_time on inspection_draws (committed_at desc, id desc);

-- No foreign keys to inspection_draws on the snapshot and targets: their per-row checks would double the
-- time of freezing a million-subject population; both are only written with their draw, in its transaction.
create table inspection_draw_population (
  draw_id text not null,
  -- Byte order (collate "C"), the order the digest takes: comparisons are plain memcmp.
  uscc text collate "C" not null,
  class text not null check (class in ('A', 'B', 'C', 'D')),
  -- By class first: an execution reads each class's range alone; pages go by class, then USCC.
  primary key (draw_id, class, uscc)
);

create table inspection_draw_targets (
  draw_id text not null,
  uscc text collate "C" not null,
  class text not null,
  -- Position in its class's ranking (1 = first drawn).
  rank integer not null,
  inspectors text[] not null,
  primary key (draw_id, uscc)
);
create index inspection_draw_targets_by_subject on inspection_draw_targets (uscc)
`;

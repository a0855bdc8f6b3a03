import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * Runs that tell the truth: each run keeps the pages it read, its watermark before and after, a typed
 * failure reason and its warnings; a run whose process died can be closed as ABANDONED; the batches a
 * run wrote name it, so its counts follow from what was committed; a quarantine entry names the
 * connector that refused it.
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
alter table connector_runs drop constraint connector_runs_status_check;
alter table connector_runs add constraint connector_runs_status_check check (status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED'));
alter table connector_runs add column pages integer not null default 0;
alter table connector_runs add column watermark_before text;
alter table connector_runs add column watermark_after text;
alter table connector_runs add column failure_reason text check (failure_reason in
  ('UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_ERROR_CODE', 'BAD_RESPONSE', 'UNAUTHORIZED', 'INCOMPLETE_PAGE', 'SOURCE_UNREADABLE', 'HUB_ERROR', 'ABANDONED'));
alter table connector_runs add column warnings jsonb not null default '[]'::jsonb;
-- Runs that failed before this migration keep their text only: their reason is not known.
create index connector_runs_running on connector_runs (agency_code, connector) where status = 'RUNNING';

-- The run that wrote a batch; null for pushed, released and replayed batches, and for batches written before this migration.
alter table ingestion_batches add column run_id bigint references connector_runs (id);
create index ingestion_batches_by_run on ingestion_batches (run_id) where run_id is not null;

-- The connector whose mapping or validation refused the row; null for pushed records.
alter table quarantine add column connector text;
update quarantine set connector = payload -> 'origin' ->> 'connector' where jsonb_typeof(payload -> 'origin') = 'object';
update quarantine q set connector = substr(b.source, 6) from ingestion_batches b
where q.connector is null and q.batch_id = b.id and b.source like 'http:%';
`;

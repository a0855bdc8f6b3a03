import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** What a metrics scrape reads from the store: small aggregates over indexed columns, in one round trip. */
export interface StoreGauges {
  /** Entries in the audit log (its head's size): every append by any hub process. */
  readonly auditEntries: number;
  /** When the latest audit checkpoint was signed; null before the first. */
  readonly lastCheckpointAt: Date | null;
  /** Open quarantine entries by agency code (agencies with none are absent). */
  readonly openQuarantine: ReadonlyMap<string, number>;
  /** When each given source last finished a successful run, by `agency/connector`; null if never. */
  readonly lastSuccessfulRun: ReadonlyMap<string, Date | null>;
}

/**
 * Reads the store's gauges for a scrape. Open quarantine is counted through the partial index of open
 * entries (quarantine_open_identity); each source's last success is found walking its runs back from
 * the newest (connector_runs_by_agency), so the cost follows the sources, not the run history.
 */
export async function readStoreGauges(db: HubDb, sources: readonly { agencyCode: string; connector: string }[]): Promise<StoreGauges> {
  const agencies = sources.map((source) => source.agencyCode);
  const connectors = sources.map((source) => source.connector);
  const { rows } = await sql<{
    audit_entries: number;
    last_checkpoint_at: Date | null;
    open_quarantine: Record<string, number> | null;
    last_runs: { key: string; at: string | null }[] | null;
  }>`
    select
      (select size from audit_head) as audit_entries,
      (select created_at from audit_checkpoints order by tree_size desc limit 1) as last_checkpoint_at,
      (select jsonb_object_agg(agency_code, open) from (select agency_code, count(*) as open from quarantine where status = 'OPEN' group by agency_code) q) as open_quarantine,
      (select jsonb_agg(jsonb_build_object('key', s.agency_code || '/' || s.connector, 'at', (
        select r.finished_at from connector_runs r
        where r.agency_code = s.agency_code and r.connector = s.connector and r.status = 'SUCCEEDED'
        order by r.id desc limit 1)))
       from unnest(${agencies}::text[], ${connectors}::text[]) as s(agency_code, connector)) as last_runs`.execute(db);
  const row = rows[0];
  return {
    auditEntries: row?.audit_entries ?? 0,
    lastCheckpointAt: row?.last_checkpoint_at ? new Date(row.last_checkpoint_at) : null,
    openQuarantine: new Map(Object.entries(row?.open_quarantine ?? {}).map(([agency, open]) => [agency, open])),
    lastSuccessfulRun: new Map((row?.last_runs ?? []).map((run) => [run.key, run.at === null ? null : new Date(run.at)])),
  };
}

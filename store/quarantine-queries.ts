import { sql } from 'kysely';
import { countAgencyLog, pageAgencyLog } from './agency-log-pager.js';
import type { HubDb } from './database.js';
import { storableJsonText } from './storable-json.js';

const COLUMNS = ['id', 'agency_code', 'source_record_id', 'kind', 'connector', 'status', 'reasons', 'resolution', 'created_at'] as const;

/** An agency's quarantine entries in one status, newest first, keyset-paginated by id. */
export function listQuarantine(db: HubDb, agencyCode: string, status: string, first: number, afterId: number | undefined) {
  return pageAgencyLog(db.selectFrom('quarantine').select(COLUMNS).where('status', '=', status), agencyCode, first, afterId);
}
export type QuarantineListRow = Awaited<ReturnType<typeof listQuarantine>>['rows'][number];

export function countQuarantine(db: HubDb, agencyCode: string, status: string): Promise<number> {
  return countAgencyLog(db.selectFrom('quarantine').where('status', '=', status), agencyCode);
}

/** The full entry including the payload as received, for replay. */
export async function findQuarantineEntry(db: HubDb, id: number) {
  return db
    .selectFrom('quarantine')
    .select([...COLUMNS, 'payload'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Open entries of an agency with their payloads, oldest first, after `afterId` (for replay). */
export async function listOpenQuarantinePayloads(db: HubDb, agencyCode: string, afterId: number, limit: number): Promise<{ id: number; payload: unknown }[]> {
  return db
    .selectFrom('quarantine')
    .select(['id', 'payload'])
    .where('agency_code', '=', agencyCode)
    .where('status', '=', 'OPEN')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Replaces the reasons of these OPEN entries with the ones a re-validation found, noting it in
 * `resolution`. The payload, and so the entry's identity (migration 0005), stays as received.
 */
export async function replaceQuarantineReasons(db: HubDb, entries: readonly { id: number; reasons: readonly unknown[] }[], note: string): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    update quarantine q set reasons = t.reasons, resolution = ${note}
    from jsonb_to_recordset(${storableJsonText(entries)}::jsonb) as t(id bigint, reasons jsonb)
    where q.id = t.id and q.status = 'OPEN'
  `.execute(db);
}

/** Every USCC whose failing check digit an operator has accepted. */
export async function listUsccOverrides(db: HubDb): Promise<string[]> {
  const rows = await db.selectFrom('uscc_overrides').select('uscc').execute();
  return rows.map((row) => row.uscc);
}

/** Stores an operator's acceptance of these USCCs' failing check digits; one already accepted keeps its first justification. */
export async function recordUsccOverrides(db: HubDb, usccs: readonly string[], quarantineId: number, justification: string): Promise<void> {
  if (usccs.length === 0) return;
  await db
    .insertInto('uscc_overrides')
    .values(usccs.map((uscc) => ({ uscc, quarantine_id: quarantineId, justification })))
    .onConflict((oc) => oc.column('uscc').doNothing())
    .execute();
}

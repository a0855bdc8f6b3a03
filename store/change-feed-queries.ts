import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** Position in the change feed: the writing transaction, then the change's sequence number. */
export interface FeedPosition {
  readonly txId: string;
  readonly seq: number;
}

export interface ChangeRow {
  readonly seq: number;
  readonly tx_id: string;
  readonly change: string;
  readonly record_id: number;
  readonly changed_at: Date;
  readonly origin_region: string;
}

/**
 * Changes after `position` of records originating in `regions` (all when empty), in commit-safe
 * order: only transactions older than every transaction still running are returned (their xid is
 * below the snapshot's xmin), ordered by (transaction, seq). A change that commits later always has
 * a larger position, so a reader that resumes from its last position never misses one.
 */
export async function listChanges(
  db: HubDb,
  regions: readonly string[],
  position: FeedPosition | undefined,
  first: number,
): Promise<{ rows: ChangeRow[]; hasMore: boolean }> {
  let query = db
    .selectFrom('record_history as h')
    .innerJoin('records as r', 'r.id', 'h.record_id')
    .select(['h.seq', sql<string>`h.tx_id::text`.as('tx_id'), 'h.change', 'h.record_id', 'h.changed_at', 'r.origin_region'])
    .where(sql<boolean>`h.tx_id < pg_snapshot_xmin(pg_current_snapshot())`);
  if (regions.length > 0) query = query.where('r.origin_region', 'in', regions);
  if (position) query = query.where(sql<boolean>`(h.tx_id, h.seq) > (${position.txId}::xid8, ${position.seq})`);
  const rows = await query
    .orderBy('h.tx_id')
    .orderBy('h.seq')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

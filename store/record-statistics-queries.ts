import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** Records of one kind from one origin region: how many, and how many of them are in force. */
export interface RecordCountRow {
  readonly kind: string;
  readonly origin_region: string;
  readonly active: number;
  readonly total: number;
}

/**
 * Records by kind and origin region, counted over the whole table (one grouped scan), limited to
 * `regions` when not empty. At most kinds × regions rows.
 */
export async function countRecordsByKindAndRegion(db: HubDb, regions: readonly string[]): Promise<RecordCountRow[]> {
  const where = regions.length > 0 ? sql`where origin_region in (${sql.join(regions.map((region) => sql`${region}`))})` : sql``;
  const { rows } = await sql<RecordCountRow>`
    select kind, origin_region, count(*) filter (where status = 'ACTIVE')::int as active, count(*)::int as total
    from records ${where}
    group by kind, origin_region
    order by kind, origin_region`.execute(db);
  return rows;
}

import type { SelectQueryBuilder } from 'kysely';
import type { HubTables } from './tables.js';

/** The tables that log what an agency sent or what was run for it: one agency per row, ids growing with time. */
type AgencyLogTable = 'ingestion_batches' | 'connector_runs' | 'quarantine';

/** A query over one agency log table, with the caller's columns and any filter of its own (not the agency). */
type AgencyLogQuery<Row> = SelectQueryBuilder<HubTables, AgencyLogTable, Row>;

/** One page of an agency's log, newest first; hasMore when older rows follow. */
export interface AgencyLogPage<Row> {
  readonly rows: Row[];
  readonly hasMore: boolean;
}

/** The agency's rows of `query`, newest first, keyset-paginated by id: at most `first`, all older than `afterId` when given. */
export async function pageAgencyLog<Row>(
  query: AgencyLogQuery<Row>,
  agencyCode: string,
  first: number,
  afterId: number | undefined,
): Promise<AgencyLogPage<Row>> {
  let page = query.where('agency_code', '=', agencyCode);
  if (afterId !== undefined) page = page.where('id', '<', afterId);
  // One row more than asked tells whether another page follows, without a second query.
  const rows = await page
    .orderBy('id', 'desc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

/** How many of the agency's rows `query` holds. */
export async function countAgencyLog<Row>(query: AgencyLogQuery<Row>, agencyCode: string): Promise<number> {
  const row = await query
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('agency_code', '=', agencyCode)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

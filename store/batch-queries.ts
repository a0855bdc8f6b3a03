import type { HubDb } from './database.js';

/** An agency's ingestion batches, newest first, keyset-paginated by id. */
export async function listBatches(db: HubDb, agencyCode: string, first: number, afterId: number | undefined) {
  let query = db.selectFrom('ingestion_batches').selectAll().where('agency_code', '=', agencyCode);
  if (afterId !== undefined) query = query.where('id', '<', afterId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}
export type BatchRow = Awaited<ReturnType<typeof listBatches>>['rows'][number];

export async function countBatches(db: HubDb, agencyCode: string): Promise<number> {
  const row = await db
    .selectFrom('ingestion_batches')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('agency_code', '=', agencyCode)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

import type { HubDb } from './database.js';

export interface RunCounts {
  readonly batches: number;
  readonly received: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

const MAX_ERROR_LENGTH = 500;

export async function startConnectorRun(db: HubDb, agencyCode: string, connector: string): Promise<number> {
  const row = await db.insertInto('connector_runs').values({ agency_code: agencyCode, connector, status: 'RUNNING', finished_at: null, error: null }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function finishConnectorRun(db: HubDb, id: number, status: 'SUCCEEDED' | 'FAILED', counts: RunCounts | null, error: string | null): Promise<void> {
  await db
    .updateTable('connector_runs')
    .set({ status, finished_at: new Date(), ...(counts ?? {}), error: error === null ? null : error.slice(0, MAX_ERROR_LENGTH) })
    .where('id', '=', id)
    .execute();
}

/** An agency's connector runs, newest first, keyset-paginated by id. */
export async function listConnectorRuns(db: HubDb, agencyCode: string, first: number, afterId: number | undefined) {
  let query = db.selectFrom('connector_runs').selectAll().where('agency_code', '=', agencyCode);
  if (afterId !== undefined) query = query.where('id', '<', afterId);
  const rows = await query.orderBy('id', 'desc').limit(first + 1).execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}
export type ConnectorRunRow = Awaited<ReturnType<typeof listConnectorRuns>>['rows'][number];

export async function countConnectorRuns(db: HubDb, agencyCode: string): Promise<number> {
  const row = await db.selectFrom('connector_runs').select((eb) => eb.fn.countAll<string>().as('n')).where('agency_code', '=', agencyCode).executeTakeFirstOrThrow();
  return Number(row.n);
}

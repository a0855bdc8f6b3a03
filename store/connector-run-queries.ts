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

/** Per connector of an agency: failed runs since its last successful one, and its latest run. */
export async function connectorHealth(db: HubDb, agencyCode: string): Promise<Map<string, { consecutiveFailures: number; lastRun: ConnectorRunRow }>> {
  const rows = await db
    .selectFrom('connector_runs as r')
    .selectAll('r')
    .select((eb) =>
      eb
        .selectFrom('connector_runs as f')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('f.agency_code', '=', 'r.agency_code')
        .whereRef('f.connector', '=', 'r.connector')
        .where('f.status', '=', 'FAILED')
        .where((inner) =>
          inner(
            'f.id',
            '>',
            inner.fn.coalesce(
              inner.selectFrom('connector_runs as s').select((s) => s.fn.max('s.id').as('id')).whereRef('s.agency_code', '=', 'r.agency_code').whereRef('s.connector', '=', 'r.connector').where('s.status', '=', 'SUCCEEDED'),
              inner.lit(0),
            ),
          ),
        )
        .as('failures'),
    )
    .where('r.agency_code', '=', agencyCode)
    .where((eb) => eb('r.id', '=', eb.selectFrom('connector_runs as l').select((l) => l.fn.max('l.id').as('id')).whereRef('l.agency_code', '=', 'r.agency_code').whereRef('l.connector', '=', 'r.connector')))
    .execute();
  return new Map(rows.map(({ failures, ...run }) => [run.connector, { consecutiveFailures: Number(failures ?? 0), lastRun: run }]));
}

/** The latest run of one connector. */
export async function latestConnectorRun(db: HubDb, agencyCode: string, connector: string): Promise<ConnectorRunRow | undefined> {
  return db.selectFrom('connector_runs').selectAll().where('agency_code', '=', agencyCode).where('connector', '=', connector).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

import { sql, type RawBuilder } from 'kysely';
import { countAgencyLog, pageAgencyLog } from './agency-log-pager.js';
import type { HubDb } from './database.js';

export interface RunCounts {
  readonly batches: number;
  readonly received: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

/** Where a run started: what a second request for the same connector is told. */
export interface RunStart {
  readonly id: number;
  readonly startedAt: Date;
}

/** A warning a run reported, as kept on the run. */
export interface RunWarning {
  readonly code: string;
  readonly message: string;
}

/** How a run ended. Undefined fields keep what the run row already holds (an abandoned run keeps its progress). */
export interface RunEnd {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABANDONED';
  readonly failureReason: string | null;
  readonly error: string | null;
  readonly pages?: number | undefined;
  readonly warnings?: readonly RunWarning[] | undefined;
  /** As the connector reported them; when it did not, before is the stored watermark at the start and after the one stored now. */
  readonly watermarkBefore?: string | undefined;
  readonly watermarkAfter?: string | undefined;
}

const MAX_ERROR_LENGTH = 500;

/** Records a run as started, with the connector's stored watermark (if any) as its watermark before. */
export async function startConnectorRun(db: HubDb, agencyCode: string, connector: string): Promise<RunStart> {
  const row = await db
    .insertInto('connector_runs')
    .values((eb) => ({
      agency_code: agencyCode,
      connector,
      status: 'RUNNING',
      finished_at: null,
      error: null,
      watermark_before: eb.selectFrom('connector_state').select('watermark').where('agency_code', '=', agencyCode).where('connector', '=', connector),
    }))
    .returning(['id', 'started_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, startedAt: row.started_at };
}

/** Pages read so far by a run; called in the transaction of each batch it writes, so a run that dies keeps what it stored. */
export async function recordRunPages(trx: HubDb, runId: number, pages: number): Promise<void> {
  await trx
    .updateTable('connector_runs')
    .set({ pages: sql<number>`greatest(pages, ${pages})` })
    .where('id', '=', runId)
    .execute();
}

/** Ends a run; its counts are those of the batches committed under it. Returns them. */
export async function finishConnectorRun(db: HubDb, id: number, end: RunEnd): Promise<RunCounts> {
  const [closed] = await closeRuns(db, sql`r.id = ${id}`, end);
  if (!closed) throw new Error(`connector run ${id} does not exist`);
  return closed;
}

/**
 * Closes as ABANDONED the connector's runs still RUNNING, with what they had stored. Call it only while
 * holding the connector's lease: then no live process runs them. Returns the runs closed.
 */
export async function closeAbandonedRuns(db: HubDb, agencyCode: string, connector: string): Promise<(RunCounts & { id: number })[]> {
  const which = sql`r.agency_code = ${agencyCode} and r.connector = ${connector} and r.status = 'RUNNING'`;
  return closeRuns(db, which, { status: 'ABANDONED', failureReason: 'ABANDONED', error: 'the hub process running it stopped before it finished' });
}

async function closeRuns(db: HubDb, which: RawBuilder<unknown>, end: RunEnd): Promise<(RunCounts & { id: number })[]> {
  // finished_at: the database's time, as started_at (its column default), so runs of several hub processes are ordered on one clock.
  const warnings = end.warnings === undefined ? null : JSON.stringify(end.warnings);
  const result = await sql<RunCounts & { id: number }>`
    with totals as (
      select r.id, count(b.id)::int as batches, coalesce(sum(b.received), 0)::int as received, coalesce(sum(b.inserted), 0)::int as inserted,
        coalesce(sum(b.updated), 0)::int as updated, coalesce(sum(b.unchanged), 0)::int as unchanged, coalesce(sum(b.rejected), 0)::int as rejected
      from connector_runs r left join ingestion_batches b on b.run_id = r.id
      where ${which}
      group by r.id
    )
    update connector_runs r set
      status = ${end.status}, finished_at = now(), failure_reason = ${end.failureReason}, error = ${end.error === null ? null : end.error.slice(0, MAX_ERROR_LENGTH)},
      pages = coalesce(${end.pages ?? null}::int, r.pages), warnings = coalesce(${warnings}::jsonb, r.warnings),
      watermark_before = coalesce(${end.watermarkBefore ?? null}::text, r.watermark_before),
      watermark_after = coalesce(${end.watermarkAfter ?? null}::text, (select s.watermark from connector_state s where s.agency_code = r.agency_code and s.connector = r.connector)),
      batches = t.batches, received = t.received, inserted = t.inserted, updated = t.updated, unchanged = t.unchanged, rejected = t.rejected
    from totals t
    where r.id = t.id
    returning r.id, r.batches, r.received, r.inserted, r.updated, r.unchanged, r.rejected`.execute(db);
  return result.rows;
}

/** The connector's run in progress (the latest RUNNING one), if any. */
export async function runningConnectorRun(db: HubDb, agencyCode: string, connector: string): Promise<RunStart | undefined> {
  const row = await db
    .selectFrom('connector_runs')
    .select(['id', 'started_at'])
    .where('agency_code', '=', agencyCode)
    .where('connector', '=', connector)
    .where('status', '=', 'RUNNING')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { id: row.id, startedAt: row.started_at };
}

/** One run by id. */
export async function findConnectorRun(db: HubDb, id: number): Promise<ConnectorRunRow | undefined> {
  return db.selectFrom('connector_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An agency's connector runs, newest first, keyset-paginated by id. */
export function listConnectorRuns(db: HubDb, agencyCode: string, first: number, afterId: number | undefined) {
  return pageAgencyLog(db.selectFrom('connector_runs').selectAll(), agencyCode, first, afterId);
}
export type ConnectorRunRow = Awaited<ReturnType<typeof listConnectorRuns>>['rows'][number];

export function countConnectorRuns(db: HubDb, agencyCode: string): Promise<number> {
  return countAgencyLog(db.selectFrom('connector_runs'), agencyCode);
}

/** Per connector of an agency: failed (or abandoned) runs since its last successful one, and its latest run. */
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
        .where('f.status', 'in', ['FAILED', 'ABANDONED'])
        .where((inner) =>
          inner(
            'f.id',
            '>',
            inner.fn.coalesce(
              inner
                .selectFrom('connector_runs as s')
                .select((s) => s.fn.max('s.id').as('id'))
                .whereRef('s.agency_code', '=', 'r.agency_code')
                .whereRef('s.connector', '=', 'r.connector')
                .where('s.status', '=', 'SUCCEEDED'),
              inner.lit(0),
            ),
          ),
        )
        .as('failures'),
    )
    .where('r.agency_code', '=', agencyCode)
    .where((eb) =>
      eb(
        'r.id',
        '=',
        eb
          .selectFrom('connector_runs as l')
          .select((l) => l.fn.max('l.id').as('id'))
          .whereRef('l.agency_code', '=', 'r.agency_code')
          .whereRef('l.connector', '=', 'r.connector'),
      ),
    )
    .execute();
  return new Map(rows.map(({ failures, ...run }) => [run.connector, { consecutiveFailures: Number(failures ?? 0), lastRun: run }]));
}

import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { HubDb } from './database.js';
import type { HubTables } from './tables.js';

export interface RecordFilter {
  readonly kinds?: readonly string[] | undefined;
  readonly agencyCodes?: readonly string[] | undefined;
  readonly originRegions?: readonly string[] | undefined;
  readonly statuses?: readonly string[] | undefined;
  /** Inclusive range on the record's event date (decision or listing date), ISO dates. */
  readonly eventDateFrom?: string | undefined;
  readonly eventDateTo?: string | undefined;
  /**
   * Whose REPAIRED records the reader may see, and only when it names REPAIRED in `statuses`: 'ALL'
   * (operators) or these source agencies. Without REPAIRED in `statuses`, or by default, none: a
   * repaired record has left public view.
   */
  readonly repairedOf?: 'ALL' | readonly string[] | undefined;
}

/** Keyset position: records are ordered newest event first, then by id. */
export interface RecordPosition {
  readonly eventDate: string;
  readonly id: number;
}

export interface RecordPage<T> {
  readonly rows: T[];
  readonly hasMore: boolean;
}

const RECORD_COLUMNS = [
  'records.id',
  'records.agency_code',
  'records.source_record_id',
  'records.kind',
  'records.subject_uscc',
  'records.subject_name',
  'records.subject_category',
  'records.status',
  'records.event_date',
  'records.valid_from',
  'records.valid_to',
  'records.publication_end',
  'records.document_no',
  'records.fields',
  'records.origin_region',
  'records.origin_hub',
  'records.version',
  'records.created_at',
  'records.updated_at',
] as const;

type RecordQuery = SelectQueryBuilder<HubTables, 'records', object>;
export type StoredRecord = Awaited<ReturnType<ReturnType<typeof selectRecords>['executeTakeFirstOrThrow']>>;

function selectRecords(db: HubDb) {
  return db.selectFrom('records').select(RECORD_COLUMNS);
}

function applyFilter<Q extends RecordQuery>(query: Q, filter: RecordFilter): Q {
  let q = query as RecordQuery;
  if (filter.kinds?.length) q = q.where('records.kind', 'in', filter.kinds);
  if (filter.agencyCodes?.length) q = q.where('records.agency_code', 'in', filter.agencyCodes);
  if (filter.originRegions?.length) q = q.where('records.origin_region', 'in', filter.originRegions);
  q = q.where((eb) => statusCondition(eb, filter));
  if (filter.eventDateFrom) q = q.where('records.event_date', '>=', filter.eventDateFrom);
  if (filter.eventDateTo) q = q.where('records.event_date', '<=', filter.eventDateTo);
  return q as Q;
}

/** The statuses asked for (default: all but REPAIRED), REPAIRED only of the agencies `repairedOf` allows. */
function statusCondition(eb: ExpressionBuilder<HubTables, 'records'>, filter: RecordFilter) {
  const asked = filter.statuses?.length ? filter.statuses : undefined;
  if (!asked) return eb('records.status', '<>', 'REPAIRED');
  const others = asked.filter((status) => status !== 'REPAIRED');
  const repairedOf = asked.includes('REPAIRED') ? filter.repairedOf : undefined;
  const repaired =
    repairedOf === 'ALL'
      ? eb('records.status', '=', 'REPAIRED')
      : repairedOf?.length
        ? eb.and([eb('records.status', '=', 'REPAIRED'), eb('records.agency_code', 'in', repairedOf)])
        : undefined;
  const conditions = [...(others.length ? [eb('records.status', 'in', others)] : []), ...(repaired ? [repaired] : [])];
  return conditions.length ? eb.or(conditions) : eb.lit(false);
}

function after(eb: ExpressionBuilder<HubTables, 'records'>, position: RecordPosition) {
  return eb(eb.refTuple('records.event_date', 'records.id'), '<', eb.tuple(position.eventDate, position.id));
}

/** One page of records matching the filter, newest first. Fetches one extra row to know if more follow. */
export async function listRecords(db: HubDb, filter: RecordFilter, first: number, position: RecordPosition | undefined): Promise<RecordPage<StoredRecord>> {
  let query = applyFilter(selectRecords(db), filter);
  if (position) query = query.where((eb) => after(eb, position));
  const rows = await query
    .orderBy('records.event_date', 'desc')
    .orderBy('records.id', 'desc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

export async function countRecords(db: HubDb, filter: RecordFilter): Promise<number> {
  const row = await applyFilter(
    db.selectFrom('records').select((eb) => eb.fn.countAll<string>().as('n')),
    filter,
  ).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Record counts of many subjects under one filter, in one grouped query. */
export async function countRecordsForSubjects(db: HubDb, usccs: readonly string[], filter: RecordFilter): Promise<Map<string, number>> {
  const rows = await applyFilter(
    db.selectFrom('records').select((eb) => ['records.subject_uscc', eb.fn.countAll<string>().as('n')]),
    filter,
  )
    .where('records.subject_uscc', 'in', usccs)
    .groupBy('records.subject_uscc')
    .execute();
  return new Map(rows.map((row) => [row.subject_uscc ?? '', Number(row.n)]));
}

/**
 * The same page (filter, size, position) of records for many subjects in one query: a lateral
 * join runs the indexed per-subject scan once per USCC. Serves Subject.records without N+1.
 */
export async function listRecordsForSubjects(
  db: HubDb,
  usccs: readonly string[],
  filter: RecordFilter,
  first: number,
  position: RecordPosition | undefined,
): Promise<Map<string, RecordPage<StoredRecord>>> {
  const rows = await db
    .selectFrom(sql<{ uscc: string }>`(select unnest(${[...usccs]}::text[]) as uscc)`.as('subject'))
    .innerJoinLateral(
      (eb) => {
        let query = applyFilter(selectRecords(eb as unknown as HubDb), filter).where('records.subject_uscc', '=', eb.ref('subject.uscc'));
        if (position) query = query.where((inner) => after(inner, position));
        return query
          .orderBy('records.event_date', 'desc')
          .orderBy('records.id', 'desc')
          .limit(first + 1)
          .as('r');
      },
      (join) => join.onTrue(),
    )
    .selectAll('r')
    .execute();
  const pages = new Map<string, RecordPage<StoredRecord>>(usccs.map((uscc) => [uscc, { rows: [], hasMore: false }]));
  for (const row of rows as StoredRecord[]) {
    const page = pages.get(row.subject_uscc ?? '');
    if (!page) continue;
    if (page.rows.length < first) page.rows.push(row);
    else pages.set(row.subject_uscc ?? '', { rows: page.rows, hasMore: true });
  }
  return pages;
}

export async function findRecordsByIds(db: HubDb, ids: readonly number[]): Promise<StoredRecord[]> {
  if (ids.length === 0) return [];
  return selectRecords(db).where('records.id', 'in', ids).execute();
}

/** The most history entries one record shows: its latest changes. */
export const MAX_HISTORY_ENTRIES = 100;

/** History of many records in one query: each record's latest MAX_HISTORY_ENTRIES changes, oldest first. */
export async function listHistoryForRecords(db: HubDb, recordIds: readonly number[]) {
  if (recordIds.length === 0) return [];
  const latest = db
    .selectFrom('record_history')
    .select(['record_id', 'seq', 'change', 'old_hash', 'new_hash', 'old_status', 'new_status', 'changed_by', 'changed_at'])
    .select(sql<number>`row_number() over (partition by record_id order by seq desc)`.as('recency'))
    .where('record_id', 'in', recordIds)
    .as('h');
  return db
    .selectFrom(latest)
    .select(['record_id', 'seq', 'change', 'old_hash', 'new_hash', 'old_status', 'new_status', 'changed_by', 'changed_at'])
    .where('recency', '<=', MAX_HISTORY_ENTRIES)
    .orderBy('record_id')
    .orderBy('seq')
    .execute();
}
export type StoredHistoryEntry = Awaited<ReturnType<typeof listHistoryForRecords>>[number];

/** How many records of each kind and status a subject has. */
export async function countRecordsByKindAndStatus(db: HubDb, uscc: string): Promise<{ kind: string; status: string; n: number }[]> {
  const rows = await db
    .selectFrom('records')
    .select((eb) => ['kind', 'status', eb.fn.countAll<string>().as('n')])
    .where('subject_uscc', '=', uscc)
    // A repaired record has left public view: a report does not count it.
    .where('status', '<>', 'REPAIRED')
    .groupBy(['kind', 'status'])
    .orderBy('kind')
    .orderBy('status')
    .execute();
  return rows.map((row) => ({ kind: row.kind, status: row.status, n: Number(row.n) }));
}

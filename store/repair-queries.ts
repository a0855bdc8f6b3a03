import { sql, type RawBuilder } from 'kysely';
import type { HubDb } from './database.js';
import { periodEnded } from './record-in-force.js';
import { changeRecordStatus } from './record-status-writes.js';

/** A credit repair request as stored (migration 0011). */
export interface RepairRequestRow {
  readonly id: number;
  readonly record_id: number;
  readonly agency_code: string;
  readonly subject_uscc: string | null;
  readonly status: 'PENDING' | 'APPROVED' | 'REJECTED';
  readonly tier: string;
  readonly evidence: string;
  readonly fulfilled_on: string;
  readonly fulfilment_evidence: string;
  readonly filed_by: string;
  readonly filed_at: Date;
  readonly decided_by: string | null;
  readonly decided_at: Date | null;
}

/** An objection as stored (migration 0011). */
export interface ObjectionRow {
  readonly id: number;
  readonly record_id: number;
  readonly agency_code: string;
  readonly subject_uscc: string | null;
  readonly status: 'OPEN' | 'CONFIRMED' | 'CORRECTED';
  readonly reason: string;
  readonly previous_status: string;
  readonly filed_by: string;
  readonly filed_at: Date;
  readonly filed_on: string;
  readonly due_on: string;
  readonly extended: boolean;
  readonly resolved_by: string | null;
  readonly resolved_at: Date | null;
}

/** One step of a request's or objection's history. */
export interface CaseStepRow {
  readonly case_id: number;
  readonly step: string;
  readonly actor: string;
  readonly at: Date;
  readonly note: string | null;
}

const REQUEST_COLUMNS = sql.raw<RepairRequestRow>(`id, record_id, agency_code, subject_uscc, status, tier, evidence, fulfilled_on::text as fulfilled_on,
  fulfilment_evidence, filed_by, filed_at, decided_by, decided_at`);
const OBJECTION_COLUMNS = sql.raw<ObjectionRow>(`id, record_id, agency_code, subject_uscc, status, reason, previous_status, filed_by, filed_at,
  filed_on::text as filed_on, due_on::text as due_on, extended, resolved_by, resolved_at`);

const toNumbers = <R extends { id: unknown; record_id: unknown }>(row: R): R => ({ ...row, id: Number(row.id), record_id: Number(row.record_id) });

/**
 * Another record of the same subject and kind, of the same type (a penalty's 违法行为类型 CF_WFXW, a
 * list entry's 名单名称 MD_MDMC), decided on or after `eventDate` and not revoked: a repeat, which bars
 * repair. Only subjects with a USCC are matched. Returns its id, or undefined.
 */
export async function findRepeatRecord(
  db: HubDb,
  record: { id: number; subject_uscc: string | null; kind: string; event_date: string; fields: unknown },
): Promise<number | undefined> {
  if (!record.subject_uscc) return undefined;
  const typeColumn = record.kind === 'PENALTY' ? 'CF_WFXW' : 'MD_MDMC';
  const type = (record.fields as Record<string, unknown>)[typeColumn];
  if (typeof type !== 'string') return undefined;
  const result = await sql<{ id: string | number }>`
    select id from records
    where subject_uscc = ${record.subject_uscc} and kind = ${record.kind} and id <> ${record.id}
      and event_date >= ${record.event_date}::date and status <> 'REVOKED' and fields->>${typeColumn} = ${type}
    order by event_date, id limit 1
  `.execute(db);
  const found = result.rows[0];
  return found ? Number(found.id) : undefined;
}

/** Stores a PENDING request; undefined when the record already has one pending. */
export async function insertRepairRequest(
  db: HubDb,
  request: Omit<RepairRequestRow, 'id' | 'status' | 'decided_by' | 'decided_at'>,
): Promise<RepairRequestRow | undefined> {
  const result = await sql<RepairRequestRow>`
    insert into repair_requests (record_id, agency_code, subject_uscc, status, tier, evidence, fulfilled_on, fulfilment_evidence, filed_by, filed_at)
    values (${request.record_id}, ${request.agency_code}, ${request.subject_uscc}, 'PENDING', ${request.tier}, ${request.evidence},
      ${request.fulfilled_on}::date, ${request.fulfilment_evidence}, ${request.filed_by}, ${request.filed_at})
    on conflict (record_id) where status = 'PENDING' do nothing
    returning ${REQUEST_COLUMNS}
  `.execute(db);
  const row = result.rows[0];
  return row ? toNumbers(row) : undefined;
}

/** The request, locked for the rest of the transaction; undefined when there is none. */
export async function lockRepairRequest(db: HubDb, id: number): Promise<RepairRequestRow | undefined> {
  const result = await sql<RepairRequestRow>`select ${REQUEST_COLUMNS} from repair_requests where id = ${id} for update`.execute(db);
  const row = result.rows[0];
  return row ? toNumbers(row) : undefined;
}

export async function decideRepairRequestRow(db: HubDb, id: number, status: 'APPROVED' | 'REJECTED', decidedBy: string, at: Date): Promise<RepairRequestRow> {
  const result = await sql<RepairRequestRow>`
    update repair_requests set status = ${status}, decided_by = ${decidedBy}, decided_at = ${at} where id = ${id} returning ${REQUEST_COLUMNS}
  `.execute(db);
  return toNumbers(result.rows[0] as RepairRequestRow);
}

export async function insertRepairStep(db: HubDb, requestId: number, step: string, actor: string, at: Date, note: string | null): Promise<void> {
  await sql`insert into repair_request_steps (request_id, step, actor, at, note) values (${requestId}, ${step}, ${actor}, ${at}, ${note})`.execute(db);
}

/**
 * Whose cases a reader sees: undefined, every case (an operator); an agency code, the cases of that
 * agency (on its records as source agency, or filed by one of its clients); null, none.
 */
export type CaseAgency = string | null | undefined;

/** The condition "the case is visible to `agency`" (see CaseAgency) on a table with agency_code and filed_by. */
const visibleTo = (agency: CaseAgency) => sql`(${agency === undefined}::boolean
  or agency_code = ${agency ?? null} or filed_by in (select id from api_clients where agency_code = ${agency ?? null}))`;

/** What both kinds of case (repair requests, objections) are filtered by. */
interface CaseFilter {
  /** Only this case. */
  readonly id?: number | undefined;
  readonly visibleTo: CaseAgency;
  readonly status?: string | undefined;
  readonly agencyCode?: string | undefined;
}

/**
 * Cases of `table` matching the filter and the kind's own condition `also`, newest first, after id
 * `beforeId`; one extra row tells whether more follow.
 */
async function listCases<Row extends { id: unknown; record_id: unknown }>(
  db: HubDb,
  table: 'repair_requests' | 'objections',
  columns: RawBuilder<Row>,
  filter: CaseFilter,
  also: RawBuilder<unknown>,
  first: number,
  beforeId: number | undefined,
): Promise<{ rows: Row[]; hasMore: boolean }> {
  const result = await sql<Row>`
    select ${columns} from ${sql.table(table)}
    where ${visibleTo(filter.visibleTo)}
      and (${filter.id ?? null}::int8 is null or id = ${filter.id ?? null})
      and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
      and (${filter.agencyCode ?? null}::text is null or agency_code = ${filter.agencyCode ?? null})
      and ${also}
      and (${beforeId ?? null}::int8 is null or id < ${beforeId ?? null})
    order by id desc limit ${first + 1}
  `.execute(db);
  return { rows: result.rows.slice(0, first).map(toNumbers), hasMore: result.rows.length > first };
}

export interface RepairRequestFilter extends CaseFilter {
  readonly subjectUscc?: string | undefined;
}

/** Requests matching the filter, newest first, after id `beforeId`; one extra row tells whether more follow. */
export function listRepairRequests(
  db: HubDb,
  filter: RepairRequestFilter,
  first: number,
  beforeId: number | undefined,
): Promise<{ rows: RepairRequestRow[]; hasMore: boolean }> {
  const subject = sql`(${filter.subjectUscc ?? null}::text is null or subject_uscc = ${filter.subjectUscc ?? null})`;
  return listCases(db, 'repair_requests', REQUEST_COLUMNS, filter, subject, first, beforeId);
}

/** The steps of many requests, oldest first. */
export async function listRepairSteps(db: HubDb, requestIds: readonly number[]): Promise<CaseStepRow[]> {
  if (requestIds.length === 0) return [];
  const result = await sql<CaseStepRow>`
    select request_id as case_id, step, actor, at, note from repair_request_steps
    where request_id = any(${[...requestIds]}::int8[]) order by request_id, id
  `.execute(db);
  return result.rows;
}

/** Stores an OPEN objection; undefined when the record already has one open. */
export async function insertObjection(
  db: HubDb,
  objection: Omit<ObjectionRow, 'id' | 'status' | 'extended' | 'resolved_by' | 'resolved_at'>,
): Promise<ObjectionRow | undefined> {
  const result = await sql<ObjectionRow>`
    insert into objections (record_id, agency_code, subject_uscc, status, reason, previous_status, filed_by, filed_at, filed_on, due_on)
    values (${objection.record_id}, ${objection.agency_code}, ${objection.subject_uscc}, 'OPEN', ${objection.reason}, ${objection.previous_status},
      ${objection.filed_by}, ${objection.filed_at}, ${objection.filed_on}::date, ${objection.due_on}::date)
    on conflict (record_id) where status = 'OPEN' do nothing
    returning ${OBJECTION_COLUMNS}
  `.execute(db);
  const row = result.rows[0];
  return row ? toNumbers(row) : undefined;
}

/** The objection, locked for the rest of the transaction; undefined when there is none. */
export async function lockObjection(db: HubDb, id: number): Promise<ObjectionRow | undefined> {
  const result = await sql<ObjectionRow>`select ${OBJECTION_COLUMNS} from objections where id = ${id} for update`.execute(db);
  const row = result.rows[0];
  return row ? toNumbers(row) : undefined;
}

export async function extendObjectionRow(db: HubDb, id: number, dueOn: string): Promise<ObjectionRow> {
  const result =
    await sql<ObjectionRow>`update objections set due_on = ${dueOn}::date, extended = true where id = ${id} returning ${OBJECTION_COLUMNS}`.execute(db);
  return toNumbers(result.rows[0] as ObjectionRow);
}

export async function resolveObjectionRow(db: HubDb, id: number, status: 'CONFIRMED' | 'CORRECTED', resolvedBy: string, at: Date): Promise<ObjectionRow> {
  const result = await sql<ObjectionRow>`
    update objections set status = ${status}, resolved_by = ${resolvedBy}, resolved_at = ${at} where id = ${id} returning ${OBJECTION_COLUMNS}
  `.execute(db);
  return toNumbers(result.rows[0] as ObjectionRow);
}

export async function insertObjectionStep(db: HubDb, objectionId: number, step: string, actor: string, at: Date, note: string | null): Promise<void> {
  await sql`insert into objection_steps (objection_id, step, actor, at, note) values (${objectionId}, ${step}, ${actor}, ${at}, ${note})`.execute(db);
}

export interface ObjectionFilter extends CaseFilter {
  /** Only open objections due before this China date (overdue on it). */
  readonly overdueOn?: string | undefined;
}

/** Objections matching the filter, newest first, after id `beforeId`; one extra row tells whether more follow. */
export function listObjections(
  db: HubDb,
  filter: ObjectionFilter,
  first: number,
  beforeId: number | undefined,
): Promise<{ rows: ObjectionRow[]; hasMore: boolean }> {
  const overdue = sql`(${filter.overdueOn ?? null}::date is null or (status = 'OPEN' and due_on < ${filter.overdueOn ?? null}::date))`;
  return listCases(db, 'objections', OBJECTION_COLUMNS, filter, overdue, first, beforeId);
}

/** When the latest CONFIRMED objection to the record was confirmed; undefined when none was. */
export async function findLastConfirmation(db: HubDb, recordId: number): Promise<Date | undefined> {
  const result = await sql<{ resolved_at: Date }>`
    select resolved_at from objections where record_id = ${recordId} and status = 'CONFIRMED' order by resolved_at desc limit 1
  `.execute(db);
  return result.rows[0]?.resolved_at;
}

/** The open objections of these records (one at most per record). */
export async function findOpenObjections(db: HubDb, recordIds: readonly number[]): Promise<ObjectionRow[]> {
  if (recordIds.length === 0) return [];
  const result =
    await sql<ObjectionRow>`select ${OBJECTION_COLUMNS} from objections where status = 'OPEN' and record_id = any(${[...recordIds]}::int8[])`.execute(db);
  return result.rows.map(toNumbers);
}

/** The steps of many objections, oldest first. */
export async function listObjectionSteps(db: HubDb, objectionIds: readonly number[]): Promise<CaseStepRow[]> {
  if (objectionIds.length === 0) return [];
  const result = await sql<CaseStepRow>`
    select objection_id as case_id, step, actor, at, note from objection_steps
    where objection_id = any(${[...objectionIds]}::int8[]) order by objection_id, id
  `.execute(db);
  return result.rows;
}

/**
 * Moves one record from `from` to `to` through the status primitive; false when the record is not
 * (or no longer) in `from`, so nothing changed.
 */
export async function moveRecordStatus(db: HubDb, recordId: number, from: string, to: string, changedBy: string): Promise<boolean> {
  const changed = await changeRecordStatus(db, { where: sql`r.id = ${recordId} and r.status = ${from}` }, to, changedBy);
  return changed.length > 0;
}

/**
 * Settles a DISPUTED record whose objection was confirmed: EXPIRED when its period ended meanwhile
 * (the expiry rule, periodEnded), else back to `previousStatus`. Returns the status set, or undefined
 * when the record was no longer DISPUTED (revoked by its agency meanwhile).
 */
export async function restoreDisputedRecord(
  db: HubDb,
  recordId: number,
  previousStatus: string,
  today: string,
  changedBy: string,
): Promise<string | undefined> {
  const expired = await changeRecordStatus(db, { where: sql`r.id = ${recordId} and r.status = 'DISPUTED' and ${periodEnded(today)}` }, 'EXPIRED', changedBy);
  if (expired.length > 0) return 'EXPIRED';
  return (await moveRecordStatus(db, recordId, 'DISPUTED', previousStatus, changedBy)) ? previousStatus : undefined;
}

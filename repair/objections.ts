import type { RepairConfig } from '../config/repair-schema.js';
import { chinaToday } from '../ingestion/dates.js';
import { ConflictError, NotFoundError } from '../ingestion/errors.js';
import type { HubDb } from '../store/database.js';
import { findRecordsByIds, type StoredRecord } from '../store/record-queries.js';
import { findSubjects } from '../store/subject-queries.js';
import {
  extendObjectionRow,
  findLastConfirmation,
  insertObjection,
  insertObjectionStep,
  lockObjection,
  moveRecordStatus,
  resolveObjectionRow,
  restoreDisputedRecord,
  type ObjectionRow,
} from '../store/repair-queries.js';
import { CaseInputError, NotObjectionWindowError, caseText, requireSourceAgency, type CaseActor } from './case-errors.js';
import type { CaseTime } from './repair-requests.js';
import { addWorkingDays } from './working-days.js';

const MAX_TEXT = 2000;

/**
 * Whether the actor may file an objection to the record: its source agency, the registration agency
 * (登记机关) of its subject's province, or an operator (the hub's one window).
 */
async function inObjectionWindow(db: HubDb, record: StoredRecord, actor: CaseActor): Promise<boolean> {
  if (actor.isAdmin || actor.agencyCode === record.agency_code) return true;
  if (actor.registrationRegion === null || record.subject_uscc === null) return false;
  const [subject] = await findSubjects(db, [record.subject_uscc]);
  return subject?.region === actor.registrationRegion;
}

/**
 * Files an objection (异议) to an ACTIVE record on behalf of its subject: the record becomes DISPUTED
 * (status primitive: new version, history row), leaves scoring until the objection is resolved, and
 * the source agency must answer within `objections.dueWorkingDays` working days of today. The caller
 * has checked that the client may read the record. Filed only by the record's source agency, the
 * registration agency of its subject's province or an operator (else NotObjectionWindowError). One
 * open objection per record; once one was CONFIRMED, only an operator may file another (the
 * subject's further remedy is administrative review, 行政复议). Throws CaseInputError (reason; rules
 * RECORD_ACTIVE, ALREADY_CONFIRMED), NotFoundError, ConflictError when the record already has an open
 * objection.
 */
export async function fileObjection(db: HubDb, recordId: number, reason: string, actor: CaseActor, rules: RepairConfig, time: CaseTime): Promise<ObjectionRow> {
  const text = caseText('reason', reason, MAX_TEXT);
  const [record] = await findRecordsByIds(db, [recordId]);
  if (!record) throw new NotFoundError(`recordId: no record ${recordId}`);
  if (!(await inObjectionWindow(db, record, actor))) throw new NotObjectionWindowError(record.subject_uscc, recordId);
  if (record.status !== 'ACTIVE') {
    if (record.status === 'DISPUTED') throw new ConflictError(`recordId: record ${recordId} already has an open objection`);
    throw new CaseInputError('recordId', 'RECORD_ACTIVE', `record ${recordId} is ${record.status}: only an ACTIVE record can be disputed`);
  }
  const confirmedAt = actor.isAdmin ? undefined : await findLastConfirmation(db, recordId);
  if (confirmedAt) {
    const message = `an objection to record ${recordId} was confirmed on ${chinaToday(confirmedAt)}: the subject's further remedy is administrative review (行政复议); only an operator may file anew`;
    throw new CaseInputError('recordId', 'ALREADY_CONFIRMED', message);
  }
  const objection = await insertObjection(db, {
    record_id: record.id,
    agency_code: record.agency_code,
    subject_uscc: record.subject_uscc,
    reason: text,
    previous_status: record.status,
    filed_by: actor.clientId,
    filed_at: time.now,
    filed_on: time.today,
    due_on: addWorkingDays(time.today, rules.objections.dueWorkingDays, rules.objections),
  });
  if (!objection) throw new ConflictError(`recordId: record ${recordId} already has an open objection`);
  if (!(await moveRecordStatus(db, record.id, 'ACTIVE', 'DISPUTED', `objection:${objection.id}`))) {
    throw new ConflictError(`recordId: record ${recordId} changed while the objection was filed; try again`);
  }
  await insertObjectionStep(db, objection.id, 'FILED', actor.clientId, time.now, text);
  return objection;
}

async function openObjectionFor(db: HubDb, id: number, actor: CaseActor): Promise<ObjectionRow> {
  const objection = await lockObjection(db, id);
  if (!objection) throw new NotFoundError(`no objection ${id}`);
  requireSourceAgency(actor, objection.agency_code, objection.subject_uscc, `objection ${id}`);
  if (objection.status !== 'OPEN') throw new ConflictError(`objection ${id} was already ${objection.status}`);
  return objection;
}

/**
 * Extends an open objection's due date, once, to `objections.extendedWorkingDays` working days from
 * its filing (source agency or operator). Throws NotFoundError, NotSourceAgencyError, ConflictError
 * when it is resolved or was extended before.
 */
export async function extendObjection(db: HubDb, id: number, note: string, actor: CaseActor, rules: RepairConfig, time: CaseTime): Promise<ObjectionRow> {
  const current = await openObjectionFor(db, id, actor);
  const text = caseText('note', note, MAX_TEXT);
  if (current.extended) throw new ConflictError(`objection ${id} was already extended (to ${current.due_on}): an objection is extended once`);
  const objection = await extendObjectionRow(db, id, addWorkingDays(current.filed_on, rules.objections.extendedWorkingDays, rules.objections));
  await insertObjectionStep(db, id, 'EXTENDED', actor.clientId, time.now, text);
  return objection;
}

/**
 * Resolves an open objection (source agency or operator). CONFIRM: the record stands, and gets back
 * its status from before the objection — or EXPIRED if its period ended meanwhile. CORRECT: the record
 * was wrong and becomes REVOKED; the agency re-sends the corrected record through its feed as a new
 * record id or version. A record the agency revoked meanwhile stays REVOKED. Throws NotFoundError,
 * NotSourceAgencyError, ConflictError when already resolved.
 */
export async function resolveObjection(
  db: HubDb,
  id: number,
  resolution: 'CONFIRM' | 'CORRECT',
  note: string,
  actor: CaseActor,
  time: CaseTime,
): Promise<ObjectionRow> {
  const current = await openObjectionFor(db, id, actor);
  const text = caseText('note', note, MAX_TEXT);
  const changedBy = `objection:${id}`;
  if (resolution === 'CONFIRM') await restoreDisputedRecord(db, current.record_id, current.previous_status, time.today, changedBy);
  else await moveRecordStatus(db, current.record_id, 'DISPUTED', 'REVOKED', changedBy);
  const status = resolution === 'CONFIRM' ? 'CONFIRMED' : 'CORRECTED';
  const objection = await resolveObjectionRow(db, id, status, actor.clientId, time.now);
  await insertObjectionStep(db, id, status, actor.clientId, time.now, text);
  return objection;
}

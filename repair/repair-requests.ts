import type { RepairConfig } from '../config/repair-schema.js';
import { parseCalendarDate } from '../ingestion/dates.js';
import { ConflictError, NotFoundError } from '../ingestion/errors.js';
import type { HubDb } from '../store/database.js';
import { findRecordsByIds, type StoredRecord } from '../store/record-queries.js';
import {
  decideRepairRequestRow,
  findRepeatRecord,
  insertRepairRequest,
  insertRepairStep,
  lockRepairRequest,
  moveRecordStatus,
  type RepairRequestRow,
} from '../store/repair-queries.js';
import { CaseInputError, RepairIneligibleError, caseText, requireSourceAgency, type CaseActor } from './case-errors.js';
import { assessRepairEligibility } from './eligibility.js';

const MAX_EVIDENCE = 2000;
const MAX_NOTE = 1000;

export interface RepairRequestInput {
  readonly recordId: number;
  /** The subject's case for repair (what it did, where its documents are). */
  readonly evidence: string;
  /** The date the subject fulfilled the decision (paid the fine, corrected the conduct). */
  readonly fulfilledOn: string;
  /** What proves the fulfilment (receipt number, inspection report). */
  readonly fulfilmentEvidence: string;
}

/** When a step happens: the request's clock, as a China date and an instant. */
export interface CaseTime {
  readonly today: string;
  readonly now: Date;
}

async function recordOf(db: HubDb, recordId: number, field: string): Promise<StoredRecord> {
  const [record] = await findRecordsByIds(db, [recordId]);
  if (!record) throw new NotFoundError(`${field}: no record ${recordId}`);
  return record;
}

/**
 * Files a credit repair request (信用修复) for a record, on behalf of its subject. Checks every
 * eligibility rule (eligibility.ts) first: a refused request stores nothing and throws
 * RepairIneligibleError naming the rule and the earliest eligible date. Throws CaseInputError for
 * bad evidence or dates, NotFoundError for an unknown record, ConflictError when the record already
 * has a pending request. Run in the transaction that writes the request's audit entry, after the
 * caller checked that the client may read the record (any agency that can, or an operator, files:
 * one window for repairs).
 */
export async function fileRepairRequest(
  db: HubDb,
  input: RepairRequestInput,
  actor: CaseActor,
  rules: RepairConfig,
  time: CaseTime,
): Promise<RepairRequestRow> {
  const evidence = caseText('input.evidence', input.evidence, MAX_EVIDENCE);
  const fulfilmentEvidence = caseText('input.fulfilmentEvidence', input.fulfilmentEvidence, MAX_EVIDENCE);
  const fulfilled = parseCalendarDate(input.fulfilledOn);
  if (!fulfilled.ok) throw new CaseInputError('input.fulfilledOn', 'DATE', fulfilled.message);
  const record = await recordOf(db, input.recordId, 'input.recordId');
  const fields = record.fields as Record<string, unknown>;
  const penaltyTypes = Array.isArray(fields['CF_CFLB']) ? (fields['CF_CFLB'] as string[]) : [];
  const fine = fields['CF_NR_FK'];
  const candidate = {
    kind: record.kind,
    status: record.status,
    eventDate: record.event_date,
    penaltyTypes,
    fineWan: typeof fine === 'string' ? fine : undefined,
  };
  const repeat = await findRepeatRecord(db, record);
  const verdict = assessRepairEligibility(candidate, fulfilled.date, repeat, rules, time.today);
  if (!verdict.eligible) {
    const field = verdict.rule === 'DECISION_FULFILLED' ? 'input.fulfilledOn' : 'input.recordId';
    throw new RepairIneligibleError(field, verdict.rule, verdict.earliestEligibleOn, verdict.message, record.subject_uscc, verdict.repeatRecordId);
  }
  const request = await insertRepairRequest(db, {
    record_id: record.id,
    agency_code: record.agency_code,
    subject_uscc: record.subject_uscc,
    tier: verdict.tier,
    evidence,
    fulfilled_on: fulfilled.date,
    fulfilment_evidence: fulfilmentEvidence,
    filed_by: actor.clientId,
    filed_at: time.now,
  });
  if (!request) throw new ConflictError(`input.recordId: record ${record.id} already has a pending repair request`);
  await insertRepairStep(db, request.id, 'FILED', actor.clientId, time.now, null);
  return request;
}

/**
 * The source agency's (or an operator's) decision on a pending request. APPROVE sets the record
 * REPAIRED through the status primitive (new version, history row: the change feed and the grading
 * job see it) in the same transaction as the decision step; REJECT leaves the record as it is.
 * Throws NotFoundError, NotSourceAgencyError for any other client, ConflictError when the request is
 * no longer pending or the record no longer ACTIVE (expired, disputed or revoked meanwhile).
 */
export async function decideRepairRequest(
  db: HubDb,
  id: number,
  decision: 'APPROVE' | 'REJECT',
  note: string,
  actor: CaseActor,
  time: CaseTime,
): Promise<RepairRequestRow> {
  const current = await lockRepairRequest(db, id);
  if (!current) throw new NotFoundError(`no repair request ${id}`);
  requireSourceAgency(actor, current.agency_code, current.subject_uscc, `repair request ${id}`);
  const text = caseText('note', note, MAX_NOTE);
  if (current.status !== 'PENDING') throw new ConflictError(`repair request ${id} was already ${current.status}`);
  const record = await recordOf(db, current.record_id, 'id');
  if (decision === 'APPROVE' && !(await moveRecordStatus(db, record.id, 'ACTIVE', 'REPAIRED', `repair:${id}`))) {
    throw new ConflictError(`record ${record.id} is ${record.status} now, not ACTIVE: it cannot be repaired; reject the request`);
  }
  const request = await decideRepairRequestRow(db, id, decision === 'APPROVE' ? 'APPROVED' : 'REJECTED', actor.clientId, time.now);
  await insertRepairStep(db, id, request.status, actor.clientId, time.now, text);
  return request;
}

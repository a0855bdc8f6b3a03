import { isAdmin } from '../../access/clients.js';
import { chinaToday } from '../../ingestion/dates.js';
import { CaseInputError, NotObjectionWindowError, NotSourceAgencyError, RepairIneligibleError, type CaseActor } from '../../repair/case-errors.js';
import { extendObjection, fileObjection, resolveObjection } from '../../repair/objections.js';
import { decideRepairRequest, fileRepairRequest, type CaseTime } from '../../repair/repair-requests.js';
import { readObjections, readRepairRequests, type CaseStep } from '../../repair/case-reads.js';
import type { CaseAgency, ObjectionRow, RepairRequestRow } from '../../store/repair-queries.js';
import type { HubContext } from '../context.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, isNumberTuple, pageSize, parseId, toPage } from '../pagination.js';
import { recordView } from '../record-view.js';
import type { PageArgs } from './records.js';

function actorOf({ access, ingestion }: HubContext): CaseActor {
  const { agencyCode } = access.principal;
  const authority = agencyCode === null ? undefined : ingestion.agencies.get(agencyCode);
  return {
    clientId: access.principal.clientId,
    isAdmin: isAdmin(access.principal),
    agencyCode,
    registrationRegion: authority?.registersSubjects ? authority.region : null,
  };
}

/** Whose cases the client sees: an operator every case, an agency its own (see CaseAgency). */
function caseAgencyOf({ access }: HubContext): CaseAgency {
  return isAdmin(access.principal) ? undefined : access.principal.agencyCode;
}

/**
 * The id of a record the client may read under its record grant, read the way `record(id)` reads it;
 * one it may not read is NOT_FOUND like one that does not exist, so a refusal reveals nothing of it.
 */
async function readableRecordId(context: HubContext, rawId: string, field: string): Promise<number> {
  const id = parseId(rawId, 'record id', field);
  if (!(await context.readers.records.record(id))) throw notFound(`${field}: no record ${id}`);
  return id;
}

function timeOf({ access }: HubContext): CaseTime {
  const now = access.clock();
  return { now, today: chinaToday(now) };
}

/**
 * Runs one step of a case as a write with its audit entry, mapping the domain's refusals: bad input
 * to BAD_USER_INPUT naming field and rule (and, for an ineligible repair, the earliest eligible date
 * and, for NO_REPEAT, the repeat's record id when the client may read that record),
 * a decision by another agency to FORBIDDEN NOT_SOURCE_AGENCY and an objection from outside the
 * record's objection window to FORBIDDEN NOT_OBJECTION_WINDOW, both audited as denials.
 */
async function caseStep<T extends { subject_uscc: string | null }>(
  context: HubContext,
  operation: string,
  write: (trx: HubContext['ingestion']['db']) => Promise<T>,
): Promise<T> {
  const { trail } = context.access;
  try {
    return await trail.recordWrite(context.ingestion.db, `mutation ${operation}`, async (trx) => {
      const row = await write(trx);
      trail.noteSubject(row.subject_uscc);
      return row;
    });
  } catch (error) {
    if (error instanceof RepairIneligibleError) {
      trail.noteSubject(error.subjectUscc);
      // Read after the write's transaction ended, through the grant: a repeat the client may not read stays unnamed.
      const repeat = error.repeatRecordId === undefined ? null : await context.readers.records.record(error.repeatRecordId);
      throw badInput(error.message, {
        field: error.field,
        rule: error.rule,
        earliestEligibleOn: error.earliestEligibleOn,
        ...(repeat ? { repeatRecordId: String(repeat.id) } : {}),
      });
    }
    if (error instanceof CaseInputError) throw badInput(error.message, { field: error.field, rule: error.rule });
    if (error instanceof NotObjectionWindowError) {
      trail.noteSubject(error.subjectUscc);
      trail.noteDenial('NOT_OBJECTION_WINDOW');
      throw forbidden('NOT_OBJECTION_WINDOW', error.message);
    }
    if (error instanceof NotSourceAgencyError) {
      trail.noteSubject(error.subjectUscc);
      trail.noteDenial('NOT_SOURCE_AGENCY');
      throw forbidden('NOT_SOURCE_AGENCY', error.message);
    }
    throw error;
  }
}

const stepView = (step: CaseStep) => ({ step: step.step, actor: step.actor, at: step.at, note: step.note });

/** What a repair request and an objection show alike: the case, its record, its status and who filed it when, with its steps. */
function caseView(row: RepairRequestRow | ObjectionRow, steps: readonly CaseStep[]) {
  return {
    id: String(row.id),
    recordId: String(row.record_id),
    agencyCode: row.agency_code,
    uscc: row.subject_uscc,
    status: row.status,
    filedBy: row.filed_by,
    filedAt: row.filed_at,
    steps: steps.map(stepView),
  };
}

function repairRequestView(row: RepairRequestRow, steps: readonly CaseStep[]) {
  return {
    ...caseView(row, steps),
    tier: row.tier,
    evidence: row.evidence,
    fulfilledOn: row.fulfilled_on,
    fulfilmentEvidence: row.fulfilment_evidence,
    decidedAt: row.decided_at,
  };
}

function objectionView(row: ObjectionRow, steps: readonly CaseStep[], today: string) {
  return {
    ...caseView(row, steps),
    reason: row.reason,
    dueOn: row.due_on,
    extended: row.extended,
    overdue: row.status === 'OPEN' && row.due_on < today,
    resolvedAt: row.resolved_at,
  };
}

/** Notes every subject a page of cases touches (the audit log's subjects). */
function noteCases(context: HubContext, rows: readonly { subject_uscc: string | null }[]): void {
  for (const row of rows) context.access.trail.noteSubject(row.subject_uscc);
}

export const repairResolvers = {
  Query: {
    repairRequests: async (_: unknown, args: PageArgs & { status?: string | null; agencyCode?: string | null; uscc?: string | null }, context: HubContext) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, isNumberTuple);
      const filter = {
        visibleTo: caseAgencyOf(context),
        status: args.status ?? undefined,
        agencyCode: args.agencyCode ?? undefined,
        subjectUscc: args.uscc ?? undefined,
      };
      if (filter.subjectUscc) context.access.trail.noteSubject(filter.subjectUscc);
      const page = await readRepairRequests(context.ingestion.db, filter, first, after?.[0]);
      noteCases(
        context,
        page.rows.map((entry) => entry.row),
      );
      return toPage(
        page.rows.map((entry) => repairRequestView(entry.row, entry.steps)),
        page.hasMore,
        (view) => encodeCursor([Number(view.id)]),
      );
    },
    repairRequest: async (_: unknown, args: { id: string }, context: HubContext) => {
      const page = await readRepairRequests(
        context.ingestion.db,
        { id: parseId(args.id, 'repair request id'), visibleTo: caseAgencyOf(context) },
        1,
        undefined,
      );
      noteCases(
        context,
        page.rows.map((entry) => entry.row),
      );
      const entry = page.rows[0];
      return entry ? repairRequestView(entry.row, entry.steps) : null;
    },
    objections: async (_: unknown, args: PageArgs & { overdue?: boolean | null; status?: string | null; agencyCode?: string | null }, context: HubContext) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, isNumberTuple);
      const { today } = timeOf(context);
      const filter = {
        visibleTo: caseAgencyOf(context),
        status: args.status ?? undefined,
        agencyCode: args.agencyCode ?? undefined,
        overdueOn: args.overdue ? today : undefined,
      };
      const page = await readObjections(context.ingestion.db, filter, first, after?.[0]);
      noteCases(
        context,
        page.rows.map((entry) => entry.row),
      );
      return toPage(
        page.rows.map((entry) => objectionView(entry.row, entry.steps, today)),
        page.hasMore,
        (view) => encodeCursor([Number(view.id)]),
      );
    },
    objection: async (_: unknown, args: { id: string }, context: HubContext) => {
      const page = await readObjections(context.ingestion.db, { id: parseId(args.id, 'objection id'), visibleTo: caseAgencyOf(context) }, 1, undefined);
      noteCases(
        context,
        page.rows.map((entry) => entry.row),
      );
      const entry = page.rows[0];
      return entry ? objectionView(entry.row, entry.steps, timeOf(context).today) : null;
    },
  },
  Mutation: {
    fileRepairRequest: async (
      _: unknown,
      args: { input: { recordId: string; evidence: string; fulfilledOn: string; fulfilmentEvidence: string } },
      context: HubContext,
    ) => {
      const input = { ...args.input, recordId: await readableRecordId(context, args.input.recordId, 'input.recordId') };
      const request = await caseStep(context, 'fileRepairRequest', (trx) => fileRepairRequest(trx, input, actorOf(context), context.repair, timeOf(context)));
      context.readers.records.forgetRecord(input.recordId);
      return viewAfterWrite(context, request.id, 'repair');
    },
    decideRepairRequest: async (_: unknown, args: { id: string; decision: 'APPROVE' | 'REJECT'; note: string }, context: HubContext) => {
      const id = parseId(args.id, 'repair request id');
      const request = await caseStep(context, 'decideRepairRequest', (trx) =>
        decideRepairRequest(trx, id, args.decision, args.note, actorOf(context), timeOf(context)),
      );
      context.readers.records.forgetRecord(request.record_id);
      return viewAfterWrite(context, id, 'repair');
    },
    fileObjection: async (_: unknown, args: { recordId: string; reason: string }, context: HubContext) => {
      const recordId = await readableRecordId(context, args.recordId, 'recordId');
      const objection = await caseStep(context, 'fileObjection', (trx) =>
        fileObjection(trx, recordId, args.reason, actorOf(context), context.repair, timeOf(context)),
      );
      context.readers.records.forgetRecord(recordId);
      return viewAfterWrite(context, objection.id, 'objection');
    },
    extendObjection: async (_: unknown, args: { id: string; note: string }, context: HubContext) => {
      const id = parseId(args.id, 'objection id');
      await caseStep(context, 'extendObjection', (trx) => extendObjection(trx, id, args.note, actorOf(context), context.repair, timeOf(context)));
      return viewAfterWrite(context, id, 'objection');
    },
    resolveObjection: async (_: unknown, args: { id: string; resolution: 'CONFIRM' | 'CORRECT'; note: string }, context: HubContext) => {
      const id = parseId(args.id, 'objection id');
      const objection = await caseStep(context, 'resolveObjection', (trx) =>
        resolveObjection(trx, id, args.resolution, args.note, actorOf(context), timeOf(context)),
      );
      context.readers.records.forgetRecord(objection.record_id);
      return viewAfterWrite(context, id, 'objection');
    },
  },
  RepairRequest: {
    record: (request: { recordId: string }, _: unknown, { readers }: HubContext) => recordOf(readers, request.recordId),
  },
  Objection: {
    record: (objection: { recordId: string }, _: unknown, { readers }: HubContext) => recordOf(readers, objection.recordId),
  },
};

async function recordOf(readers: HubContext['readers'], recordId: string) {
  const row = await readers.records.record(Number(recordId));
  return row ? recordView(row) : null;
}

/** The case as it stands after a committed step, with its steps (the client took the step: it may see the case). */
async function viewAfterWrite(context: HubContext, id: number, kind: 'repair' | 'objection') {
  if (kind === 'repair') {
    const entry = (await readRepairRequests(context.ingestion.db, { id, visibleTo: undefined }, 1, undefined)).rows[0];
    if (!entry) throw new Error(`repair request ${id} vanished after its write`);
    return repairRequestView(entry.row, entry.steps);
  }
  const entry = (await readObjections(context.ingestion.db, { id, visibleTo: undefined }, 1, undefined)).rows[0];
  if (!entry) throw new Error(`objection ${id} vanished after its write`);
  return objectionView(entry.row, entry.steps, timeOf(context).today);
}

import type { Logger } from 'pino';
import type { HubDb } from '../store/database.js';
import {
  closeBatch,
  insertQuarantine,
  resolveSupersededQuarantine,
  lockAgencyForIngest,
  openBatch,
  upsertRecords,
  upsertSubjects,
  type QuarantineRow,
  type RecordRow,
  type SubjectWrite,
} from '../store/ingest-writes.js';
import { findAgency } from '../store/agency-queries.js';
import { recordRunPages } from '../store/connector-run-queries.js';
import { acceptedChecksumFailures } from './checksum-overrides.js';
import { chinaToday } from './dates.js';
import { drawReferenceRejections } from './draw-references.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import { authorityRejections, subjectNameRank, type AgencyAuthority } from './fact-authority.js';
import { usccDivisionCode, usccProvinceCode } from './identifiers.js';
import { quarantineSourceRecordId, settleQuarantine } from './quarantine-identity.js';
import { isProvinceCode } from './regions.js';
import type { PublicationRules } from './publication.js';
import { validateRecord, type IncomingRecord, type Rejection, type ValidatedRecord } from './validate-record.js';

export interface IngestionDeps {
  readonly db: HubDb;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly publication: PublicationRules;
  /** Configured pilot-era USCCs whose check digit fails but are real. */
  readonly usccAllowList: ReadonlySet<string>;
  /** Each configured agency's identity by code: whose decisions it may publish, whose names it registers. */
  readonly agencies: ReadonlyMap<string, AgencyAuthority>;
  /** Told of every batch once it is committed (e.g. to count records for the metrics); must not throw. */
  readonly onBatchWritten?: ((agencyCode: string, counts: IngestCounts) => void) | undefined;
}

/** Input refused before validation (e.g. by a connector's mapping), to be quarantined with the batch. */
export interface PreRejected {
  readonly payload: unknown;
  readonly sourceRecordId: string | null;
  readonly kind: string | null;
  readonly rejections: readonly Rejection[];
}

export interface IngestRequest {
  readonly agencyCode: string;
  /** Where the batch came from, e.g. 'file:penalties-2024.csv'; kept on the batch row. */
  readonly source: string;
  readonly records: readonly IncomingRecord[];
  readonly preRejected?: readonly PreRejected[];
  /**
   * Province given to a new subject whose USCC names none (registered at national level, 100000, or a
   * pilot-era code); default: the agency's own region.
   */
  readonly defaultRegion?: string | undefined;
}

export interface IngestCounts {
  readonly batchId: number;
  readonly received: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
}

export type RecordOutcome = 'INSERTED' | 'UPDATED' | 'UNCHANGED';

/** Counts, and what happened to each valid record, in the order of `PreparedBatch.valid`. */
export interface IngestResult extends IngestCounts {
  readonly outcomes: readonly RecordOutcome[];
}

/** A batch's counts without its per-record outcomes (for logs and metrics). */
export function countsOf({ batchId, received, inserted, updated, unchanged, rejected }: IngestCounts): IngestCounts {
  return { batchId, received, inserted, updated, unchanged, rejected };
}

/** The largest batch one call takes; connectors stream larger sources in batches of this size or less. */
export const MAX_BATCH_SIZE = 10_000;

/** A validated batch, ready to be written: the CPU half of ingestion, done without I/O. */
export interface PreparedBatch {
  readonly agencyCode: string;
  readonly source: string;
  readonly startedAt: Date;
  readonly received: number;
  readonly valid: readonly ValidatedRecord[];
  readonly quarantined: readonly QuarantineRow[];
  /**
   * Indexes in `records` of the ones refused by validation or as not the agency's own decisions
   * (after any pre-rejected in `quarantined`).
   */
  readonly rejectedIndexes: readonly number[];
  /** Who makes the change, kept in history; default `batch:<id>`. */
  readonly changedBy?: string;
  /**
   * The connector run writing the batch, if one does: the batch names the run, its quarantine entries
   * the connector, and the run's pages read so far are kept with the batch (a run that dies keeps them).
   */
  readonly run?: { readonly id: number; readonly connector: string; readonly pages: number } | undefined;
  /** As in the request it was prepared from. */
  readonly defaultRegion?: string | undefined;
}

/**
 * Ingests one batch from a registered agency: validates every record, upserts the valid ones and
 * quarantines the invalid ones with their reasons, all in one transaction. One bad record never
 * blocks the rest; if anything fails mid-way the transaction rolls back and the store is as before.
 * Throws NotFoundError for an unknown agency and InvalidInputError for an oversized batch.
 */
export async function ingestBatch(deps: IngestionDeps, request: IngestRequest): Promise<IngestResult> {
  return writePreparedBatch(deps, await prepareBatch(deps, request));
}

/** How many records are validated between two yields to the event loop. */
const RECORDS_PER_YIELD = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Validates a batch, writing nothing (it reads the operators' check-digit overrides and, for
 * INSPECTION results naming a draw, the agency's draws): each record must pass the data standard and
 * be a decision of the agency itself (or of an authority it publishes for). It yields to the event loop every few hundred records, so the write of the
 * previous batch (a series of round trips) proceeds meanwhile: a connector overlaps validation with
 * the database's work. Throws InvalidInputError for an oversized batch and NotFoundError for an
 * agency that is not configured.
 */
export async function prepareBatch(deps: IngestionDeps, request: IngestRequest): Promise<PreparedBatch> {
  const preRejected = request.preRejected ?? [];
  const received = request.records.length + preRejected.length;
  if (received > MAX_BATCH_SIZE) throw new InvalidInputError(`a batch holds at most ${MAX_BATCH_SIZE} records (got ${received})`);
  const agency = deps.agencies.get(request.agencyCode);
  if (!agency) throw new NotFoundError(`agency ${request.agencyCode} is not registered`);
  const startedAt = deps.clock();
  const context = {
    today: chinaToday(startedAt),
    publication: deps.publication,
    acceptedChecksumFailures: await acceptedChecksumFailures(deps.db, deps.usccAllowList),
  };
  const valid: ValidatedRecord[] = [];
  const rejectedIndexes: number[] = [];
  const quarantined: QuarantineRow[] = preRejected.map((item) => ({
    payload: item.payload,
    source_record_id: item.sourceRecordId,
    kind: item.kind,
    reasons: item.rejections,
  }));
  const verdicts: { record: ValidatedRecord | undefined; reasons: readonly Rejection[] }[] = [];
  for (const [index, record] of request.records.entries()) {
    if (index > 0 && index % RECORDS_PER_YIELD === 0) await yieldToEventLoop();
    const result = validateRecord(record, context);
    verdicts.push(
      result.ok ? { record: result.record, reasons: authorityRejections(result.record, agency) } : { record: undefined, reasons: result.rejections },
    );
  }
  // Results naming a draw must name one of the agency's own executed draws that drew the subject: one query for the batch.
  const claimants = verdicts.flatMap((v, index) => (v.record && v.reasons.length === 0 ? [{ index, record: v.record }] : []));
  const drawMismatches = await drawReferenceRejections(
    deps.db,
    request.agencyCode,
    claimants.map((c) => c.record),
  );
  claimants.forEach((claimant, k) => {
    const mismatch = drawMismatches.get(k);
    if (mismatch) verdicts[claimant.index] = { record: claimant.record, reasons: [mismatch] };
  });
  verdicts.forEach(({ record: validated, reasons }, index) => {
    const record = request.records[index];
    if (validated && reasons.length === 0) {
      valid.push(validated);
    } else if (record) {
      rejectedIndexes.push(index);
      quarantined.push({ payload: record, source_record_id: quarantineSourceRecordId(record), kind: record.kind, reasons });
    }
  });
  return {
    agencyCode: request.agencyCode,
    source: request.source,
    startedAt,
    received,
    valid,
    quarantined,
    rejectedIndexes,
    defaultRegion: request.defaultRegion,
  };
}

/**
 * Writes a prepared batch in one transaction under the agency's ingest lock. `alsoInTransaction`
 * runs last in the same transaction: a pulling connector saves its watermark there, so the
 * watermark never moves without the data it covers. Throws NotFoundError for an unknown agency.
 */
export async function writePreparedBatch(deps: IngestionDeps, batch: PreparedBatch, alsoInTransaction?: (trx: HubDb) => Promise<void>): Promise<IngestResult> {
  const agency = await findAgency(deps.db, batch.agencyCode);
  const authority = deps.agencies.get(batch.agencyCode);
  if (!agency || !authority) throw new NotFoundError(`agency ${batch.agencyCode} is not registered`);
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockAgencyForIngest(trx, agency.code);
    const batchId = await openBatch(trx, agency.code, batch.source, batch.startedAt, batch.run?.id ?? null);
    const origin = { agencyCode: agency.code, batchId, originRegion: agency.region, originHub: agency.hub, changedBy: batch.changedBy ?? `batch:${batchId}` };
    await upsertSubjects(trx, subjectRows(batch.valid, batch.defaultRegion ?? agency.region, authority));
    const outcomes = await writeValidRecords(trx, origin, batch.valid);
    // A valid version resolves its record's open entries; a bad row already open is not added again.
    const settled = settleQuarantine(batch.valid, batch.quarantined, batch.rejectedIndexes);
    await resolveSupersededQuarantine(trx, agency.code, settled.supersededIds, `superseded by ${origin.changedBy}`);
    await insertQuarantine(trx, agency.code, batchId, settled.toQuarantine, batch.run?.connector ?? null);
    const count = (outcome: RecordOutcome) => outcomes.filter((o) => o === outcome).length;
    const totals = {
      received: batch.received,
      inserted: count('INSERTED'),
      updated: count('UPDATED'),
      unchanged: count('UNCHANGED'),
      rejected: batch.quarantined.length,
    };
    await closeBatch(trx, batchId, totals, deps.clock());
    if (batch.run) await recordRunPages(trx, batch.run.id, batch.run.pages);
    await alsoInTransaction?.(trx);
    return { batchId, ...totals, outcomes };
  });
  const counts = countsOf(result);
  deps.logger.info({ agency: agency.code, source: batch.source, ...counts }, 'batch ingested');
  deps.onBatchWritten?.(agency.code, counts);
  return result;
}

/**
 * Writes validated records of one agency inside the caller's transaction. A source record id that
 * occurs several times in a batch is applied in order of occurrence, so history shows each version.
 */
async function writeValidRecords(trx: HubDb, origin: Parameters<typeof upsertRecords>[1], records: readonly ValidatedRecord[]): Promise<RecordOutcome[]> {
  const outcomes = new Array<RecordOutcome>(records.length).fill('UNCHANGED');
  for (const round of splitIntoRounds(records)) {
    const changed = await upsertRecords(
      trx,
      origin,
      round.map(({ record }) => toRecordRow(record)),
    );
    const inserted = new Set(changed.inserted);
    const updated = new Set(changed.updated);
    for (const { index, record } of round) {
      const id = record.sourceRecordId;
      if (inserted.has(id)) outcomes[index] = 'INSERTED';
      else if (updated.has(id)) outcomes[index] = 'UPDATED';
    }
  }
  return outcomes;
}

/** The records with their indexes, in rounds within which every source record id occurs once. */
function splitIntoRounds(records: readonly ValidatedRecord[]): { index: number; record: ValidatedRecord }[][] {
  const rounds: { index: number; record: ValidatedRecord }[][] = [];
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const round = seen.get(record.sourceRecordId) ?? 0;
    seen.set(record.sourceRecordId, round + 1);
    (rounds[round] ??= []).push({ index, record });
  });
  return rounds;
}

/**
 * The batch's subjects, each once with its latest name as `agency` states it and the rank of that
 * statement (see upsertSubjects); `fallbackRegion` where the USCC names no province.
 */
function subjectRows(records: readonly ValidatedRecord[], fallbackRegion: string, agency: AgencyAuthority): SubjectWrite[] {
  const latest = new Map<string, SubjectWrite>();
  for (const record of records) {
    if (record.subjectUscc === null) continue;
    const province = usccProvinceCode(record.subjectUscc);
    const region = isProvinceCode(province) ? province : fallbackRegion;
    latest.set(record.subjectUscc, {
      uscc: record.subjectUscc,
      name: record.subjectName,
      category: record.subjectCategory,
      division_code: usccDivisionCode(record.subjectUscc),
      region,
      name_agency: agency.code,
      name_rank: subjectNameRank(agency, region),
    });
  }
  return [...latest.values()];
}

function toRecordRow(record: ValidatedRecord): RecordRow {
  return {
    source_record_id: record.sourceRecordId,
    kind: record.kind,
    subject_uscc: record.subjectUscc,
    subject_name: record.subjectName,
    subject_category: record.subjectCategory,
    status: record.status,
    event_date: record.eventDate,
    valid_from: record.validFrom,
    valid_to: record.validTo,
    publication_end: record.publicationEnd,
    document_no: record.documentNo,
    fields_json: record.fieldsJson,
    content_hash: record.contentHash,
  };
}

import type { Logger } from 'pino';
import type { HubDb } from '../store/database.js';
import {
  closeBatch,
  insertQuarantine,
  lockAgencyForIngest,
  openBatch,
  upsertRecords,
  upsertSubjects,
  type QuarantineRow,
  type RecordRow,
} from '../store/ingest-writes.js';
import type { SubjectRow } from '../store/subject-queries.js';
import { findAgency } from '../store/agency-queries.js';
import { chinaToday } from './dates.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import { usccDivisionCode, usccProvinceCode } from './identifiers.js';
import type { PublicationRules } from './publication.js';
import { validateRecord, type IncomingRecord, type Rejection, type ValidatedRecord } from './validate-record.js';

export interface IngestionDeps {
  readonly db: HubDb;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly publication: PublicationRules;
  /** Configured pilot-era USCCs whose check digit fails but are real. */
  readonly usccAllowList: ReadonlySet<string>;
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
}

export interface IngestCounts {
  readonly batchId: number;
  readonly received: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
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
  /** Who makes the change, kept in history; default `batch:<id>`. */
  readonly changedBy?: string;
}

/**
 * Ingests one batch from a registered agency: validates every record, upserts the valid ones and
 * quarantines the invalid ones with their reasons, all in one transaction. One bad record never
 * blocks the rest; if anything fails mid-way the transaction rolls back and the store is as before.
 * Throws NotFoundError for an unknown agency and InvalidInputError for an oversized batch.
 */
export async function ingestBatch(deps: IngestionDeps, request: IngestRequest): Promise<IngestCounts> {
  return writePreparedBatch(deps, await prepareBatch(deps, request));
}

/** How many records are validated between two yields to the event loop. */
const RECORDS_PER_YIELD = 250;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Validates a batch without touching the database. It yields to the event loop every few hundred
 * records, so the write of the previous batch (a series of round trips) proceeds meanwhile: a
 * connector overlaps validation with the database's work. Throws InvalidInputError for an oversized batch.
 */
export async function prepareBatch(deps: IngestionDeps, request: IngestRequest): Promise<PreparedBatch> {
  const preRejected = request.preRejected ?? [];
  const received = request.records.length + preRejected.length;
  if (received > MAX_BATCH_SIZE) throw new InvalidInputError(`a batch holds at most ${MAX_BATCH_SIZE} records (got ${received})`);
  const startedAt = deps.clock();
  const context = { today: chinaToday(startedAt), publication: deps.publication, acceptedChecksumFailures: deps.usccAllowList };
  const valid: ValidatedRecord[] = [];
  const quarantined: QuarantineRow[] = preRejected.map((item) => ({
    payload: item.payload,
    source_record_id: item.sourceRecordId,
    kind: item.kind,
    reasons: item.rejections,
  }));
  for (const [index, record] of request.records.entries()) {
    if (index > 0 && index % RECORDS_PER_YIELD === 0) await yieldToEventLoop();
    const result = validateRecord(record, context);
    if (result.ok) valid.push(result.record);
    else quarantined.push({ payload: record, source_record_id: record.sourceRecordId ?? null, kind: record.kind ?? null, reasons: result.rejections });
  }
  return { agencyCode: request.agencyCode, source: request.source, startedAt, received, valid, quarantined };
}

/**
 * Writes a prepared batch in one transaction under the agency's ingest lock. `alsoInTransaction`
 * runs last in the same transaction: a pulling connector saves its watermark there, so the
 * watermark never moves without the data it covers. Throws NotFoundError for an unknown agency.
 */
export async function writePreparedBatch(deps: IngestionDeps, batch: PreparedBatch, alsoInTransaction?: (trx: HubDb) => Promise<void>): Promise<IngestCounts> {
  const agency = await findAgency(deps.db, batch.agencyCode);
  if (!agency) throw new NotFoundError(`agency ${batch.agencyCode} is not registered`);
  const counts = await deps.db.transaction().execute(async (trx) => {
    await lockAgencyForIngest(trx, agency.code);
    const batchId = await openBatch(trx, agency.code, batch.source, batch.startedAt);
    const origin = { agencyCode: agency.code, batchId, originRegion: agency.region, originHub: agency.hub, changedBy: batch.changedBy ?? `batch:${batchId}` };
    const written = await writeValidRecords(trx, origin, batch.valid);
    await insertQuarantine(trx, agency.code, batchId, batch.quarantined);
    const totals = { received: batch.received, ...written, unchanged: batch.valid.length - written.inserted - written.updated, rejected: batch.quarantined.length };
    await closeBatch(trx, batchId, totals);
    await alsoInTransaction?.(trx);
    return { batchId, ...totals };
  });
  deps.logger.info({ agency: agency.code, source: batch.source, ...counts }, 'batch ingested');
  return counts;
}

/**
 * Writes validated records of one agency inside the caller's transaction. A source record id that
 * occurs several times in a batch is applied in order of occurrence, so history shows each version.
 */
async function writeValidRecords(
  trx: HubDb,
  origin: Parameters<typeof upsertRecords>[1],
  records: readonly ValidatedRecord[],
): Promise<{ inserted: number; updated: number }> {
  await upsertSubjects(trx, subjectRows(records));
  let inserted = 0;
  let updated = 0;
  for (const round of splitIntoRounds(records)) {
    const counts = await upsertRecords(trx, origin, round.map(toRecordRow));
    inserted += counts.inserted;
    updated += counts.updated;
  }
  return { inserted, updated };
}

function splitIntoRounds(records: readonly ValidatedRecord[]): ValidatedRecord[][] {
  const rounds: ValidatedRecord[][] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const round = seen.get(record.sourceRecordId) ?? 0;
    seen.set(record.sourceRecordId, round + 1);
    (rounds[round] ??= []).push(record);
  }
  return rounds;
}

function subjectRows(records: readonly ValidatedRecord[]): SubjectRow[] {
  const latest = new Map<string, SubjectRow>();
  for (const record of records) {
    if (record.subjectUscc === null) continue;
    latest.set(record.subjectUscc, {
      uscc: record.subjectUscc,
      name: record.subjectName,
      category: record.subjectCategory,
      division_code: usccDivisionCode(record.subjectUscc),
      region: usccProvinceCode(record.subjectUscc),
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
    fields: record.fields,
    content_hash: record.contentHash,
  };
}

import type { HubDb } from '../store/database.js';
import { findGrades } from '../store/credit-read-queries.js';
import type { CreditClass } from '../store/tables.js';
import { countRecordsByKindAndStatus, listRecordsForSubjects, type StoredRecord } from '../store/record-queries.js';
import { findSubjects, type SubjectRow } from '../store/subject-queries.js';

/** Kinds whose entries in force a report lists one by one; permits only count. */
const LISTED_KINDS = ['BLACK_LIST', 'ABNORMAL_OPERATION', 'PENALTY', 'RED_LIST'];
const MAX_ENTRIES = 200;

/** The standard column that best says what an entry is about, per kind. */
const SUMMARY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  PENALTY: ['CF_CFLB', 'CF_WFXW'],
  BLACK_LIST: ['MD_MDMC', 'MD_LRYY'],
  RED_LIST: ['MD_MDMC', 'MD_LRYY'],
  ABNORMAL_OPERATION: ['MD_MDMC', 'MD_LRYY'],
};

export interface ReportEntry {
  readonly kind: string;
  readonly agencyCode: string;
  readonly documentNo: string | null;
  readonly eventDate: string;
  readonly publicationEnd: string | null;
  readonly validTo: string | null;
  readonly summary: string;
  /** 罚款金额, 万元, for penalties that carry one. */
  readonly fineWan: string | null;
}

export interface CreditReport {
  readonly subject: SubjectRow;
  readonly counts: { kind: string; active: number; total: number }[];
  /** Entries in force (ACTIVE) of the listed kinds, newest first; at most 200. */
  readonly entries: ReportEntry[];
  readonly entriesTruncated: boolean;
  /** The enterprise's credit class and the reasons it is not higher (codes and points only: no record ids); null while not graded. */
  readonly grade: ReportGrade | null;
}

/** What a report says of a grade: class, model version and reasons as codes and points. */
export interface ReportGrade {
  readonly creditClass: CreditClass;
  readonly modelVersion: string;
  readonly reasons: readonly { code: string; points: string }[];
  readonly evaluatedAt: Date;
}

function summaryOf(record: StoredRecord): string {
  const fields = record.fields as Record<string, unknown>;
  return (SUMMARY_FIELDS[record.kind] ?? [])
    .map((code) => fields[code])
    .map((value) => (Array.isArray(value) ? value.join('、') : typeof value === 'string' ? value : ''))
    .filter(Boolean)
    .join(': ')
    .slice(0, 500);
}

function entryOf(record: StoredRecord): ReportEntry {
  const fine = (record.fields as Record<string, unknown>)['CF_NR_FK'];
  return {
    kind: record.kind,
    agencyCode: record.agency_code,
    documentNo: record.document_no,
    eventDate: record.event_date,
    publicationEnd: record.publication_end,
    validTo: record.valid_to,
    summary: summaryOf(record),
    fineWan: typeof fine === 'string' ? fine : null,
  };
}

/**
 * A subject's credit report for a bank (信易贷): who it is, how many records of each kind it has,
 * and the entries in force that matter for credit. Only report fields: no identity numbers, no
 * legal representative, no free-text facts of a case. Undefined when the hub holds no such subject.
 */
export async function buildCreditReport(db: HubDb, uscc: string): Promise<CreditReport | undefined> {
  const [subject] = await findSubjects(db, [uscc]);
  if (!subject) return undefined;
  const [counts, pages, [grade]] = await Promise.all([
    countRecordsByKindAndStatus(db, uscc),
    listRecordsForSubjects(db, [uscc], { kinds: LISTED_KINDS, statuses: ['ACTIVE'] }, MAX_ENTRIES, undefined),
    findGrades(db, [uscc]),
  ]);
  const byKind = new Map<string, { kind: string; active: number; total: number }>();
  for (const row of counts) {
    const entry = byKind.get(row.kind) ?? { kind: row.kind, active: 0, total: 0 };
    entry.total += row.n;
    if (row.status === 'ACTIVE') entry.active += row.n;
    byKind.set(row.kind, entry);
  }
  const page = pages.get(uscc) ?? { rows: [], hasMore: false };
  const reportGrade = grade
    ? {
        creditClass: grade.class,
        modelVersion: grade.model_version,
        reasons: grade.reasons.map(({ code, points }) => ({ code, points })),
        evaluatedAt: grade.evaluated_at,
      }
    : null;
  return { subject, counts: [...byKind.values()], entries: page.rows.map(entryOf), entriesTruncated: page.hasMore, grade: reportGrade };
}

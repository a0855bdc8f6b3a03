import DataLoader from 'dataloader';
import { isAdmin } from '../../access/clients.js';
import { buildCreditReport, type CreditReport } from '../../credit/credit-report.js';
import { chinaToday } from '../../ingestion/dates.js';
import { findValidAuthorization, type AuthorizationRow } from '../../store/authorization-queries.js';
import { findActiveModelVersion } from '../../store/credit-model-queries.js';
import {
  countGradesByClass,
  findGrades,
  listGradeHistory,
  listRecordFactsInForce,
  type DistributionFilter,
  type StoredGrade,
  type StoredGradeChange,
} from '../../store/credit-read-queries.js';
import type { CreditClass } from '../../store/tables.js';
import { forbidden, notFound } from '../errors.js';
import { byKey, type Page, type ReadScope } from './read-scope.js';

/** A credit report with the enterprise's authorisation it was read under (none for an operator). */
export type AuthorisedCreditReport = CreditReport & { readonly authorization: AuthorizationRow | undefined };

/**
 * Reading credit grades, the bank's credit report and what supervision decides on. Every method
 * notes the enterprise it reads as read. Grades are supervision facts about the whole enterprise;
 * the records behind an explanation are read through RecordReads, under the record grant.
 */
export interface CreditReads {
  /**
   * A bank's report on an enterprise, refused (FORBIDDEN, NO_AUTHORIZATION) without an authorisation
   * in force for this client and purpose; NOT_FOUND when the hub holds nothing about it.
   */
  readonly creditReport: (uscc: string) => Promise<AuthorisedCreditReport>;
  /** An enterprise's current grade, or null when it is not graded yet. Batched per request. */
  readonly creditGrade: (uscc: string) => Promise<StoredGrade | null>;
  /** An enterprise's grade changes, newest first. */
  readonly gradeHistory: (uscc: string, first: number, beforeId: number | undefined) => Promise<Page<StoredGradeChange>>;
  /** Graded enterprises per class, in a region or an agency's jurisdiction (no enterprise is read). */
  readonly gradeDistribution: (filter: DistributionFilter) => Promise<{ class: CreditClass; n: number }[]>;
  /** The active credit model version (read once per request), undefined before the first activation. */
  readonly activeModelVersion: () => Promise<string | undefined>;
  /** Ids, kinds and penalty types of an enterprise's records in force today: what measures decide on. Their content is read with RecordReads.record. */
  readonly recordFactsInForce: (uscc: string, kinds: readonly string[]) => Promise<{ id: number; kind: string; penaltyTypes: string[] }[]>;
}

export function createCreditReads(scope: ReadScope): CreditReads {
  const { db } = scope;
  const { principal, purpose, trail, clock } = scope.access;
  const grades = new DataLoader<string, StoredGrade | null>(async (usccs) => byKey(usccs, await findGrades(db(), usccs), (grade) => grade.subject_uscc));
  let activeModel: Promise<string | undefined> | undefined;
  return {
    creditReport: async (uscc) => {
      trail.noteSubject(uscc);
      const authorization = isAdmin(principal) ? undefined : await findValidAuthorization(db(), uscc, principal.clientId, purpose, chinaToday(clock()));
      if (!authorization && !isAdmin(principal)) {
        trail.noteDenial('NO_AUTHORIZATION');
        throw forbidden(
          'NO_AUTHORIZATION',
          `enterprise ${uscc} has not authorised client ${principal.clientId} for purpose ${purpose}, or the authorisation has expired or been revoked`,
        );
      }
      if (authorization) trail.noteAuthorization(authorization.id);
      const report = await buildCreditReport(db(), uscc);
      if (!report) throw notFound(`no records of subject ${uscc} are held by this hub`);
      for (const entry of report.entries) trail.noteReturned(`kind:${entry.kind}`);
      return { ...report, authorization };
    },
    creditGrade: (uscc) => {
      trail.noteSubject(uscc);
      return grades.load(uscc);
    },
    gradeHistory: (uscc, first, beforeId) => {
      trail.noteSubject(uscc);
      return listGradeHistory(db(), uscc, first, beforeId);
    },
    gradeDistribution: (filter) => countGradesByClass(db(), filter),
    activeModelVersion: () => (activeModel ??= findActiveModelVersion(db())),
    recordFactsInForce: (uscc, kinds) => {
      trail.noteSubject(uscc);
      return listRecordFactsInForce(db(), uscc, kinds, chinaToday(clock()));
    },
  };
}

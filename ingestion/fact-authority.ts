import type { RecordKind } from './record-kinds.js';
import type { Rejection, ValidatedRecord } from './validate-record.js';

/**
 * Who an agency is, as far as the facts it may state are concerned: the deciding authority its
 * records may name, and whether it is the registration authority (登记机关) of its province's subjects.
 */
export interface AgencyAuthority {
  readonly code: string;
  /** Province-level GB/T 2260 code of the agency. */
  readonly region: string;
  /** The agency's own 统一社会信用代码. */
  readonly uscc: string;
  /** Other authorities whose decisions it may publish (a provincial platform for its district bureaus). */
  readonly publishesFor: ReadonlySet<string>;
  /** A registration authority (e.g. market regulation) for subjects registered in its own province. */
  readonly registersSubjects: boolean;
}

/** The agencies' authorities by agency code, from their configured identities. */
export function agencyAuthorities(
  agencies: readonly { code: string; region: string; uscc: string; publishesFor: readonly string[]; registersSubjects: boolean }[],
): ReadonlyMap<string, AgencyAuthority> {
  return new Map(
    agencies.map((a) => [
      a.code,
      { code: a.code, region: a.region, uscc: a.uscc, publishesFor: new Set(a.publishesFor), registersSubjects: a.registersSubjects },
    ]),
  );
}

/** The column naming the authority that made a record's decision (许可机关, 处罚机关, 作出决定机关, 检查机关). */
const DECIDING_AUTHORITY_COLUMN: Readonly<Record<RecordKind, string>> = {
  PERMIT: 'XK_XKJGDM',
  PENALTY: 'CF_CFJGDM',
  RED_LIST: 'MD_LRJGDM',
  BLACK_LIST: 'MD_LRJGDM',
  ABNORMAL_OPERATION: 'MD_LRJGDM',
  INSPECTION: 'JC_JGDM',
};

/**
 * Why the record is not the agency's to publish (one rejection, NOT_OWN_AUTHORITY), or none: an
 * agency states only its own decisions, or those of an authority it is configured to publish for.
 */
export function authorityRejections(record: ValidatedRecord, agency: AgencyAuthority): readonly Rejection[] {
  const field = DECIDING_AUTHORITY_COLUMN[record.kind];
  const decidedBy = record.fields[field];
  const uscc = typeof decidedBy === 'string' ? decidedBy : '';
  if (uscc === agency.uscc || agency.publishesFor.has(uscc)) return [];
  const message = `${field} names authority ${uscc}, which is neither agency ${agency.code} (${agency.uscc}) nor an authority it is configured to publish for`;
  return [{ field, rule: 'NOT_OWN_AUTHORITY', value: uscc, message }];
}

/**
 * Precedence of a source for a subject's registered name and category: the registration authority
 * of the subject's province outranks every other agency; among equals the first writer keeps it.
 */
const SUBJECT_NAME_RANK = { REGISTRATION_AUTHORITY: 2, OTHER_AGENCY: 1 } as const;

/** The rank of `agency`'s name for a subject registered in `subjectRegion` (higher wins). */
export function subjectNameRank(agency: AgencyAuthority, subjectRegion: string): number {
  return agency.registersSubjects && agency.region === subjectRegion ? SUBJECT_NAME_RANK.REGISTRATION_AUTHORITY : SUBJECT_NAME_RANK.OTHER_AGENCY;
}

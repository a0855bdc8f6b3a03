import { createAccessReads, type AccessReads } from './access-reads.js';
import { createAgencyReads, type AgencyReads } from './agency-reads.js';
import { createAuditReads, type AuditReads } from './audit-reads.js';
import { createCreditReads, type CreditReads } from './credit-reads.js';
import { createReadScope, type ReadAccess, type ReadPools } from './read-scope.js';
import { createRecordReads, type RecordReads } from './record-reads.js';
import { createSubjectReads, type SubjectReads } from './subject-reads.js';

export type { ReadAccess, ReadPools } from './read-scope.js';
export type { AccessReads, AgencyReads, AuditReads, CreditReads, RecordReads, SubjectReads };

/**
 * Every read the GraphQL layer makes, one set per request, by area. They share one ReadScope, so the
 * data-level access rules hold the same in every area: the client's record grant on every path that
 * reaches a record, a bank's authorisation, a client's own audit entries; and every read is noted
 * for the audit log. DataLoaders batch lookups (no N+1). Root-field access (scopes, own agency) is
 * decided before, in policy.ts.
 */
export interface Readers {
  readonly records: RecordReads;
  readonly subjects: SubjectReads;
  readonly agencies: AgencyReads;
  readonly credit: CreditReads;
  readonly access: AccessReads;
  readonly audit: AuditReads;
}

export function createReaders(pools: ReadPools, access: ReadAccess): Readers {
  const scope = createReadScope(pools, access);
  return {
    records: createRecordReads(scope),
    subjects: createSubjectReads(scope),
    agencies: createAgencyReads(scope),
    credit: createCreditReads(scope),
    access: createAccessReads(scope),
    audit: createAuditReads(scope),
  };
}

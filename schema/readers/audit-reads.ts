import { isAdmin } from '../../access/clients.js';
import { proveInclusion, signCheckpoint, type InclusionProof, type SignedCheckpoint } from '../../audit/checkpoints.js';
import { findAuditEntry, listAuditEntries, type AuditFilter, type AuditRow } from '../../store/audit-queries.js';
import { forbidden, notFound } from '../errors.js';
import type { Page, ReadScope } from './read-scope.js';

/** Reading the audit log, its signed checkpoints and inclusion proofs. */
export interface AuditReads {
  /** Entries matching the filter, newest first; a subject filtered on is noted as read. */
  readonly auditLog: (filter: AuditFilter, first: number, beforeSeq: number | undefined) => Promise<Page<AuditRow>>;
  /** A checkpoint covering the log as it is now (signed when the newest does not cover every entry). */
  readonly auditCheckpoint: () => Promise<SignedCheckpoint>;
  /** An inclusion proof of one of the client's own entries (operators: any entry); FORBIDDEN NOT_OWN_ENTRY for another client's. */
  readonly auditProof: (seq: number) => Promise<InclusionProof & { readonly entry: AuditRow }>;
}

export function createAuditReads(scope: ReadScope): AuditReads {
  const { db } = scope;
  const { principal, trail, checkpoints } = scope.access;
  return {
    auditLog: (filter, first, beforeSeq) => {
      if (filter.subject) trail.noteSubject(filter.subject);
      return listAuditEntries(db(), filter, first, beforeSeq);
    },
    auditCheckpoint: () => signCheckpoint(checkpoints),
    auditProof: async (seq) => {
      const entry = await findAuditEntry(db(), seq);
      if (!entry) throw notFound(`audit entry ${seq} does not exist`);
      if (entry.client_id !== principal.clientId && !isAdmin(principal)) {
        trail.noteDenial('NOT_OWN_ENTRY');
        throw forbidden('NOT_OWN_ENTRY', `audit entry ${seq} records another client's request; a client may prove only its own entries`);
      }
      const proof = await proveInclusion(checkpoints, seq);
      if (!proof) throw notFound(`audit entry ${seq} is not covered by a checkpoint yet`);
      return { ...proof, entry };
    },
  };
}

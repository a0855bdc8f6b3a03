import type { HubDb } from '../store/database.js';
import { appendAuditEntry } from '../store/audit-queries.js';
import { leafHash } from './merkle.js';

/** What one access or write was: who, what, about whom, why, under which authorisation, how it ended. Never the data. */
export interface AuditEvent {
  readonly at: Date;
  readonly clientId: string;
  readonly clientType: string;
  /** The person behind a console request (`<user> (<name>)`); absent for a machine client's own requests. */
  readonly person?: string | undefined;
  /** e.g. `query subject,records` or `mutation grantAuthorization`. */
  readonly operation: string;
  /** USCCs, and `person:<keyed hash>` of natural persons (see person-subjects.ts), the request touched, sorted. */
  readonly subjects: readonly string[];
  /** Fields returned (`Type.field`) and record kinds (`kind:PENALTY`), sorted. */
  readonly returned: readonly string[];
  readonly purpose: string | null;
  /** Ids of the enterprise authorisations the request relied on. */
  readonly authorizations: readonly string[];
  /** OK, DENIED:<reason> or ERROR:<code>. */
  readonly outcome: string;
  readonly requestId: string;
}

/** The exact text hashed as the entry's leaf: JSON with a fixed key order. */
export function serialiseAuditEvent(event: AuditEvent): string {
  return JSON.stringify({
    v: 1,
    at: event.at.toISOString(),
    client: event.clientId,
    clientType: event.clientType,
    // Only when set: entries of machine clients keep the text (and leaf hash) they always had.
    ...(event.person ? { person: event.person } : {}),
    operation: event.operation,
    subjects: event.subjects,
    returned: event.returned,
    purpose: event.purpose,
    authorizations: event.authorizations,
    outcome: event.outcome,
    request: event.requestId,
  });
}

/** The columns an entry's text fixes: the verifier checks the stored columns against them. */
export function indexedColumnsOf(entry: string): {
  at: string;
  client: string;
  operation: string;
  subjects: string[];
  purpose: string | null;
  outcome: string;
} {
  const parsed = JSON.parse(entry) as { at: string; client: string; operation: string; subjects: string[]; purpose: string | null; outcome: string };
  return { at: parsed.at, client: parsed.client, operation: parsed.operation, subjects: parsed.subjects, purpose: parsed.purpose, outcome: parsed.outcome };
}

/** Where an appended entry sits in the log: its seq (leaf index) and its leaf hash, hex. */
export interface AppendedEntry {
  readonly seq: number;
  readonly leafHash: string;
}

/**
 * Appends an event to the tamper-evident log through `db` (pass a transaction to commit the entry
 * with the change it records). Returns the entry's seq, its index in the Merkle tree, and its leaf hash.
 */
export async function appendAuditEvent(db: HubDb, event: AuditEvent): Promise<AppendedEntry> {
  const entry = serialiseAuditEvent(event);
  const leafHashHex = leafHash(Buffer.from(entry, 'utf8')).toString('hex');
  const seq = await appendAuditEntry(db, {
    at: event.at,
    clientId: event.clientId,
    operation: event.operation,
    subjects: event.subjects,
    purpose: event.purpose,
    outcome: event.outcome,
    entry,
    leafHashHex,
  });
  return { seq, leafHash: leafHashHex };
}

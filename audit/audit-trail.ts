import type { Principal } from '../access/clients.js';
import { appendAuditEvent, type AppendedEntry } from './audit-log.js';
import type { PersonSubjects } from './person-subjects.js';
import { isIdentityNumberNotUscc } from '../ingestion/identifiers.js';
import { KIND_LAYOUTS, isRecordKind } from '../ingestion/record-kinds.js';
import type { HubDb } from '../store/database.js';

/** `returned` holds field names and record kinds, a finite set: the bound only guards against the unforeseen. */
const MAX_RETURNED = 500;

/** The denial reason of a request that would touch more subjects than one request may. */
export const TOO_MANY_SUBJECTS = 'TOO_MANY_SUBJECTS';

/** `Refusal`: the error type of the API the trail serves (GraphQL's, with its code and reason). */
export interface TrailRules<Refusal extends Error = Error> {
  /** Distinct subjects one request may touch; noting one more refuses the request. */
  readonly maxSubjects: number;
  /** How natural persons are named in the log. */
  readonly persons: PersonSubjects;
  /** The error thrown when a request would touch more than `maxSubjects` (the API's refusal, with its code). */
  readonly tooManySubjects: (limit: number) => Refusal;
}

/** A record as far as its audit entry needs it: whose it is and what kind. */
export interface NotedRecord {
  readonly subject_uscc: string | null;
  readonly kind: string;
  readonly fields: Readonly<Record<string, string | string[]>>;
}

/**
 * What one request touched, collected while it runs (subjects, fields and record kinds returned,
 * authorisations relied on, denials) and appended to the audit log: by a write inside its own
 * transaction, or at the end of the request for reads. Every subject is noted: a request that
 * would touch more than `maxSubjects` is refused (the noting throws) instead of partly noted.
 */
export class AuditTrail<Refusal extends Error = Error> {
  private readonly subjects = new Set<string>();
  private readonly returned = new Set<string>();
  private readonly authorizations = new Set<string>();
  private denial: string | undefined;
  private overflowed = false;
  private readonly entries: AppendedEntry[] = [];

  constructor(
    private readonly who: { principal: Principal; purpose: string; requestId: string; clock: () => Date },
    private readonly rules: TrailRules<Refusal>,
  ) {}

  /**
   * Notes an enterprise (or other subject with a USCC). A resident identity number given where a USCC
   * was expected is noted as its person, never in plain. Throws tooManySubjects past the limit.
   */
  noteSubject(uscc: string | null | undefined): void {
    if (!uscc) return;
    this.noteSubjectId(isIdentityNumberNotUscc(uscc) ? this.personSubject(uscc) : uscc);
  }

  /** Notes a natural person by the keyed hash of their identity number. Throws tooManySubjects past the limit. */
  notePerson(idNumber: string): void {
    this.noteSubjectId(this.personSubject(idNumber));
  }

  /** Notes a record read: its subject (the enterprise, or the natural person it names) and its kind. */
  noteRecord(record: NotedRecord): void {
    if (record.subject_uscc) this.noteSubjectId(record.subject_uscc);
    else {
      const idNumber = isRecordKind(record.kind) ? record.fields[`${KIND_LAYOUTS[record.kind].prefix}_XDR_ZJHM`] : undefined;
      if (typeof idNumber === 'string' && idNumber) this.notePerson(idNumber);
    }
    this.noteReturned(`kind:${record.kind}`);
  }

  /** How the person with this identity number appears among the log's subjects (`person:<keyed hash>`). */
  personSubject(idNumber: string): string {
    return this.rules.persons.subjectOf(idNumber);
  }

  noteReturned(item: string): void {
    if (this.returned.size < MAX_RETURNED) this.returned.add(item);
  }

  noteAuthorization(id: number): void {
    this.authorizations.add(String(id));
  }

  noteDenial(reason: string): void {
    this.denial ??= reason;
  }

  /** Why the request was refused, if it was; TOO_MANY_SUBJECTS before any other reason. */
  get denied(): string | undefined {
    return this.overflowed ? TOO_MANY_SUBJECTS : this.denial;
  }

  /** The refusal to send instead of the response's data, when the request touched too many subjects. */
  get refusal(): Refusal | undefined {
    return this.overflowed ? this.rules.tooManySubjects(this.rules.maxSubjects) : undefined;
  }

  /** Seqs of the entries this request appended, in order. */
  get appended(): readonly number[] {
    return this.entries.map((entry) => entry.seq);
  }

  /** The entries this request appended (seq and leaf hash), in order. */
  get appendedEntries(): readonly AppendedEntry[] {
    return this.entries;
  }

  /** Appends an entry of what was collected so far. */
  async append(db: HubDb, operation: string, outcome: string): Promise<AppendedEntry> {
    return appendAuditEvent(db, {
      at: this.who.clock(),
      clientId: this.who.principal.clientId,
      clientType: this.who.principal.clientType,
      person: this.who.principal.person,
      operation,
      subjects: [...this.subjects].sort(),
      returned: [...this.returned].sort(),
      purpose: this.who.purpose,
      authorizations: [...this.authorizations].sort(),
      outcome,
      requestId: this.who.requestId,
    });
  }

  /**
   * Runs a write in a transaction with its audit entry: both commit or neither. The write function
   * receives the transaction; the entry's outcome is OK.
   */
  async recordWrite<T>(db: HubDb, operation: string, write: (trx: HubDb) => Promise<T>): Promise<T> {
    let appended: AppendedEntry | undefined;
    const result = await db.transaction().execute(async (trx) => {
      const value = await write(trx);
      appended = await this.appendWrite(trx, operation);
      return value;
    });
    if (appended) this.entries.push(appended);
    return result;
  }

  /** For writes whose transaction another module runs: call in it, then `confirm` after it commits. */
  inTransaction(operation: string): { hook: (trx: HubDb) => Promise<void>; confirm: () => void } {
    let appended: AppendedEntry | undefined;
    return {
      hook: async (trx) => {
        appended = await this.appendWrite(trx, operation);
      },
      confirm: () => {
        if (appended) this.entries.push(appended);
      },
    };
  }

  /**
   * Appends the request's entry at its end, unless a write already recorded it and the request
   * ended OK: a refusal or error after a write (a denied revocation, too many subjects) still gets
   * its own entry.
   */
  async finish(db: HubDb, operation: string, outcome: string): Promise<AppendedEntry | undefined> {
    if (this.entries.length > 0 && outcome === 'OK' && !this.overflowed) return undefined;
    const appended = await this.append(db, operation, outcome);
    this.entries.push(appended);
    return appended;
  }

  private noteSubjectId(id: string): void {
    if (this.subjects.has(id)) return;
    if (this.subjects.size >= this.rules.maxSubjects) {
      this.overflowed = true;
      throw this.rules.tooManySubjects(this.rules.maxSubjects);
    }
    this.subjects.add(id);
  }

  /** A write of a refused request does not commit: its transaction rolls back. */
  private async appendWrite(trx: HubDb, operation: string): Promise<AppendedEntry> {
    if (this.overflowed) throw this.rules.tooManySubjects(this.rules.maxSubjects);
    return this.append(trx, operation, 'OK');
  }
}

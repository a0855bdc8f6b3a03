import type { Principal } from '../access/clients.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import type { HubDb } from '../store/database.js';

const MAX_NOTED = 500;

/**
 * What one request touched, collected while it runs (subjects, fields and record kinds returned,
 * authorisations relied on, denials) and appended to the audit log: by a write inside its own
 * transaction, or at the end of the request for reads.
 */
export class AuditTrail {
  private readonly subjects = new Set<string>();
  private readonly returned = new Set<string>();
  private readonly authorizations = new Set<string>();
  private denial: string | undefined;
  private readonly seqs: number[] = [];

  constructor(
    private readonly who: { principal: Principal; purpose: string; requestId: string; clock: () => Date },
  ) {}

  noteSubject(uscc: string | null | undefined): void {
    if (uscc && this.subjects.size < MAX_NOTED) this.subjects.add(uscc);
  }

  noteReturned(item: string): void {
    if (this.returned.size < MAX_NOTED) this.returned.add(item);
  }

  noteAuthorization(id: number): void {
    this.authorizations.add(String(id));
  }

  noteDenial(reason: string): void {
    this.denial ??= reason;
  }

  get denied(): string | undefined {
    return this.denial;
  }

  /** Seqs of the entries this request appended, in order. */
  get appended(): readonly number[] {
    return this.seqs;
  }

  /** Appends an entry of what was collected so far. */
  async append(db: HubDb, operation: string, outcome: string): Promise<number> {
    const seq = await appendAuditEvent(db, {
      at: this.who.clock(),
      clientId: this.who.principal.clientId,
      clientType: this.who.principal.clientType,
      operation,
      subjects: [...this.subjects].sort(),
      returned: [...this.returned].sort(),
      purpose: this.who.purpose,
      authorizations: [...this.authorizations].sort(),
      outcome,
      requestId: this.who.requestId,
    });
    return seq;
  }

  /**
   * Runs a write in a transaction with its audit entry: both commit or neither. The write function
   * receives the transaction; the entry's outcome is OK.
   */
  async recordWrite<T>(db: HubDb, operation: string, write: (trx: HubDb) => Promise<T>): Promise<T> {
    let seq = -1;
    const result = await db.transaction().execute(async (trx) => {
      const value = await write(trx);
      seq = await this.append(trx, operation, 'OK');
      return value;
    });
    this.seqs.push(seq);
    return result;
  }

  /** For writes whose transaction another module runs: call in it, then `confirm` after it commits. */
  inTransaction(operation: string): { hook: (trx: HubDb) => Promise<void>; confirm: () => void } {
    let seq = -1;
    return {
      hook: async (trx) => {
        seq = await this.append(trx, operation, 'OK');
      },
      confirm: () => {
        if (seq >= 0) this.seqs.push(seq);
      },
    };
  }

  /** Appends the request's entry at its end, unless a write already recorded it. */
  async finish(db: HubDb, operation: string, outcome: string): Promise<number | undefined> {
    if (this.seqs.length > 0) return undefined;
    const seq = await this.append(db, operation, outcome);
    this.seqs.push(seq);
    return seq;
  }
}

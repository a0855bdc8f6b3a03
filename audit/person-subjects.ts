import { createHmac, randomBytes } from 'node:crypto';
import { normalizeIdentifier } from '../ingestion/identifiers.js';
import { ensureAuditPersonKey } from '../store/audit-person-key-queries.js';
import type { HubDb } from '../store/database.js';

const PERSON_PREFIX = 'person:';

/**
 * How natural persons (who have no USCC) are named in the audit log: `person:` and the HMAC-SHA256,
 * under a secret key of the hub, of their normalised identity number. "Who looked at this person"
 * can be answered from the number without the log storing it, and without the key the hash cannot
 * be reversed by trying every possible number (there are only ~10^11 of them).
 */
export class PersonSubjects {
  /** Private (#): never serialised, so never in a log line or an error. */
  readonly #key: Buffer;

  private constructor(key: Uint8Array) {
    this.#key = Buffer.from(key);
  }

  /** Loads the hub's key, making it at the first start. */
  static async load(db: HubDb): Promise<PersonSubjects> {
    return new PersonSubjects(await ensureAuditPersonKey(db, randomBytes(32)));
  }

  /** The audit subject of the person with this identity number (normalised first: full-width, spaces, case). */
  subjectOf(idNumber: string): string {
    return PERSON_PREFIX + createHmac('sha256', this.#key).update(normalizeIdentifier(idNumber), 'utf8').digest('hex');
  }
}

import type { HubDb } from './database.js';

export interface AuthorizationRow {
  readonly id: number;
  readonly subject_uscc: string;
  readonly client_id: string;
  readonly purpose: string;
  readonly valid_until: string;
  readonly granted_by: string;
  readonly evidence: string | null;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
  readonly revoked_by: string | null;
}

const COLUMNS = ['id', 'subject_uscc', 'client_id', 'purpose', 'valid_until', 'granted_by', 'evidence', 'created_at', 'revoked_at', 'revoked_by'] as const;

export async function insertAuthorization(
  db: HubDb,
  grant: { subjectUscc: string; clientId: string; purpose: string; validUntil: string; grantedBy: string; evidence: string },
): Promise<AuthorizationRow> {
  return db
    .insertInto('authorizations')
    .values({
      subject_uscc: grant.subjectUscc,
      client_id: grant.clientId,
      purpose: grant.purpose,
      valid_until: grant.validUntil,
      granted_by: grant.grantedBy,
      evidence: grant.evidence,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** The authorisation with this id if it is not revoked. */
export async function findAuthorizationInForce(db: HubDb, id: number): Promise<AuthorizationRow | undefined> {
  return db.selectFrom('authorizations').select(COLUMNS).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

/** Revokes an authorisation still in force; returns it, or undefined when none such exists. */
export async function revokeAuthorization(db: HubDb, id: number, revokedBy: string, now: Date): Promise<AuthorizationRow | undefined> {
  return db
    .updateTable('authorizations')
    .set({ revoked_at: now, revoked_by: revokedBy })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(COLUMNS)
    .executeTakeFirst();
}

/** The authorisation in force on `today` letting the client see the subject for the purpose, longest-lasting first. */
export async function findValidAuthorization(
  db: HubDb,
  subjectUscc: string,
  clientId: string,
  purpose: string,
  today: string,
): Promise<AuthorizationRow | undefined> {
  return db
    .selectFrom('authorizations')
    .select(COLUMNS)
    .where('subject_uscc', '=', subjectUscc)
    .where('client_id', '=', clientId)
    .where('purpose', '=', purpose)
    .where('revoked_at', 'is', null)
    .where('valid_until', '>=', today)
    .orderBy('valid_until', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function listAuthorizations(db: HubDb, subjectUscc: string): Promise<AuthorizationRow[]> {
  return db.selectFrom('authorizations').select(COLUMNS).where('subject_uscc', '=', subjectUscc).orderBy('id', 'desc').limit(200).execute();
}

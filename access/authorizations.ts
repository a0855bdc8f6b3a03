import type { PurposeConfig } from './access-config-schema.js';
import { parseCalendarDate } from '../ingestion/dates.js';
import { InvalidInputError, NotFoundError } from '../ingestion/errors.js';
import { checkUscc } from '../ingestion/identifiers.js';
import type { HubDb } from '../store/database.js';
import { findClient } from '../store/client-queries.js';
import { findAuthorizationInForce, insertAuthorization, revokeAuthorization, type AuthorizationRow } from '../store/authorization-queries.js';

const MAX_EVIDENCE = 500;
/** An authorisation longer than this is refused: consent is given for a loan review, not for ever. */
const MAX_YEARS = 3;

export interface GrantInput {
  readonly uscc: string;
  readonly clientId: string;
  readonly purpose: string;
  readonly validUntil: string;
  /** Where the enterprise's consent is kept (the signed form's number): required, 1 to 500 characters. */
  readonly evidence: string;
}

/** Who asks to revoke an authorisation. */
export interface Revoker {
  readonly clientId: string;
  /** An operator may revoke any authorisation; any other client only those it recorded. */
  readonly isAdmin: boolean;
}

/** Refusal to revoke an authorisation another client recorded. */
export class NotGrantorError extends Error {
  constructor(
    readonly authorizationId: number,
    readonly subjectUscc: string,
    grantedBy: string,
  ) {
    super(`authorisation ${authorizationId} was recorded by client ${grantedBy}; only that client or an operator may revoke it`);
    this.name = 'NotGrantorError';
  }
}

/**
 * Records an enterprise's authorisation (授权) of a bank for one purpose until a date, with the
 * evidence of the consent. Throws InvalidInputError naming the field and rule, NotFoundError for an
 * unknown bank.
 */
export async function grantAuthorization(
  db: HubDb,
  input: GrantInput,
  context: { grantedBy: string; purposes: readonly PurposeConfig[]; today: string },
): Promise<AuthorizationRow> {
  const uscc = checkUscc(input.uscc);
  if (!uscc.ok) throw new InvalidInputError(`uscc: ${uscc.message}`);
  const client = await findClient(db, input.clientId);
  if (!client || client.revoked_at) throw new NotFoundError(`clientId: no active client ${input.clientId.slice(0, 64)} is registered`);
  if (client.type !== 'BANK') throw new InvalidInputError(`clientId: ${client.id} is a ${client.type} client; authorisations are given to banks`);
  const purpose = context.purposes.find((p) => p.code === input.purpose);
  if (!purpose || !purpose.clientTypes.includes('BANK')) {
    throw new InvalidInputError(
      `purpose: "${input.purpose.slice(0, 40)}" is not a purpose a bank may state (${context.purposes
        .filter((p) => p.clientTypes.includes('BANK'))
        .map((p) => p.code)
        .join(', ')})`,
    );
  }
  const parsed = parseCalendarDate(input.validUntil);
  if (!parsed.ok) throw new InvalidInputError(`validUntil: ${parsed.message}`);
  const validUntil = { value: parsed.date };
  const latest = `${Number(context.today.slice(0, 4)) + MAX_YEARS}${context.today.slice(4)}`;
  if (validUntil.value < context.today || validUntil.value > latest) {
    throw new InvalidInputError(`validUntil: ${validUntil.value} must be between today (${context.today}) and ${latest}`);
  }
  const evidence = input.evidence.trim();
  if (!evidence || evidence.length > MAX_EVIDENCE) throw new InvalidInputError(`evidence: must be 1 to ${MAX_EVIDENCE} characters (got ${evidence.length})`);
  return insertAuthorization(db, {
    subjectUscc: uscc.uscc,
    clientId: client.id,
    purpose: purpose.code,
    validUntil: validUntil.value,
    grantedBy: context.grantedBy,
    evidence,
  });
}

/**
 * Revokes an authorisation in force, for the client that recorded it or an operator. Throws
 * NotFoundError when there is none with this id, NotGrantorError when another client recorded it.
 */
export async function withdrawAuthorization(db: HubDb, id: number, revoker: Revoker, now: Date): Promise<AuthorizationRow> {
  const current = await findAuthorizationInForce(db, id);
  if (!current) throw new NotFoundError(`no authorisation ${id} in force`);
  if (current.granted_by !== revoker.clientId && !revoker.isAdmin) throw new NotGrantorError(id, current.subject_uscc, current.granted_by);
  const row = await revokeAuthorization(db, id, revoker.clientId, now);
  if (!row) throw new NotFoundError(`no authorisation ${id} in force`);
  return row;
}

import type { PurposeConfig } from '../config/hub-config.js';
import { parseCalendarDate } from '../ingestion/dates.js';
import { InvalidInputError, NotFoundError } from '../ingestion/errors.js';
import { checkUscc } from '../ingestion/identifiers.js';
import type { HubDb } from '../store/database.js';
import { findClient } from '../store/client-queries.js';
import { insertAuthorization, revokeAuthorization, type AuthorizationRow } from '../store/authorization-queries.js';

const MAX_EVIDENCE = 500;
/** An authorisation longer than this is refused: consent is given for a loan review, not for ever. */
const MAX_YEARS = 3;

export interface GrantInput {
  readonly uscc: string;
  readonly clientId: string;
  readonly purpose: string;
  readonly validUntil: string;
  readonly evidence?: string | null | undefined;
}

/**
 * Records an enterprise's authorisation (授权) of a bank for one purpose until a date. Throws
 * InvalidInputError naming the field and rule, NotFoundError for an unknown bank.
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
    throw new InvalidInputError(`purpose: "${input.purpose.slice(0, 40)}" is not a purpose a bank may state (${context.purposes.filter((p) => p.clientTypes.includes('BANK')).map((p) => p.code).join(', ')})`);
  }
  const parsed = parseCalendarDate(input.validUntil);
  if (!parsed.ok) throw new InvalidInputError(`validUntil: ${parsed.message}`);
  const validUntil = { value: parsed.date };
  const latest = `${Number(context.today.slice(0, 4)) + MAX_YEARS}${context.today.slice(4)}`;
  if (validUntil.value < context.today || validUntil.value > latest) {
    throw new InvalidInputError(`validUntil: ${validUntil.value} must be between today (${context.today}) and ${latest}`);
  }
  const evidence = input.evidence?.trim() || null;
  if (evidence && evidence.length > MAX_EVIDENCE) throw new InvalidInputError(`evidence: at most ${MAX_EVIDENCE} characters`);
  return insertAuthorization(db, { subjectUscc: uscc.uscc, clientId: client.id, purpose: purpose.code, validUntil: validUntil.value, grantedBy: context.grantedBy, evidence });
}

/** Revokes an authorisation in force. Throws NotFoundError when there is none with this id. */
export async function withdrawAuthorization(db: HubDb, id: number, revokedBy: string): Promise<AuthorizationRow> {
  const row = await revokeAuthorization(db, id, revokedBy);
  if (!row) throw new NotFoundError(`no authorisation ${id} in force`);
  return row;
}

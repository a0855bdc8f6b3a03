import { findIdentityNumberIn, maskIdentityNumber } from '../ingestion/identifiers.js';
import type { RepairRule } from './eligibility.js';

/** Who acts on a repair request or objection: the request's principal, as far as the rules need it. */
export interface CaseActor {
  readonly clientId: string;
  /** An operator may decide every case. */
  readonly isAdmin: boolean;
  /** The agency an AGENCY client speaks for; it decides the cases of its own records. */
  readonly agencyCode: string | null;
  /** The province (GB/T 2260) whose subjects the actor's agency registers (登记机关); null when it registers none. */
  readonly registrationRegion: string | null;
}

/** A refused input of a repair or objection step: names the field and the rule (GraphQL BAD_USER_INPUT). */
export class CaseInputError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'CaseInputError';
  }
}

/** A repair request the eligibility rules refuse, with the first date it could pass the rule (null: never by waiting). */
export class RepairIneligibleError extends CaseInputError {
  constructor(
    field: string,
    rule: RepairRule,
    readonly earliestEligibleOn: string | null,
    message: string,
    /** The record's subject, for the refusal's audit entry. */
    readonly subjectUscc: string | null,
    /** NO_REPEAT: the repeat's record id, named to a client that may read it. */
    readonly repeatRecordId: number | undefined,
  ) {
    super(field, rule, message);
    this.name = 'RepairIneligibleError';
  }
}

/** A decision on a case by a client that is neither the record's source agency nor an operator. */
export class NotSourceAgencyError extends Error {
  constructor(
    readonly subjectUscc: string | null,
    noun: string,
    agencyCode: string,
  ) {
    super(`${noun} concerns a record of agency ${agencyCode}: only that agency or an operator may decide it`);
    this.name = 'NotSourceAgencyError';
  }
}

/** An objection filed by a client outside the record's objection window (source agency, registration agency, operator). */
export class NotObjectionWindowError extends Error {
  constructor(
    readonly subjectUscc: string | null,
    recordId: number,
  ) {
    super(
      `recordId: an objection to record ${recordId} is filed by the record's source agency, the registration agency of its subject's province or an operator`,
    );
    this.name = 'NotObjectionWindowError';
  }
}

/** Throws NotSourceAgencyError unless the actor is an operator or speaks for `agencyCode`. */
export function requireSourceAgency(actor: CaseActor, agencyCode: string, subjectUscc: string | null, noun: string): void {
  if (!actor.isAdmin && actor.agencyCode !== agencyCode) throw new NotSourceAgencyError(subjectUscc, noun, agencyCode);
}

/**
 * Text of a case (evidence, reason, note): trimmed, 1 to `max` characters, carrying no identity
 * number (other agencies read it), or CaseInputError naming the field (the number masked).
 */
export function caseText(field: string, value: string, max: number): string {
  const text = value.trim();
  if (!text || text.length > max) throw new CaseInputError(field, 'LENGTH', `must be 1 to ${max} characters (got ${text.length})`);
  const identityNumber = findIdentityNumberIn(text);
  if (identityNumber) {
    throw new CaseInputError(
      field,
      'IDENTITY_NUMBER_IN_TEXT',
      `carries identity number ${maskIdentityNumber(identityNumber)}: a case text names no person's identity number (other agencies read it)`,
    );
  }
  return text;
}

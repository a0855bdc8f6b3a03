import { InvalidInputError } from '../ingestion/errors.js';

/** A refused draw request or execution, naming the field and the rule (the GraphQL layer puts both in `extensions`). */
export class DrawInputError extends InvalidInputError {
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(`${field}: ${rule} — ${message}`);
  }
}

/** Refused: the draw belongs to another agency. */
export class NotDrawOwnerError extends Error {
  constructor(readonly agencyCode: string) {
    super(`inspection draws are executed and cancelled by the agency that committed them (${agencyCode})`);
  }
}

/** Refused: an operator's seed must be entered by an operator (admin client) other than the committer. */
export class SeedByOperatorError extends Error {
  constructor() {
    super('this draw names an operator value as its randomness: its seed is entered by an operator (admin client) other than the client that committed it');
  }
}

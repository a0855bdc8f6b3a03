import { findIdentityNumberIn, maskIdentityNumbersIn } from '../ingestion/identifiers.js';
import { DrawInputError } from './draw-errors.js';

/**
 * Where a draw's seed comes from, fixed at commitment: a drand quicknet round (public, unknown to
 * anyone until its time) or a value an operator enters (then an admin client other than the
 * committer enters it, so the committing agency cannot choose it).
 */
export type RandomnessSource = { readonly kind: 'DRAND_QUICKNET'; readonly round: number; readonly roundTime: string } | { readonly kind: 'OPERATOR' };

/** drand quicknet: genesis time (Unix seconds, UTC) and period in seconds (https://api.drand.sh/52db9ba7…/info). */
export const DRAND_QUICKNET_GENESIS = 1692803367;
export const DRAND_QUICKNET_PERIOD = 3;
/** How long after a commitment its drand round must be, at least: nobody can know the round's randomness when committing. */
export const MIN_ROUND_DELAY_SECONDS = 60;
export const MAX_REFERENCE_LENGTH = 200;

const DRAND_REFERENCE = /^drand quicknet round ([1-9]\d{0,8})$/;
/** C0 controls and DEL (U+0000–U+001F, U+007F): the control characters (\p{Cc}) less the C1 range. */
const CONTROL = /(?=\p{Cc})[^\u0080-\u009F]/u;
const DRAND_RANDOMNESS = /^[0-9a-f]{64}$/;
const FIELD = 'input.randomnessReference';

/** When quicknet round `round` is published: genesis + (round − 1) × 3 s. */
export function drandRoundTime(round: number): Date {
  return new Date((DRAND_QUICKNET_GENESIS + (round - 1) * DRAND_QUICKNET_PERIOD) * 1000);
}

/**
 * The source a randomness reference names, checked against the commitment time: `drand quicknet
 * round N` whose round comes at least MIN_ROUND_DELAY_SECONDS after `committedAt`, or any other text
 * (an operator's value, described). Throws DrawInputError (field input.randomnessReference).
 */
export function parseRandomnessReference(reference: string, committedAt: Date): RandomnessSource {
  const shown = JSON.stringify(maskIdentityNumbersIn(reference.slice(0, 80)));
  if (reference.length === 0 || reference.length > MAX_REFERENCE_LENGTH || CONTROL.test(reference)) {
    throw new DrawInputError(FIELD, 'TEXT', `${shown} must be 1-${MAX_REFERENCE_LENGTH} characters without control characters`);
  }
  if (findIdentityNumberIn(reference) !== undefined) {
    throw new DrawInputError(FIELD, 'IDENTITY_NUMBER_IN_TEXT', `${shown} holds an identity number; the reference is published to every client`);
  }
  const drand = DRAND_REFERENCE.exec(reference);
  if (!drand) {
    if (/drand/i.test(reference)) throw new DrawInputError(FIELD, 'DRAND_REFERENCE', `${shown} mentions drand but is not \`drand quicknet round N\``);
    return { kind: 'OPERATOR' };
  }
  const round = Number(drand[1]);
  const roundTime = drandRoundTime(round);
  const earliest = committedAt.getTime() + MIN_ROUND_DELAY_SECONDS * 1000;
  if (roundTime.getTime() < earliest) {
    throw new DrawInputError(
      FIELD,
      'DRAND_ROUND_TOO_EARLY',
      `round ${round} is published at ${roundTime.toISOString()}, less than ${MIN_ROUND_DELAY_SECONDS} s after this commitment: name a later round`,
    );
  }
  return { kind: 'DRAND_QUICKNET', round, roundTime: roundTime.toISOString() };
}

/**
 * Checks a drand draw's seed at execution: not before the round's time, and the round's randomness
 * (64 lowercase hex digits). The hub cannot fetch the beacon offline: anyone can compare the seed
 * with the public beacon. Throws DrawInputError (field seed).
 */
export function checkDrandSeed(source: Extract<RandomnessSource, { kind: 'DRAND_QUICKNET' }>, seed: string, now: Date): void {
  if (now.getTime() < Date.parse(source.roundTime)) {
    throw new DrawInputError(
      'seed',
      'DRAND_ROUND_PENDING',
      `drand quicknet round ${source.round} is published at ${source.roundTime}; execute the draw after that`,
    );
  }
  if (!DRAND_RANDOMNESS.test(seed)) {
    throw new DrawInputError(
      'seed',
      'DRAND_RANDOMNESS',
      `${JSON.stringify(seed.slice(0, 80))} is not a drand randomness (64 lowercase hex digits) of round ${source.round}`,
    );
  }
}

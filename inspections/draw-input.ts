import { DrawInputError } from './draw-errors.js';
import { isProvinceCode } from '../ingestion/regions.js';
import { RECORD_KINDS, isRecordKind } from '../ingestion/record-kinds.js';

/** What an agency asks for when it commits a draw. */
export interface DrawRequest {
  /** Provinces (GB/T 2260) of the population; default: the agency's own. */
  readonly regions?: readonly string[] | null;
  /** Only subjects with an ACTIVE record of one of these kinds. */
  readonly kinds?: readonly string[] | null;
  /** Only subjects with an ACTIVE record from one of these agencies (an "industry" proxy). */
  readonly agencies?: readonly string[] | null;
  /** Where the seed will come from: "drand quicknet round 12345678", or any other text for a value an operator enters (see randomness-source.ts). */
  readonly randomnessReference: string;
}

export interface ValidDrawRequest {
  readonly regions: readonly string[];
  readonly kinds: readonly string[];
  readonly agencies: readonly string[];
  readonly randomnessReference: string;
}

const MAX_REGIONS = 34;
const MAX_AGENCIES = 50;
const MAX_SEED_LENGTH = 256;
// Printable ASCII only: no control characters (the algorithm joins its inputs with "\n").
const SEED = /^[\x20-\x7e]+$/;

const refuse = (field: string, rule: string, value: string, why: string) => new DrawInputError(field, rule, `${JSON.stringify(value.slice(0, 80))} ${why}`);

function distinct(values: readonly string[] | null | undefined, field: string, max: number): string[] {
  const list = [...new Set(values ?? [])];
  if (list.length > max) throw refuse(field, 'TOO_MANY', String(list.length), `values given; at most ${max}`);
  return list;
}

/** Checks a commitment request and fills its defaults; throws DrawInputError naming the field, the rule and the value. */
export function validateDrawRequest(request: DrawRequest, agencyRegion: string, agencyRegions: ReadonlyMap<string, string>): ValidDrawRequest {
  const regions = distinct(request.regions, 'input.regions', MAX_REGIONS);
  regions.forEach((region, index) => {
    if (!isProvinceCode(region)) throw refuse(`input.regions[${index}]`, 'REGION', region, 'is not a province-level GB/T 2260 code such as 310000');
  });
  const kinds = distinct(request.kinds, 'input.kinds', RECORD_KINDS.length);
  kinds.forEach((kind, index) => {
    if (!isRecordKind(kind)) throw refuse(`input.kinds[${index}]`, 'ENUM', kind, `is not one of ${RECORD_KINDS.join(', ')}`);
  });
  const agencies = distinct(request.agencies, 'input.agencies', MAX_AGENCIES);
  agencies.forEach((code, index) => {
    if (!agencyRegions.has(code)) throw refuse(`input.agencies[${index}]`, 'UNKNOWN_AGENCY', code, 'is not a configured agency');
  });
  // Checked against the commitment time by parseRandomnessReference.
  const reference = request.randomnessReference.trim();
  return { regions: regions.length > 0 ? regions.sort() : [agencyRegion], kinds: kinds.sort(), agencies: agencies.sort(), randomnessReference: reference };
}

/** Checks a seed: 1-256 printable ASCII characters (a drand randomness is 64 hex digits). Throws DrawInputError. */
export function validateSeed(seed: string): string {
  if (seed.length === 0 || seed.length > MAX_SEED_LENGTH || !SEED.test(seed)) {
    throw refuse('seed', 'SEED', seed, `must be 1-${MAX_SEED_LENGTH} printable ASCII characters (e.g. the 64 hex digits of a drand round)`);
  }
  return seed;
}

import { findModel, type CreditClass, type CreditConfig } from './credit-model.js';

/** Exact decimal strings as scaled integers: scores and points never pass through floats. */
function scaled(value: string, places: number): bigint {
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = value.replace(/^[-+]/, '').split('.');
  const digits = BigInt(whole + fraction.padEnd(places, '0').slice(0, places));
  return negative ? -digits : digits;
}

const placesOf = (value: string): number => value.split('.')[1]?.length ?? 0;

function format(units: bigint, places: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return negative ? `-${text}` : text;
}

/**
 * The model's base score of a grade: its score less the points of its contributions, which sum to
 * score − base exactly (the grading contract), computed in exact decimal arithmetic.
 */
export function baseScoreOf(score: string, contributionPoints: readonly string[]): string {
  const places = Math.max(placesOf(score), ...contributionPoints.map(placesOf));
  const total = contributionPoints.reduce((sum, points) => sum + scaled(points, places), 0n);
  return format(scaled(score, places) - total, places);
}

/**
 * The label of a class (e.g. 良) in the model version that graded it, or in `fallbackVersion` (the
 * active one) for a class with no grade behind it; the class letter itself when neither is configured.
 */
export function classLabelOf(credit: CreditConfig, creditClass: CreditClass, version: string | null, fallbackVersion: string | null): string {
  const model = (version ? findModel(credit, version) : undefined) ?? (fallbackVersion ? findModel(credit, fallbackVersion) : undefined);
  return model?.classes[creditClass].label ?? creditClass;
}

import { createHash } from 'node:crypto';

/**
 * hash-rank-v1, the 双随机 draw algorithm, written so anyone can recompute a draw (README, 双随机
 * inspection draws). Every hash is SHA-256 over UTF-8 bytes; hashes compare as unsigned bytes, which is
 * the order of their lowercase hex; a seed is printable ASCII, a USCC 18 characters of 0-9 and A-Z.
 */
export const DRAW_ALGORITHM = 'hash-rank-v1';

export const CREDIT_CLASSES = ['A', 'B', 'C', 'D'] as const;
export type CreditClass = (typeof CREDIT_CLASSES)[number];

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Byte order of ASCII text, the order `collate "C"` gives in PostgreSQL. */
export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The population digest: SHA-256 hex of the USCCs sorted in byte order and joined by "\n" (no trailing newline). */
export function populationDigest(usccs: readonly string[]): string {
  return sha256Hex([...usccs].sort(byteOrder).join('\n'));
}

/** A subject's ranking key within its class: SHA-256 hex of `seed + "\n" + uscc`. Lowest first. */
export function subjectRankKey(seed: string, uscc: string): string {
  return sha256Hex(`${seed}\n${uscc}`);
}

/**
 * The j-th inspector pick for a target (j from 1), RFC 3797 style: the first 6 bytes of SHA-256 of
 * `seed + "\n" + uscc + "\n" + j` (j in decimal) read as an unsigned big-endian integer, modulo the
 * number of inspectors still eligible; that position in the eligible list (sorted by id) is taken.
 * 48 bits against a pool of at most 500: the modulo bias is below 2^-39.
 */
export function inspectorPickValue(seed: string, uscc: string, pick: number): bigint {
  return BigInt(`0x${sha256Hex(`${seed}\n${uscc}\n${pick}`).slice(0, 12)}`);
}

/**
 * The inspectors of one target: from the pool sorted by id without those in conflict with it, up to
 * `count` picks, each by inspectorPickValue modulo what remains, the picked one removed.
 */
export function pickInspectors(seed: string, uscc: string, pool: readonly PoolInspector[], count: number): string[] {
  const eligible = pool
    .filter((inspector) => !inspector.conflicts.includes(uscc))
    .map((inspector) => inspector.id)
    .sort(byteOrder);
  const picked: string[] = [];
  for (let pick = 1; pick <= count && eligible.length > 0; pick += 1) {
    const index = Number(inspectorPickValue(seed, uscc, pick) % BigInt(eligible.length));
    picked.push(...eligible.splice(index, 1));
  }
  return picked;
}

/** One inspector as a draw commits to it. */
export interface PoolInspector {
  readonly id: string;
  readonly name: string;
  readonly agency: string;
  /** USCCs the inspector may not inspect. */
  readonly conflicts: readonly string[];
}

/** The pool in its committed form: inspectors sorted by id (byte order), each one's conflicts sorted, keys in this order. */
export function canonicalPool(pool: readonly PoolInspector[]): PoolInspector[] {
  return [...pool]
    .sort((a, b) => byteOrder(a.id, b.id))
    .map((inspector) => ({ id: inspector.id, name: inspector.name, agency: inspector.agency, conflicts: [...inspector.conflicts].sort(byteOrder) }));
}

/** The inspector pool digest: SHA-256 hex of JSON.stringify(canonicalPool(pool)). */
export function inspectorPoolDigest(pool: readonly PoolInspector[]): string {
  return sha256Hex(JSON.stringify(canonicalPool(pool)));
}

/**
 * Subjects drawn from a class of `population` at `ratio` (a decimal string such as "0.02"): the
 * product rounded up, so a non-empty class with a ratio above 0 always has at least one target.
 * Exact: integers only.
 */
export function sampleSize(population: number, ratio: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(ratio);
  if (!match) throw new Error(`sampling ratio ${JSON.stringify(ratio)} is not a decimal`);
  const places = match[2] ?? '';
  const numerator = BigInt(`${match[1] ?? '0'}${places}`);
  const denominator = 10n ** BigInt(places.length);
  const product = BigInt(population) * numerator;
  const sample = (product + denominator - 1n) / denominator;
  return Number(sample > BigInt(population) ? BigInt(population) : sample);
}

export type ExclusionPeriodKind = 'YEAR' | 'HALF_YEAR' | 'QUARTER';

/** The calendar period (first and last day, ISO dates) holding `day` (an ISO date in China time). */
export function exclusionPeriod(day: string, kind: ExclusionPeriodKind): { start: string; end: string } {
  const year = day.slice(0, 4);
  const month = Number(day.slice(5, 7));
  const months = kind === 'YEAR' ? 12 : kind === 'HALF_YEAR' ? 6 : 3;
  const first = Math.floor((month - 1) / months) * months + 1;
  const last = first + months - 1;
  const lastDay = new Date(Date.UTC(Number(year), last, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { start: `${year}-${pad(first)}-01`, end: `${year}-${pad(last)}-${pad(lastDay)}` };
}

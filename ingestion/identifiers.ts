import { toHalfWidth } from './text.js';

/** GB 32100-2015 alphabet: values 0–30, without I, O, S, V, Z. */
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Each character's value by char code (-1: not in the alphabet). */
const USCC_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < USCC_ALPHABET.length; i++) values[USCC_ALPHABET.charCodeAt(i)] = i;
  return values;
})();
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_ID_CHECKS = '10X98765432';
const RESIDENT_ID_SHAPE = /^\d{17}[\dX]$/;

/** Trims, converts full-width characters and upper-cases, as agencies send all three. */
export function normalizeIdentifier(raw: string): string {
  return toHalfWidth(raw).replace(/\s+/g, '').toUpperCase();
}

/** The check character (position 18) that GB 32100-2015 prescribes for the first 17 characters. */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_VALUES[first17.charCodeAt(i)] ?? -1;
    if (value < 0) throw new RangeError(`character ${first17.charAt(i)} is not in the USCC alphabet`);
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

export type UsccVerdict =
  | { readonly ok: true; readonly uscc: string }
  | { readonly ok: false; readonly rule: 'USCC_FORMAT' | 'USCC_CHECKSUM'; readonly normalized: string; readonly message: string };

/**
 * Normalises and validates a 统一社会信用代码. A well-formed code whose only fault is its check
 * digit is reported as USCC_CHECKSUM so callers can quarantine it for an operator (pilot-era codes
 * exist that fail it) rather than reject it outright.
 */
export function checkUscc(raw: string): UsccVerdict {
  const normalized = normalizeIdentifier(raw);
  if (!USCC_SHAPE.test(normalized)) {
    return {
      ok: false,
      rule: 'USCC_FORMAT',
      normalized,
      message: `must be 18 characters from 0-9 and A-Y without I, O, S, V, Z (got ${normalized.length} characters)`,
    };
  }
  const expected = usccCheckCharacter(normalized.slice(0, 17));
  if (normalized.charAt(17) !== expected) {
    return {
      ok: false,
      rule: 'USCC_CHECKSUM',
      normalized,
      message: `check character is ${normalized.charAt(17)} but GB 32100-2015 gives ${expected}`,
    };
  }
  return { ok: true, uscc: normalized };
}

/** Province-level division code (e.g. 310000) from a USCC's administrative division (positions 3–8). */
export function usccProvinceCode(uscc: string): string {
  return `${uscc.slice(2, 4)}0000`;
}

/** Administrative division code (GB/T 2260) from positions 3–8 of a USCC. */
export function usccDivisionCode(uscc: string): string {
  return uscc.slice(2, 8);
}

export type ResidentIdVerdict =
  { readonly ok: true; readonly id: string } | { readonly ok: false; readonly rule: 'RESIDENT_ID_FORMAT' | 'RESIDENT_ID_CHECKSUM'; readonly message: string };

/** Validates a 居民身份证号 (GB 11643-1999): 17 digits, a check character, and a real birth date. */
export function checkResidentId(raw: string): ResidentIdVerdict {
  const id = normalizeIdentifier(raw);
  if (!RESIDENT_ID_SHAPE.test(id)) {
    return { ok: false, rule: 'RESIDENT_ID_FORMAT', message: 'must be 17 digits followed by a digit or X' };
  }
  if (!isRealBirthDate(id.slice(6, 14))) {
    return { ok: false, rule: 'RESIDENT_ID_FORMAT', message: 'positions 7-14 are not a real birth date' };
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id.charAt(i)) * (RESIDENT_ID_WEIGHTS[i] ?? 0);
  if (id.charAt(17) !== RESIDENT_ID_CHECKS.charAt(sum % 11)) {
    return { ok: false, rule: 'RESIDENT_ID_CHECKSUM', message: 'check character does not match GB 11643-1999' };
  }
  return { ok: true, id };
}

function isRealBirthDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Masks an identity number for display: keeps the first 4 and last 4 characters
 * (`1101**********002X`). Anything shorter than 9 characters is masked entirely.
 */
export function maskIdentityNumber(id: string): string {
  if (id.length < 9) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}

/**
 * A resident identity number (GB 11643, check digit and birth date right) that is no valid USCC: what
 * a clerk typing a legal representative's number into a USCC field sends. Such a value must never be
 * stored or shown in plain where a USCC would be.
 */
export function isIdentityNumberNotUscc(value: string): boolean {
  return checkResidentId(value).ok && !checkUscc(value).ok;
}

/** A run of 18 characters shaped like an identity number (GB 11643), wherever a text carries one. */
const IDENTITY_NUMBER_IN_TEXT = /(?<![0-9])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])/g;

/** `text` with every identity-number-shaped run masked as maskIdentityNumber does: for messages that quote input. */
export function maskIdentityNumbersIn(text: string): string {
  return text.replace(IDENTITY_NUMBER_IN_TEXT, '$1**********$2');
}

/**
 * The first identity number in a free text (an 18-character run with a right GB 11643 check
 * character and birth date that is no valid USCC), or undefined: for texts that must carry none.
 */
export function findIdentityNumberIn(text: string): string | undefined {
  for (const match of text.matchAll(IDENTITY_NUMBER_IN_TEXT)) {
    if (isIdentityNumberNotUscc(match[0])) return match[0];
  }
  return undefined;
}

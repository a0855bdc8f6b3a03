import { toHalfWidth } from './text.js';

/** decimal(18,6): at most 12 integer digits and 6 fractional digits, as the 双公示 standard prescribes. */
const AMOUNT_SHAPE = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

export type AmountVerdict = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

/**
 * Parses an amount in 万元 exactly, as a canonical decimal string with 6 fractional digits
 * ("1.5" → "1.500000"). Never goes through floating point. Thousands separators and a trailing
 * 万元 unit are tolerated; more than 6 decimals is an error rather than a silent rounding.
 */
export function parseAmountWan(raw: string): AmountVerdict {
  const text = toHalfWidth(raw).replace(/,/g, '').replace(/万元$/, '').trim();
  const match = AMOUNT_SHAPE.exec(text);
  if (!match) {
    return { ok: false, message: 'must be a non-negative decimal in 万元 with at most 12 integer and 6 fractional digits' };
  }
  const integer = String(BigInt(match[1] ?? '0'));
  const fraction = (match[2] ?? '').padEnd(6, '0');
  return { ok: true, value: `${integer}.${fraction}` };
}

/** Converts a canonical 万元 amount to yuan exactly ("1.234567" 万元 → "12345.67" 元). */
export function wanToYuan(wan: string): string {
  const [integer = '0', fraction = ''] = wan.split('.');
  const fen = BigInt(integer) * 1_000_000n + BigInt(fraction.padEnd(6, '0')); // millionths of a 万元 = 0.01 元
  const yuanInteger = fen / 100n;
  const cents = (fen % 100n).toString().padStart(2, '0');
  return `${yuanInteger}.${cents}`;
}

/** Compares two non-negative decimal strings exactly; negative, zero or positive like a comparator. */
export function compareAmounts(a: string, b: string): number {
  const [aInteger, aFraction] = decimalParts(a);
  const [bInteger, bFraction] = decimalParts(b);
  if (aInteger.length !== bInteger.length) return aInteger.length < bInteger.length ? -1 : 1;
  if (aInteger !== bInteger) return aInteger < bInteger ? -1 : 1;
  return aFraction < bFraction ? -1 : aFraction > bFraction ? 1 : 0;
}

/** Integer digits without leading zeros and 6 fractional digits, so equal-length parts compare as text. */
function decimalParts(value: string): [string, string] {
  const [integer = '', fraction = ''] = value.split('.');
  return [integer.replace(/^0+/, ''), fraction.padEnd(6, '0').slice(0, 6)];
}

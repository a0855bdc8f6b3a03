import { KIND_LAYOUTS } from './record-kinds.js';
import { requireValue } from './require-value.js';

/** Standard column codes that hold dates, across every kind. */
export const DATE_COLUMNS: ReadonlySet<string> = new Set(
  Object.values(KIND_LAYOUTS).flatMap((layout) => layout.fields.filter((field) => field.type === 'date').map((field) => field.code)),
);

type DatePart = 'year' | 'month' | 'day';
type Token = 'YYYY' | 'YY' | 'MM' | 'M' | 'DD' | 'D';

const TOKENS: Readonly<Record<Token, { pattern: string; part: DatePart }>> = {
  YYYY: { pattern: '(\\d{4})', part: 'year' },
  YY: { pattern: '(\\d{2})', part: 'year' },
  MM: { pattern: '(\\d{2})', part: 'month' },
  M: { pattern: '(\\d{1,2})', part: 'month' },
  DD: { pattern: '(\\d{2})', part: 'day' },
  D: { pattern: '(\\d{1,2})', part: 'day' },
};

/**
 * An agency's own date format (e.g. `DD/MM/YYYY`, `MM-DD-YY`, `YYYY年M月D日`): tokens YYYY, YY, MM, M,
 * DD and D, anything else literal. Returns a function rewriting a value in that format to
 * `YYYY-MM-DD`, and leaving any other value as it is (for validation to judge). Two-digit years are
 * 20YY. Throws naming the format when it lacks a year, a month or a day.
 */
export function compileDateFormat(format: string): (value: string) => string {
  const parts: DatePart[] = [];
  let pattern = '';
  let rest = format;
  while (rest) {
    // Longest first, so YYYY is not read as YY twice.
    const token = (['YYYY', 'YY', 'MM', 'M', 'DD', 'D'] as const).find((t) => rest.startsWith(t));
    if (token) {
      pattern += TOKENS[token].pattern;
      parts.push(TOKENS[token].part);
      rest = rest.slice(token.length);
    } else {
      pattern += rest.charAt(0).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      rest = rest.slice(1);
    }
  }
  if (new Set(parts).size !== 3 || parts.length !== 3)
    throw new Error(`date format "${format}" needs exactly one year, one month and one day (YYYY or YY, MM or M, DD or D)`);
  const regex = new RegExp(`^${pattern}$`);
  const twoDigitYear = format.includes('YY') && !format.includes('YYYY');
  return (value) => {
    const match = regex.exec(value.trim());
    if (!match) return value;
    const at = (part: DatePart) => requireValue(match[parts.indexOf(part) + 1], `the ${part} group of date format "${format}"`);
    const year = twoDigitYear ? `20${at('year')}` : at('year');
    return `${year}-${at('month').padStart(2, '0')}-${at('day').padStart(2, '0')}`;
  };
}

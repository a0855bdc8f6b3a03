import { toHalfWidth } from './text.js';

const DATE_FORMS: readonly RegExp[] = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
  /^(\d{4})(\d{2})(\d{2})$/,
];
/**
 * ISO 8601 timestamps. With a zone, the calendar date is the instant's date in China (UTC+8):
 * a serialiser that writes midnight China time in UTC (2023-01-04T16:00:00Z) means 2023-01-05.
 * Without a zone, the date as written.
 */
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export type DateVerdict = { readonly ok: true; readonly date: string } | { readonly ok: false; readonly message: string };

/**
 * Parses the date forms agencies send (2023-01-05, 2023/1/5, 2023.1.5, 2023年1月5日, 20230105,
 * ISO timestamps) into an ISO calendar date `YYYY-MM-DD`. Impossible dates (2023-02-30) are errors,
 * never rolled over.
 */
export function parseCalendarDate(raw: string): DateVerdict {
  const text = toHalfWidth(raw);
  for (const form of DATE_FORMS) {
    const match = form.exec(text);
    if (match) return toIsoDate(Number(match[1]), Number(match[2]), Number(match[3]));
  }
  const timestamp = ISO_TIMESTAMP.exec(text);
  if (timestamp) {
    const written = toIsoDate(Number(timestamp[1]), Number(timestamp[2]), Number(timestamp[3]));
    const instant = timestamp[4] ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
    return written.ok && !Number.isNaN(instant) ? { ok: true, date: chinaToday(new Date(instant)) } : written;
  }
  return { ok: false, message: 'is not a date in a recognised form (YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, YYYYMMDD, ISO timestamp)' };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function toIsoDate(year: number, month: number, day: number): DateVerdict {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: 'is not a real calendar date' };
  }
  return { ok: true, date: `${year}-${pad2(month)}-${pad2(day)}` };
}

/** Adds whole months to an ISO date, clamping to the month's last day (2023-08-31 + 6 months = 2024-02-29). */
export function addMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return `${targetYear}-${pad2(targetMonth)}-${pad2(Math.min(day, daysInMonth(targetYear, targetMonth)))}`;
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** Today's calendar date in China Standard Time (UTC+8), the zone every agency works in. */
export function chinaToday(now: Date): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** An instant in China time with its offset, e.g. 2026-03-05T16:00:00.000+08:00 (China keeps no daylight saving). */
export function inChinaTime(instant: Date): string {
  return `${new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, -1)}+08:00`;
}

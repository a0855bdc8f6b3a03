/** China Standard Time (UTC+8, no daylight saving): what a time without a zone from an agency means. */
const CHINA_OFFSET_MS = 8 * 3600_000;
/** Below this a number is epoch seconds (until the year 5138), at or above it epoch milliseconds (after 1973). */
const EPOCH_MS_FLOOR = 1e11;

const WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const CHINA_LOCAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const DIGITS = /^\d{9,16}$/;

export const CHANGE_TIME_FORMS = 'an ISO 8601 time with its zone, a China-time "YYYY-MM-DD[ HH:mm[:ss]]", or epoch seconds or milliseconds';

/**
 * A record's last-change time as agencies send it, in epoch milliseconds; NaN when it is none of
 * CHANGE_TIME_FORMS. A time without a zone is China Standard Time, whatever the hub machine's own
 * zone: read as the machine's zone, a watermark could run eight hours ahead and skip records.
 */
export function parseChangeTime(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? (value < EPOCH_MS_FLOOR ? value * 1000 : value) : Number.NaN;
  if (typeof value !== 'string') return Number.NaN;
  const text = value.trim();
  if (DIGITS.test(text)) return parseChangeTime(Number(text));
  if (WITH_ZONE.test(text)) return Date.parse(text);
  const local = CHINA_LOCAL.exec(text);
  if (!local) return Number.NaN;
  const [year, month, day, hour, minute, second] = local.slice(1, 7).map((part: string | undefined) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = local[7] ?? '';
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const back = new Date(utc);
  // Date.UTC rolls 2024-02-30 over into March; an impossible time is no time.
  const real =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return real ? utc - CHINA_OFFSET_MS : Number.NaN;
}

type SinceFormat = 'iso' | 'china-local' | 'epoch-ms';

/**
 * The time `updated_since` asks from, in epoch milliseconds: the watermark cut to what the form can
 * say (China time is sent to the second, so never ahead of the watermark) and, for an API that reads
 * it as exclusive ("after"), one unit of the form earlier, so records at the watermark's own time
 * come again (as unchanged no-ops) rather than being skipped.
 */
export function sinceSentMs(watermark: string, form: SinceFormat, inclusive = true): number {
  const ms = Date.parse(watermark);
  const unit = form === 'china-local' ? 1000 : 1;
  return Math.floor(ms / unit) * unit - (inclusive ? 0 : unit);
}

/** The `updated_since` value in the form the agency API expects, from the stored ISO watermark. */
export function formatSince(watermark: string, form: SinceFormat, inclusive = true): string {
  const ms = sinceSentMs(watermark, form, inclusive);
  if (form === 'epoch-ms') return String(ms);
  if (form === 'iso') return inclusive ? watermark : new Date(ms).toISOString();
  return new Date(ms + CHINA_OFFSET_MS)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

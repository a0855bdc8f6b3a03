import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { inChinaTime, parseCalendarDate } from '../ingestion/dates.js';
import { isIdentityNumberNotUscc, maskIdentityNumber, normalizeIdentifier } from '../ingestion/identifiers.js';
import { badInput } from './errors.js';

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const DECIMAL_SHAPE = /^\d{1,18}(\.\d{1,6})?$/;

function stringLiteral(name: string, ast: ValueNode): string {
  if (ast.kind !== Kind.STRING) throw badInput(`${name} must be given as a string`);
  return ast.value;
}

function scalar(name: string, description: string, parse: (value: string) => string): GraphQLScalarType<string, string> {
  const parseInput = (value: unknown): string => {
    if (typeof value !== 'string') throw badInput(`${name} must be a string, got ${typeof value}`);
    return parse(value);
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => String(value),
    parseValue: parseInput,
    parseLiteral: (ast) => parseInput(stringLiteral(name, ast)),
  });
}

/**
 * The shape is checked here; the check digit is not, so that pilot-era codes stay queryable.
 * A lookup that finds nothing reports a failing check digit in its message.
 */
export const UsccScalar = scalar('USCC', 'A 统一社会信用代码 (GB 32100-2015).', (value) => {
  const normalized = normalizeIdentifier(value);
  if (!USCC_SHAPE.test(normalized)) {
    throw badInput(`USCC "${value.slice(0, 40)}" must be 18 characters from 0-9 and A-Y without I, O, S, V, Z`, { field: 'uscc', rule: 'USCC_FORMAT' });
  }
  // A person's identity number never passes as a USCC: it would be echoed in answers and noted in plain in the audit log.
  if (isIdentityNumberNotUscc(normalized)) {
    throw badInput(`USCC "${maskIdentityNumber(normalized)}" is a resident identity number, not a 统一社会信用代码: identity numbers are not accepted here`, {
      field: 'uscc',
      rule: 'IDENTITY_NUMBER',
    });
  }
  return normalized;
});

export const DateScalar = scalar('Date', 'A calendar date, YYYY-MM-DD.', (value) => {
  const verdict = parseCalendarDate(value);
  if (!verdict.ok) throw badInput(`Date "${value.slice(0, 40)}" ${verdict.message}`, { rule: 'DATE' });
  return verdict.date;
});

/** ISO 8601 with a time and its offset: 2024-06-01T12:00:00Z, 2024-06-01T20:00:00.000+08:00. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
/** The instants a DateTime may name: years 1900 to 9999 (UTC), which PostgreSQL and every client represent alike. */
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(10000, 0, 1) - 1;

/** A real calendar day and time of day: Date.parse would roll 2024-02-30 over to March 1st. */
function isRealDateTime([, year, month, day, hour]: RegExpExecArray): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day) && Number(hour) <= 23;
}

function parseDateTime(value: string): Date {
  const shown = JSON.stringify(value.slice(0, 40));
  const match = ISO_DATE_TIME.exec(value);
  const instant = match && isRealDateTime(match) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) throw badInput(`DateTime ${shown} is not an ISO 8601 time with its offset, e.g. 2024-06-01T12:00:00Z`, { rule: 'DATETIME' });
  if (instant < EARLIEST || instant > LATEST) throw badInput(`DateTime ${shown} is outside the years 1900 to 9999`, { rule: 'DATETIME_RANGE' });
  return new Date(instant);
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'A point in time, ISO 8601. Answers are in China time with their offset (2026-03-05T16:00:00.000+08:00); arguments may use any offset.',
  serialize: (value) => inChinaTime(value instanceof Date ? value : new Date(String(value))),
  parseValue: (value) => {
    if (typeof value !== 'string') throw badInput(`DateTime must be a string, got ${typeof value}`, { rule: 'DATETIME' });
    return parseDateTime(value);
  },
  parseLiteral: (ast) => parseDateTime(stringLiteral('DateTime', ast)),
});

export const DecimalScalar = scalar('Decimal', 'An exact decimal number as a string.', (value) => {
  if (!DECIMAL_SHAPE.test(value)) throw badInput(`Decimal "${value.slice(0, 40)}" must be digits with at most 6 decimal places`);
  return value;
});

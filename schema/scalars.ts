import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseCalendarDate } from '../ingestion/dates.js';
import { normalizeIdentifier } from '../ingestion/identifiers.js';
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
  return normalized;
});

export const DateScalar = scalar('Date', 'A calendar date, YYYY-MM-DD.', (value) => {
  const verdict = parseCalendarDate(value);
  if (!verdict.ok) throw badInput(`Date "${value.slice(0, 40)}" ${verdict.message}`, { rule: 'DATE' });
  return verdict.date;
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'A point in time, ISO 8601.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw badInput(`DateTime "${String(value).slice(0, 40)}" is not an ISO 8601 timestamp`);
    return date;
  },
});

export const DecimalScalar = scalar('Decimal', 'An exact decimal number as a string.', (value) => {
  if (!DECIMAL_SHAPE.test(value)) throw badInput(`Decimal "${value.slice(0, 40)}" must be digits with at most 6 decimal places`);
  return value;
});

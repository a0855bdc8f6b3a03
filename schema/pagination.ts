import { parseCalendarDate } from '../ingestion/dates.js';
import { unstorableCharacter } from '../ingestion/text.js';
import { badInput } from './errors.js';

export const MAX_PAGE_SIZE = 100;

/** Validates a Relay `first` argument: 1 to `max` (MAX_PAGE_SIZE unless a list allows more). */
export function pageSize(first: number | null | undefined, defaultSize = 20, max = MAX_PAGE_SIZE): number {
  const size = first ?? defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badInput(`first must be between 1 and ${max} (got ${size})`, { field: 'first', rule: 'PAGE_SIZE' });
  }
  return size;
}

/** Opaque cursor: base64url of a JSON tuple holding the keyset position. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor of the expected shape, or throws BAD_USER_INPUT naming the argument. */
export function decodeCursor<T extends readonly unknown[]>(cursor: string | null | undefined, isShape: (value: unknown) => value is T): T | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isShape(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw badInput('after is not a cursor this list returned', { field: 'after', rule: 'CURSOR' });
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export interface Connection<T> extends Page<T> {
  totalCount: () => Promise<number>;
}

/** One page of a Relay connection, for lists that have no total (the audit log, the change feed). */
export function toPage<T>(rows: readonly T[], hasMore: boolean, cursorOf: (row: T) => string): Page<T> {
  const edges = rows.map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: hasMore, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Builds a Relay connection from one page; `totalCount` runs its query only when a client asks. */
export function toConnection<T>(rows: readonly T[], hasMore: boolean, cursorOf: (row: T) => string, count: () => Promise<number>): Connection<T> {
  return { ...toPage(rows, hasMore, cursorOf), totalCount: count };
}

// A decoded cursor is client input: each shape below holds only values its query can bind.

/** A row id or sequence number: every one is a bigint column, and the hub hands out safe integers from 0. */
const isRowNumber = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A date that exists, written as the hub writes it (YYYY-MM-DD, years 1900–2999). */
const isCalendarDate = (value: unknown): value is string => typeof value === 'string' && parseCalendarDate(value).ok && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** Text PostgreSQL can compare: no NUL, other control character or unpaired surrogate. */
const isStorableText = (value: unknown): value is string => typeof value === 'string' && unstorableCharacter(value) === undefined;

/** PostgreSQL's transaction ids (xid8) as the change feed compares them: 0 to 2^63-1, digits only. */
const MAX_TRANSACTION_ID = 2n ** 63n - 1n;
const isTransactionId = (value: unknown): value is string => typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_TRANSACTION_ID;

/** Records: [event date, id]. */
export const isDateIdTuple = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && isCalendarDate(value[0]) && isRowNumber(value[1]);

/** Subjects: [name, USCC]. */
export const isStringPair = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && isStorableText(value[0]) && isStorableText(value[1]);

/** Agency logs and the audit log: [id or seq]. */
export const isNumberTuple = (value: unknown): value is [number] => Array.isArray(value) && value.length === 1 && isRowNumber(value[0]);

/** The change feed: [transaction id as digits, seq]. */
export const isFeedCursor = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && isTransactionId(value[0]) && isRowNumber(value[1]);

/** The largest id the hub hands out is a safe integer; longer digit strings are no id of its. */
const ID_DIGITS = /^[1-9]\d{0,15}$/;

/**
 * A numeric ID argument (records, quarantine entries, authorisations): digits only, from 1, a safe
 * integer. Anything else is BAD_USER_INPUT naming the argument (`field`, e.g. input.recordId), e.g. `record id "abc" is not a hub record id`.
 */
export function parseId(id: string, noun = 'id', field = 'id'): number {
  const value = Number(id);
  if (!ID_DIGITS.test(id) || !Number.isSafeInteger(value))
    throw badInput(`${noun} ${JSON.stringify(id.slice(0, 40))} is not a hub ${noun}`, { field, rule: 'ID' });
  return value;
}

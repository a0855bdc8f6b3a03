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

export const isDateIdTuple = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value[0]) && Number.isSafeInteger(value[1]);

export const isStringPair = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';

export const isNumberTuple = (value: unknown): value is [number] => Array.isArray(value) && value.length === 1 && Number.isSafeInteger(value[0]);

/** A numeric ID argument (records, quarantine entries, authorisations), or BAD_USER_INPUT naming it. */
export function parseId(id: string): number {
  const value = Number(id);
  if (!Number.isSafeInteger(value) || value < 1) throw badInput(`id "${id.slice(0, 40)}" is not a valid id`, { field: 'id', rule: 'ID' });
  return value;
}

import type { HttpJsonSourceConfig } from '../../config/hub-config.js';
import { formatSince } from './change-time.js';

/** Where the next page of a run starts. */
export interface PagePosition {
  /** The `updated_since` sent (inclusive); undefined on a source's first run. */
  readonly since: string | undefined;
  /** Cursor paging: the agency's cursor for the next page. */
  readonly cursor: string | null;
  /** Offset and page paging: records of the `since` query already read. */
  readonly offset: number;
}

/** What a run learnt from the page it just read. */
export interface PageOutcome {
  /** Records the agency sent on the page. */
  readonly rows: number;
  /** The latest change time stored so far (the watermark the page saved). */
  readonly latest: string | undefined;
  /** Cursor paging: the cursor the page pointed to, null on the last page. */
  readonly nextCursor: string | null;
}

export const firstPosition = (since: string | undefined): PagePosition => ({ since, cursor: null, offset: 0 });

export function pageQuery(source: HttpJsonSourceConfig, position: PagePosition): Record<string, string> {
  const { params } = source;
  const query: Record<string, string> = { [params.pageSize]: String(source.pageSize) };
  if (position.since) query[params.updatedSince] = formatSince(position.since, source.sinceFormat);
  if (source.paging === 'cursor' && position.cursor) query[params.cursor] = position.cursor;
  if (source.paging === 'offset') query[params.offset] = String(position.offset);
  // The offset is always a whole number of pages: a run goes on from a full page only.
  if (source.paging === 'page') query[params.page] = String(source.firstPage + position.offset / source.pageSize);
  return query;
}

/**
 * The next page's position, or null when the run has read everything.
 *
 * Cursor paging follows the agency's cursor through one query. Offset and page paging do not walk
 * deep offsets of one query: a record that changes mid-run moves to the end of that query's order
 * and shifts every later record one place forward, so the next offset would skip one. Instead, once
 * a page moves the watermark, the next page asks again from that watermark at offset 0; only while
 * many records share one change time (a page that does not move the watermark) does the offset grow.
 * Records read twice are unchanged no-ops.
 */
export function nextPosition(source: HttpJsonSourceConfig, position: PagePosition, page: PageOutcome): PagePosition | null {
  if (source.paging === 'cursor') return page.nextCursor ? { ...position, cursor: page.nextCursor } : null;
  if (page.rows < source.pageSize) return null;
  if (page.latest !== position.since) return firstPosition(page.latest);
  return { ...position, offset: position.offset + page.rows };
}

/**
 * Offset and page paging rely on the agency filtering by `updated_since` and ordering by change
 * time, ascending: otherwise restarting from the watermark would skip or repeat records forever.
 * A page that breaks either rule stops the run with the reason.
 */
export function changeOrderCheck(source: HttpJsonSourceConfig, since: string | undefined): (changedAt: number) => void {
  if (source.paging === 'cursor') return () => undefined;
  const floor = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
  let previous = floor;
  return (changedAt) => {
    if (changedAt < floor) {
      throw new Error(`agency API sent a record with ${source.updatedAtField} ${new Date(changedAt).toISOString()}, before ${source.params.updatedSince}=${since}: ${source.paging} paging needs the API to filter by it`);
    }
    if (changedAt < previous) {
      throw new Error(`agency API sent records out of ${source.updatedAtField} order (${new Date(changedAt).toISOString()} after ${new Date(previous).toISOString()}): ${source.paging} paging needs them in ascending order`);
    }
    previous = changedAt;
  };
}

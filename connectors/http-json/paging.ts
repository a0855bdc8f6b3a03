import type { HttpJsonSourceConfig } from './config.js';
import { ConnectorFailure } from '../types.js';
import { formatSince, sinceSentMs } from './change-time.js';
import type { PageSummary } from './fetch-page.js';

/** Where the next page of a run starts. */
export interface PagePosition {
  /** The watermark the query asks from (see `sinceInclusive`); undefined on a source's first run. */
  readonly since: string | undefined;
  /** Cursor paging: the agency's cursor for the next page. */
  readonly cursor: string | null;
  /** Records of the `since` query already read (offset paging sends it). */
  readonly offset: number;
  /** Pages of the `since` query already read: page paging counts in the API's own page size, which may be smaller than asked. */
  readonly page: number;
  /** The size of the page before when it was shorter than asked and the API did not say whether more follow. */
  readonly shortPage: number | undefined;
  /** The first record of the page before in this query, to catch an API that ignores the offset or page number. */
  readonly previousFirst: string | undefined;
}

/** What a run learnt from the page it just read. */
export interface PageOutcome {
  /** Records the agency sent on the page. */
  readonly rows: number;
  /** The latest change time stored so far (the watermark the page saved). */
  readonly latest: string | undefined;
  /** The first record as sent (its JSON), undefined on an empty page. */
  readonly first: string | undefined;
  readonly summary: PageSummary;
}

/** Something about the paging worth an operator's eye that does not fail the run. */
export interface PagingWarning {
  readonly code: 'PAGE_LARGER_THAN_ASKED' | 'PAGE_SHORTER_THAN_ASKED' | 'TOTAL_DISAGREES' | 'PAGING_FIELD_MISSING';
  readonly message: string;
}

/** The next page's position (null when the run has read everything), and what the page was warned for. */
export interface PagingStep {
  readonly next: PagePosition | null;
  readonly warnings: readonly PagingWarning[];
}

export const firstPosition = (since: string | undefined): PagePosition => ({
  since,
  cursor: null,
  offset: 0,
  page: 0,
  shortPage: undefined,
  previousFirst: undefined,
});

/** The `updated_since` the query sends, as the API receives it. */
const sinceSent = (source: HttpJsonSourceConfig, since: string | undefined) =>
  since === undefined ? undefined : formatSince(since, source.sinceFormat, source.sinceInclusive);

export function pageQuery(source: HttpJsonSourceConfig, position: PagePosition): Record<string, string> {
  const { params } = source;
  const query: Record<string, string> = { [params.pageSize]: String(source.pageSize) };
  const since = sinceSent(source, position.since);
  if (since !== undefined) query[params.updatedSince] = since;
  if (source.paging === 'cursor' && position.cursor) query[params.cursor] = position.cursor;
  if (source.paging === 'offset') query[params.offset] = String(position.offset);
  if (source.paging === 'page') query[params.page] = String(source.firstPage + position.page);
  return query;
}

/** How messages name the query: its `updated_since`, or the first run's none. */
function queryName(source: HttpJsonSourceConfig, position: PagePosition): string {
  const since = sinceSent(source, position.since);
  return since === undefined ? `the query without ${source.params.updatedSince}` : `${source.params.updatedSince}=${since}`;
}

/**
 * What the API says of the records after this page (`response.total`, `response.hasMore`): more,
 * none, or undefined when it says nothing usable (not configured, not sent, or self-contradicting).
 */
function apiVerdict(
  source: HttpJsonSourceConfig,
  position: PagePosition,
  page: PageOutcome,
  warn: (warning: PagingWarning) => void,
): 'more' | 'end' | undefined {
  const { total, hasMore } = page.summary;
  const read = position.offset + page.rows;
  if (total === null)
    warn({ code: 'PAGING_FIELD_MISSING', message: `agency API sent no count at ${source.response.total ?? ''}: the end of data is found by an empty page` });
  if (hasMore === null)
    warn({
      code: 'PAGING_FIELD_MISSING',
      message: `agency API sent no true or false at ${source.response.hasMore ?? ''}: the end of data is found by an empty page`,
    });
  let byTotal: 'more' | 'end' | undefined = typeof total === 'number' ? (read < total ? 'more' : 'end') : undefined;
  if (typeof total === 'number' && read > total) {
    warn({
      code: 'TOTAL_DISAGREES',
      message: `agency API said ${total} records for ${queryName(source, position)} but sent ${read}: paging goes on to an empty page`,
    });
    byTotal = undefined;
  }
  const byFlag = typeof hasMore === 'boolean' ? (hasMore ? 'more' : 'end') : undefined;
  if (byTotal !== undefined && byFlag !== undefined && byTotal !== byFlag) {
    warn({
      code: 'TOTAL_DISAGREES',
      message: `agency API's total (${String(total)}, ${read} read) and has-more (${String(hasMore)}) disagree for ${queryName(source, position)}: paging goes on to an empty page`,
    });
    return undefined;
  }
  return byTotal ?? byFlag;
}

/**
 * The next page's position, or null when the run has read everything, with the page's warnings.
 *
 * Cursor paging follows the agency's cursor through one query until the cursor is null or absent.
 * Offset and page paging never take a short page for the last: an API may cap its pages below the
 * size asked. They end when the API says so (`response.total` reached, `response.hasMore` false) or,
 * without either, on an empty page. They do not walk deep offsets of one query: a record that
 * changes mid-run moves to the end of that query's order and shifts every later record one place
 * forward, so the next offset would skip one. Instead, once a page moves the watermark, the next
 * page asks again from that watermark at offset 0; only while records share one change time (a page
 * that does not move the watermark) does the offset grow. Records read twice are unchanged no-ops.
 */
export function nextPosition(source: HttpJsonSourceConfig, position: PagePosition, page: PageOutcome): PagingStep {
  const warnings: PagingWarning[] = [];
  const warn = (warning: PagingWarning) => warnings.push(warning);
  const asked = `${source.params.pageSize}=${source.pageSize}`;
  if (page.rows > source.pageSize) warn({ code: 'PAGE_LARGER_THAN_ASKED', message: `agency API sent ${page.rows} records for ${asked}` });
  if (source.paging === 'cursor') return { next: nextByCursor(source, position, page, warn), warnings };

  if (position.offset > 0 && page.first !== undefined && page.first === position.previousFirst) {
    const param = source.paging === 'offset' ? source.params.offset : source.params.page;
    throw new ConnectorFailure(
      'BAD_RESPONSE',
      `agency API sent the same page again for a later ${param}: ${source.paging} paging needs the API to honour ${param}`,
    );
  }
  const moved = page.latest !== position.since;
  if (position.shortPage !== undefined && page.rows >= position.shortPage && (moved || position.offset > 0)) {
    warn({
      code: 'PAGE_SHORTER_THAN_ASKED',
      message: `agency API sent ${position.shortPage} records for ${asked} and more followed: it seems to cap its pages (set pageSize to its limit, or configure response.total or response.hasMore)`,
    });
  }
  const verdict = apiVerdict(source, position, page, warn);
  if (page.rows === 0) {
    if (verdict === 'more')
      warn({
        code: 'TOTAL_DISAGREES',
        message: `agency API said more records follow for ${queryName(source, position)} after ${position.offset} but sent an empty page`,
      });
    return { next: null, warnings };
  }
  if (verdict === 'end') return { next: null, warnings };
  const shortPage = verdict === undefined && page.rows < source.pageSize ? page.rows : undefined;
  if (moved) return { next: { ...firstPosition(page.latest), shortPage }, warnings };
  return { next: { ...position, offset: position.offset + page.rows, page: position.page + 1, shortPage, previousFirst: page.first }, warnings };
}

/** Cursor paging's next position: the agency's cursor, or the end when it has none. */
function nextByCursor(source: HttpJsonSourceConfig, position: PagePosition, page: PageOutcome, warn: (warning: PagingWarning) => void): PagePosition | null {
  const read = position.offset + page.rows;
  const { nextCursor, total } = page.summary;
  if (nextCursor) return { ...position, cursor: nextCursor, offset: read };
  if (typeof total === 'number' && read < total)
    warn({ code: 'TOTAL_DISAGREES', message: `agency API said ${total} records for ${queryName(source, position)} but its cursor ended after ${read}` });
  if (total === null) warn({ code: 'PAGING_FIELD_MISSING', message: `agency API sent no count at ${source.response.total ?? ''}` });
  return null;
}

/**
 * Offset and page paging rely on the agency filtering by `updated_since` and ordering by change
 * time, ascending: otherwise restarting from the watermark would skip or repeat records forever.
 * A page that breaks either rule stops the run with the reason (BAD_RESPONSE).
 */
export function changeOrderCheck(source: HttpJsonSourceConfig, since: string | undefined): (changedAt: number) => void {
  if (source.paging === 'cursor') return () => undefined;
  const floor = since === undefined ? Number.NEGATIVE_INFINITY : sinceSentMs(since, source.sinceFormat, source.sinceInclusive);
  let previous = floor;
  return (changedAt) => {
    if (changedAt < floor) {
      throw new ConnectorFailure(
        'BAD_RESPONSE',
        `agency API sent a record with ${source.updatedAtField} ${new Date(changedAt).toISOString()}, before ${source.params.updatedSince}=${sinceSent(source, since) ?? ''}: ${source.paging} paging needs the API to filter by it`,
      );
    }
    if (changedAt < previous) {
      throw new ConnectorFailure(
        'BAD_RESPONSE',
        `agency API sent records out of ${source.updatedAtField} order (${new Date(changedAt).toISOString()} after ${new Date(previous).toISOString()}): ${source.paging} paging needs them in ascending order`,
      );
    }
    previous = changedAt;
  };
}

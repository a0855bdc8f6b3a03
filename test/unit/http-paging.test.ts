import { describe, expect, test } from '@jest/globals';
import type { HttpJsonSourceConfig } from '../../connectors/http-json/config.js';
import { ConnectorFailure } from '../../connectors/types.js';
import { defined } from '../support/answers.js';
import { parsedHttpJsonSource } from '../support/one-agency-config.js';
import { firstPosition, nextPosition, pageQuery, type PageOutcome, type PagePosition } from '../../connectors/http-json/paging.js';
import type { PageSummary } from '../../connectors/http-json/fetch-page.js';

function source(extra: Record<string, unknown>): HttpJsonSourceConfig {
  return parsedHttpJsonSource({ type: 'http-json', url: 'http://127.0.0.1:9/api', pageSize: 100, mapping: { kindColumn: 'kind' }, ...extra });
}

const W1 = '2024-05-01T08:00:00.000Z';
const W2 = '2024-05-01T09:00:00.000Z';
const noSummary: PageSummary = { nextCursor: null, total: undefined, hasMore: undefined };
const page = (rows: number, latest: string | undefined, summary: Partial<PageSummary> = {}, first = rows ? `first-${latest}` : undefined): PageOutcome => ({
  rows,
  latest,
  first,
  summary: { ...noSummary, ...summary },
});
const next = (s: HttpJsonSourceConfig, position: PagePosition, outcome: PageOutcome) => nextPosition(s, position, outcome).next;
const codes = (s: HttpJsonSourceConfig, position: PagePosition, outcome: PageOutcome) => nextPosition(s, position, outcome).warnings.map((w) => w.code);

describe('http-json paging', () => {
  test('page numbers start at firstPage, count the pages of one query and use the configured parameter names', () => {
    const zeroBased = source({ paging: 'page', firstPage: 0, params: { page: 'pageNo', pageSize: 'rows', updatedSince: 'since' } });
    const second = defined(next(zeroBased, firstPosition(undefined), page(100, W1)), 'the next position');
    // Records sharing one time: the page did not move the watermark, so the next page of the same query.
    const third = defined(next(zeroBased, second, page(50, W1)), 'the next position');
    expect(pageQuery(zeroBased, firstPosition(undefined))).toEqual({ rows: '100', pageNo: '0' });
    expect(pageQuery(zeroBased, second)).toEqual({ rows: '100', pageNo: '0', since: W1 });
    // Counted in the API's own page size (50 here, below the 100 asked), not in records / pageSize.
    expect(pageQuery(zeroBased, third)).toEqual({ rows: '100', pageNo: '1', since: W1 });
  });

  test.each(['offset', 'page'] as const)('%s paging: a short page is not the end, an empty one is', (paging) => {
    const s = source({ paging });
    expect(next(s, firstPosition(undefined), page(99, W1))).toMatchObject({ since: W1, offset: 0, page: 0 });
    expect(next(s, firstPosition(W1), page(1, W1))).toMatchObject({ since: W1, offset: 1, page: 1 });
    expect(next(s, { ...firstPosition(W1), offset: 1, page: 1 }, page(0, W1))).toBeNull();
  });

  test('a cursor run ends when the cursor does, whatever the page size', () => {
    const cursor = source({});
    expect(next(cursor, firstPosition(undefined), page(3, W1, { nextCursor: 'x' }))).toMatchObject({ since: undefined, cursor: 'x' });
    expect(next(cursor, firstPosition(undefined), page(100, W1))).toBeNull();
  });

  test('response.total: paging ends once that many are read, goes on after a short page while more remain, and a total that disagrees warns', () => {
    const s = source({ paging: 'offset', response: { records: 'records', total: 'total' } });
    // 500 of 3000 (an API that caps pages at 500): not the end, and no warning, the API said so.
    const afterCapped = nextPosition(s, firstPosition(undefined), page(50, W1, { total: 3000 }));
    expect(afterCapped).toEqual({ next: expect.objectContaining({ since: W1 }), warnings: [] });
    expect(next(s, firstPosition(W1), page(40, W2, { total: 40 }))).toBeNull();
    // More read than the total: warned, and the end is then found by an empty page.
    const over = nextPosition(s, firstPosition(W1), page(41, W2, { total: 40 }));
    expect(over.next).toMatchObject({ since: W2 });
    expect(over.warnings).toEqual([
      { code: 'TOTAL_DISAGREES', message: `agency API said 40 records for updated_since=${W1} but sent 41: paging goes on to an empty page` },
    ]);
    // An empty page while the total says more remain: the end, warned.
    const short = nextPosition(s, { ...firstPosition(W1), offset: 10, page: 1 }, page(0, W1, { total: 30 }));
    expect(short).toEqual({
      next: null,
      warnings: [{ code: 'TOTAL_DISAGREES', message: `agency API said more records follow for updated_since=${W1} after 10 but sent an empty page` }],
    });
    // Configured but not sent: warned, paging goes on to an empty page.
    expect(codes(s, firstPosition(W1), page(5, W2, { total: null }))).toEqual(['PAGING_FIELD_MISSING']);
    expect(next(s, firstPosition(W1), page(5, W2, { total: null }))).toMatchObject({ since: W2 });
  });

  test('response.hasMore: false ends paging, true goes on after a short page', () => {
    const s = source({ paging: 'page', response: { records: 'records', hasMore: 'has_more' } });
    expect(next(s, firstPosition(W1), page(30, W2, { hasMore: false }))).toBeNull();
    expect(nextPosition(s, firstPosition(W1), page(30, W2, { hasMore: true }))).toEqual({ next: expect.objectContaining({ since: W2 }), warnings: [] });
  });

  test('a page larger than asked warns; a short page followed by as long a one warns that the API caps its pages', () => {
    const s = source({ paging: 'offset' });
    expect(codes(s, firstPosition(undefined), page(150, W1))).toEqual(['PAGE_LARGER_THAN_ASKED']);
    const afterShort = defined(next(s, firstPosition(undefined), page(50, W1)), 'the next position');
    expect(afterShort.shortPage).toBe(50);
    expect(nextPosition(s, afterShort, page(50, W2)).warnings).toEqual([
      {
        code: 'PAGE_SHORTER_THAN_ASKED',
        message:
          'agency API sent 50 records for page_size=100 and more followed: it seems to cap its pages (set pageSize to its limit, or configure response.total or response.hasMore)',
      },
    ]);
    // The page at the watermark read again (one record) after the last page of data is no sign of a cap.
    expect(codes(s, { ...firstPosition(W2), shortPage: 20 }, page(1, W2))).toEqual([]);
  });

  test('an API that sends the same page again for a later offset stops the run (it would never end)', () => {
    const s = source({ paging: 'offset' });
    const second = defined(next(s, firstPosition(W1), page(100, W1, {}, 'same')), 'the next position');
    expect(() => nextPosition(s, second, page(100, W1, {}, 'same'))).toThrow(
      new ConnectorFailure('BAD_RESPONSE', 'agency API sent the same page again for a later offset: offset paging needs the API to honour offset'),
    );
  });

  test('an exclusive updated_since is asked from one unit of its form before the watermark', () => {
    const watermark = '2024-05-01T08:00:00.750Z';
    const query = (sinceFormat: string) => pageQuery(source({ sinceInclusive: false, sinceFormat }), firstPosition(watermark))['updated_since'];
    expect(query('iso')).toBe('2024-05-01T08:00:00.749Z');
    expect(query('epoch-ms')).toBe(String(Date.parse(watermark) - 1));
    // China time is cut to the second first: 16:00:00.750 is asked as after 15:59:59.
    expect(query('china-local')).toBe('2024-05-01 15:59:59');
    expect(pageQuery(source({ sinceFormat: 'china-local' }), firstPosition(watermark))['updated_since']).toBe('2024-05-01 16:00:00');
  });

  test('a bare-array body needs offset or page paging: it has nowhere to keep a cursor', () => {
    expect(() => source({ response: { records: '' } })).toThrow('a body that is a bare array has no cursor: set paging to offset or page');
    expect(() => source({ response: { records: 'data..list' } })).toThrow('must be a field name or a dotted path such as data.list');
    expect(() => source({ response: { records: 'list', total: 'data..total' } })).toThrow('must be a field name or a dotted path such as data.total');
    expect(source({ paging: 'offset', response: { records: '' } }).response).toEqual({ records: '', nextCursor: 'next_cursor' });
  });
});

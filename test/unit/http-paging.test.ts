import { describe, expect, test } from '@jest/globals';
import { hubConfigSchema, type HttpJsonSourceConfig } from '../../config/hub-config.js';
import { AUTHORITY_USCC } from '../support/records.js';
import { firstPosition, nextPosition, pageQuery } from '../../connectors/http-json/paging.js';

function source(extra: Record<string, unknown>): HttpJsonSourceConfig {
  const parsed = hubConfigSchema.parse({
    hub: { id: 'hub-test', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC, sources: [{ type: 'http-json', url: 'http://127.0.0.1:9/api', pageSize: 100, mapping: { kindColumn: 'kind' }, ...extra }] }],
  }).agencies[0]!.sources[0]!;
  if (parsed.type !== 'http-json') throw new Error('unreachable');
  return parsed;
}

describe('http-json paging', () => {
  test('page numbers start at firstPage and use the configured parameter names', () => {
    const zeroBased = source({ paging: 'page', firstPage: 0, params: { page: 'pageNo', pageSize: 'rows', updatedSince: 'since' } });
    const full = { rows: 100, latest: '2024-05-01T08:00:00.000Z', nextCursor: null };
    const second = nextPosition(zeroBased, nextPosition(zeroBased, firstPosition(undefined), full)!, full)!;
    expect(pageQuery(zeroBased, firstPosition(undefined))).toEqual({ rows: '100', pageNo: '0' });
    expect(pageQuery(zeroBased, second)).toEqual({ rows: '100', pageNo: '1', since: '2024-05-01T08:00:00.000Z' });
  });

  test('a short page ends an offset run; a cursor run ends when the cursor does, whatever the page size', () => {
    const offset = source({ paging: 'offset' });
    expect(nextPosition(offset, firstPosition(undefined), { rows: 99, latest: undefined, nextCursor: 'x' })).toBeNull();
    const cursor = source({});
    expect(nextPosition(cursor, firstPosition(undefined), { rows: 3, latest: undefined, nextCursor: 'x' })).toEqual({ since: undefined, cursor: 'x', offset: 0 });
    expect(nextPosition(cursor, firstPosition(undefined), { rows: 100, latest: undefined, nextCursor: null })).toBeNull();
  });

  test('a bare-array body needs offset or page paging: it has nowhere to keep a cursor', () => {
    expect(() => source({ response: { records: '' } })).toThrow('a body that is a bare array has no cursor: set paging to offset or page');
    expect(() => source({ response: { records: 'data..list' } })).toThrow('must be a field name or a dotted path such as data.list');
    expect(source({ paging: 'offset', response: { records: '' } }).response).toEqual({ records: '', nextCursor: 'next_cursor' });
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mappingSchema } from '../../connectors/mapping-schema.js';
import { createFileDropConnector } from '../../connectors/file-drop/index.js';
import { createHttpJsonConnector } from '../../connectors/http-json/index.js';
import { ConnectorFailure, type RunFailureReason, type RunReport } from '../../connectors/types.js';
import { readWatermark } from '../../store/connector-state.js';
import { startAgencyApi, type AgencyApi, type Fault } from '../support/agency-api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerTestAgencies, testConnectorDeps } from '../support/ingestion.js';
import { parsedHttpJsonSource } from '../support/one-agency-config.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';

let database: TestDatabase;
let api: AgencyApi;

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
});
afterAll(async () => database.dispose());
beforeEach(async () => {
  api = await startAgencyApi();
});
afterEach(async () => api.close());

function apiRecord(n: number, updatedAt: string) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 40_000 + n), CF_WSH: `沪罚〔2024〕Q${n}号` }, `Q${n}`);
  return { kind: 'PENALTY', id: `Q${n}`, updated_at: updatedAt, ...fields };
}

/** `count` records from `from`, three to a second (so pages end inside groups sharing one time). */
function seed(from: number, count: number) {
  for (let n = from; n < from + count; n++) api.records.set(`Q${n}`, apiRecord(n, new Date(Date.UTC(2024, 4, 1, 8) + Math.floor(n / 3) * 1000).toISOString()));
}

function connector(name: string, options: Record<string, unknown> = {}) {
  const source = parsedHttpJsonSource({
    type: 'http-json',
    url: api.url,
    pageSize: 10,
    retries: 0,
    timeoutMs: 5000,
    ...options,
    mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id' },
  });
  return createHttpJsonConnector('SH-SAMR', name, source, testConnectorDeps(database.db));
}

/** A RunReport that keeps what it is told, as the run log would. */
function recordingReport() {
  const kept = { pages: 0, warnings: [] as { code: string; message: string }[], watermarks: [] as [string | undefined, string | undefined][] };
  const report: RunReport = {
    pageRead: () => {
      kept.pages++;
    },
    warn: (code, message) => {
      kept.warnings.push({ code, message });
    },
    watermark: (before, after) => {
      kept.watermarks.push([before, after]);
    },
  };
  return { kept, report };
}

async function storedOf(from: number, count: number): Promise<number> {
  const ids = Array.from({ length: count }, (_, i) => `Q${from + i}`);
  const { stored } = await database.db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<string>().as('stored'))
    .where('source_record_id', 'in', ids)
    .executeTakeFirstOrThrow();
  return Number(stored);
}

describe('paging that cannot end early (issue 10)', () => {
  test('pageSize 1000 against an API capping pages at 500, page numbers: all 3000 records are stored, with a warning', async () => {
    api.paging = 'page';
    api.envelope = 'nested';
    api.maxPageSize = 500;
    seed(0, 3000);
    const { kept, report } = recordingReport();
    const response = { records: 'data.list', nextCursor: 'data.next' };
    // The old hub took the first 500-record page for the last and stored 500.
    expect(await connector('capped', { paging: 'page', pageSize: 1000, response }).run(report)).toMatchObject({ inserted: 3000, rejected: 0 });
    expect(await storedOf(0, 3000)).toBe(3000);
    expect(kept.warnings).toEqual([
      {
        code: 'PAGE_SHORTER_THAN_ASKED',
        message:
          'agency API sent 500 records for page_size=1000 and more followed: it seems to cap its pages (set pageSize to its limit, or configure response.total or response.hasMore)',
      },
    ]);
    expect(kept.pages).toBe(api.requests.length);
    expect(kept.watermarks).toEqual([[undefined, '2024-05-01T08:16:39.000Z']]);
    expect(api.requests.at(-1)?.get('page')).toBe('2');
  });

  test.each<[string, 'page' | 'offset', Record<string, string>, number]>([
    ['response.total', 'page', { total: 'data.total' }, 10_000],
    ['response.hasMore', 'offset', { hasMore: 'data.hasNext' }, 20_000],
  ])('with %s the same capped API is read whole without a warning, and the API’s word ends the run', async (_label, paging, paths, from) => {
    api.paging = paging;
    api.envelope = 'nested';
    api.maxPageSize = 500;
    seed(from, 3000);
    const { kept, report } = recordingReport();
    const response = { records: 'data.list', nextCursor: 'data.next', ...paths };
    expect(await connector(`capped-${paging}`, { paging, pageSize: 1000, response }).run(report)).toMatchObject({ inserted: 3000, rejected: 0 });
    expect(await storedOf(from, 3000)).toBe(3000);
    expect(kept.warnings).toEqual([]);
    // No empty page was needed: the last page asked for is the one at the final watermark, offset 0.
    expect(api.requests.at(-1)?.get(paging)).toBe(paging === 'page' ? '1' : '0');
  });

  test('a total that disagrees with what was read is a warning on the run; the records are all stored', async () => {
    api.paging = 'offset';
    const response = { records: 'records', total: 'total' };
    seed(6000, 25);
    api.totalSkew = 5;
    const low = recordingReport();
    expect(await connector('total-high', { paging: 'offset', response }).run(low.report)).toMatchObject({ inserted: 25 });
    expect(low.kept.warnings).toEqual([
      {
        code: 'TOTAL_DISAGREES',
        message: expect.stringMatching(/^agency API said more records follow for updated_since=2024-05-01T08:33:28.000Z after \d+ but sent an empty page$/),
      },
    ]);

    seed(6100, 25);
    api.totalSkew = -5;
    const high = recordingReport();
    expect(await connector('total-low', { paging: 'offset', response }).run(high.report)).toMatchObject({ inserted: 25 });
    expect(await storedOf(6100, 25)).toBe(25);
    expect(high.kept.warnings).toEqual([
      { code: 'TOTAL_DISAGREES', message: expect.stringMatching(/^agency API said \d+ records for .* but sent \d+: paging goes on to an empty page$/) },
    ]);
  });

  test('a page larger than asked is a warning on the run', async () => {
    api.paging = 'offset';
    api.fixedPageSize = 15;
    seed(6200, 25);
    const { kept, report } = recordingReport();
    expect(await connector('too-large', { paging: 'offset', pageSize: 10 }).run(report)).toMatchObject({ inserted: 25 });
    expect(kept.warnings).toEqual([{ code: 'PAGE_LARGER_THAN_ASKED', message: 'agency API sent 15 records for page_size=10' }]);
  });

  describe.each<['iso' | 'china-local', (minute: number) => string]>([
    ['iso', (minute) => new Date(Date.UTC(2024, 4, 1, 9) + minute * 60_000).toISOString()],
    ['china-local', (minute) => `2024-05-01 17:${String(minute).padStart(2, '0')}:00`],
  ])('an exclusive updated_since (%s)', (sinceFormat, time) => {
    /** 8 records at minute 1, then 6 sharing minute 2: the first page of 10 ends inside that group. */
    function seedGroup(from: number) {
      for (let n = 0; n < 14; n++) api.records.set(`Q${from + n}`, apiRecord(from + n, time(n < 8 ? 1 : 2)));
    }

    beforeEach(() => {
      api.paging = 'offset';
      api.exclusiveSince = true;
    });

    test('with sinceInclusive false no record sharing the watermark’s time is lost across a page boundary; the overlap is unchanged no-ops', async () => {
      const from = sinceFormat === 'iso' ? 7000 : 7100;
      seedGroup(from);
      expect(await connector(`exclusive-${sinceFormat}`, { paging: 'offset', sinceFormat, sinceInclusive: false }).run()).toMatchObject({
        inserted: 14,
        rejected: 0,
      });
      expect(await storedOf(from, 14)).toBe(14);
      const sent = sinceFormat === 'iso' ? new Date(Date.parse(time(2)) - 1).toISOString() : '2024-05-01 17:01:59';
      expect(api.requests[1]?.get('updated_since')).toBe(sent);
      // A record that changes later at the same minute as the watermark is still seen by the next run.
      api.records.set(`Q${from + 13}`, { ...apiRecord(from + 13, time(2)), CF_NR_FK: '7' });
      expect(await connector(`exclusive-${sinceFormat}`, { paging: 'offset', sinceFormat, sinceInclusive: false }).run()).toMatchObject({
        updated: 1,
        inserted: 0,
      });
    });

    test('read as inclusive, the same API loses the rest of the group (why the setting exists)', async () => {
      const from = sinceFormat === 'iso' ? 7200 : 7300;
      seedGroup(from);
      expect(await connector(`inclusive-${sinceFormat}`, { paging: 'offset', sinceFormat }).run()).toMatchObject({ inserted: 10 });
      expect(await storedOf(from, 14)).toBe(10);
    });
  });
});

describe('typed failure reasons', () => {
  /** The run's failure reason, or a description of what else it did (a string that is no RunFailureReason). */
  const reasonOf = async (run: Promise<unknown>): Promise<string> => {
    const error: unknown = await run.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    return error instanceof ConnectorFailure ? error.reason : `not a ConnectorFailure: ${String(error)}`;
  };

  test.each<[string, RunFailureReason, Fault[], Record<string, unknown>?]>([
    ['5xx after the retries', 'UPSTREAM_UNAVAILABLE', [{ status: 503 }, { status: 500 }], { retries: 1 }],
    ['429 after the retries', 'UPSTREAM_UNAVAILABLE', [{ status: 429, retryAfter: '0' }]],
    ['no answer after the retries', 'UPSTREAM_TIMEOUT', [{ hang: true }, { hang: true }], { retries: 1, timeoutMs: 200 }],
    ['a body that stops coming mid-page', 'UPSTREAM_TIMEOUT', [{ stall: true }], { timeoutMs: 300 }],
    [
      'an error code in the body',
      'UPSTREAM_ERROR_CODE',
      [{ businessError: { code: 500, msg: '系统繁忙' } }],
      { response: { records: 'data.list', nextCursor: 'data.next', status: { field: 'code', ok: ['0'] } } },
    ],
    ['401', 'UNAUTHORIZED', [{ status: 401 }]],
    ['403', 'UNAUTHORIZED', [{ status: 403 }]],
    ['404', 'BAD_RESPONSE', [{ status: 404 }]],
    ['a body that is not JSON', 'BAD_RESPONSE', [{ notJson: true }]],
    ['a body cut short mid-JSON', 'INCOMPLETE_PAGE', [{ malformed: true }]],
    ['a connection dropped mid-body', 'INCOMPLETE_PAGE', [{ cutOff: true }]],
  ])('%s fails the run as %s', async (_label, reason, faults, options = {}) => {
    seed(8000, 5);
    api.faults.push(...faults);
    expect(await reasonOf(connector('failing', options).run())).toBe(reason);
  });

  test('an API out of reach is UPSTREAM_UNAVAILABLE; one that sends records newest first is BAD_RESPONSE', async () => {
    const gone = connector('unreachable');
    await api.close();
    expect(await reasonOf(gone.run())).toBe('UPSTREAM_UNAVAILABLE');
    api = await startAgencyApi();
    api.paging = 'offset';
    api.newestFirst = true;
    seed(8100, 5);
    expect(await reasonOf(connector('unordered', { paging: 'offset' }).run())).toBe('BAD_RESPONSE');
  });

  test('a failed run still reports its pages and the watermark its stored pages left', async () => {
    seed(8200, 15);
    api.faults.push({ pass: true }, { status: 401 });
    const { kept, report } = recordingReport();
    expect(await reasonOf(connector('half', { paging: 'cursor' }).run(report))).toBe('UNAUTHORIZED');
    expect(kept.pages).toBe(1);
    expect(kept.watermarks).toEqual([[undefined, await readWatermark(database.db, 'SH-SAMR', 'half')]]);
    expect(kept.watermarks[0]?.[1]).toBeDefined();
  });

  test('file drop: an unreadable folder is SOURCE_UNREADABLE; each file read is a page', async () => {
    const mapping = mappingSchema.parse({ kindColumn: 'kind', sourceRecordIdColumn: 'id' });
    const deps = testConnectorDeps(database.db);
    const missing = createFileDropConnector(
      'SH-SAMR',
      'drop-missing',
      { type: 'file-drop', folder: join(tmpdir(), 'hub-no-such-folder'), afterRun: 'keep', encoding: 'utf-8', mapping },
      deps,
    );
    expect(await reasonOf(missing.run())).toBe('SOURCE_UNREADABLE');

    const folder = await mkdtemp(join(tmpdir(), 'hub-pages-'));
    try {
      await mkdir(folder, { recursive: true });
      const line = (n: number) => {
        const row: Record<string, unknown> = { ...apiRecord(n, '') };
        delete row.updated_at;
        return JSON.stringify(row);
      };
      await writeFile(join(folder, 'a.jsonl'), `${line(8300)}\n${line(8301)}\n`);
      await writeFile(join(folder, 'b.jsonl'), `${line(8302)}\n`);
      const { kept, report } = recordingReport();
      const drop = createFileDropConnector('SH-SAMR', 'drop-pages', { type: 'file-drop', folder, afterRun: 'keep', encoding: 'utf-8', mapping }, deps);
      expect(await drop.run(report)).toMatchObject({ inserted: 3, rejected: 0 });
      expect(kept.pages).toBe(2);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

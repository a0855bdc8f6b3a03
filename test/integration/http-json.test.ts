import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createHttpJsonConnector } from '../../connectors/http-json/index.js';
import { runConnector, RunsInProgress } from '../../jobs/run-connector.js';
import { readWatermark } from '../../store/connector-state.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerTestAgencies, testConnectorDeps } from '../support/ingestion.js';
import { parsedHttpJsonSource } from '../support/one-agency-config.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

let database: TestDatabase;
let api: AgencyApi;
const silent = testLogger();

beforeAll(async () => {
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
});
afterAll(async () => database.dispose());
beforeEach(async () => {
  api = await startAgencyApi();
  await database.db.deleteFrom('connector_state').execute();
});
afterEach(async () => api.close());

function apiRecord(n: number, updatedAt: string, fine = '1') {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 5000 + n), CF_WSH: `沪罚〔2024〕H${n}号`, CF_NR_FK: fine }, `H${n}`);
  return { kind: 'PENALTY', id: `H${n}`, updated_at: updatedAt, ...fields };
}

interface SourceOptions {
  timeoutMs?: number;
  pageSize?: number;
  paging?: 'cursor' | 'offset' | 'page';
  sinceFormat?: 'iso' | 'china-local' | 'epoch-ms';
  response?: { records: string; nextCursor?: string; status?: { field: string; ok: string[]; message?: string } };
}

function connector(name: string, retries = 3, options: SourceOptions = {}) {
  const { timeoutMs = 2000, pageSize = 10, ...rest } = options;
  const source = parsedHttpJsonSource({
    type: 'http-json',
    url: api.url,
    pageSize,
    retries,
    timeoutMs,
    ...rest,
    mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id' },
  });
  return createHttpJsonConnector('SH-SAMR', name, source, testConnectorDeps(database.db));
}

const stamp = (minute: number) => `2024-05-01T08:${String(minute).padStart(2, '0')}:00.000Z`;

describe('http-json connector', () => {
  test('a full sync reads every page; the next run asks only for changes since the watermark', async () => {
    for (let n = 0; n < 25; n++) api.records.set(`H${n}`, apiRecord(n, stamp(n)));
    const first = await connector('full').run();
    expect(first).toMatchObject({ batches: 3, received: 25, inserted: 25, rejected: 0 });
    expect(await readWatermark(database.db, 'SH-SAMR', 'full')).toBe(stamp(24));

    api.records.set('H3', apiRecord(3, stamp(30), '9'));
    api.records.set('H7', apiRecord(7, stamp(31), '9'));
    api.requests.length = 0;
    const second = await connector('full').run();
    expect(api.requests[0]?.get('updated_since')).toBe(stamp(24));
    // H24 again (the watermark is inclusive, so equal timestamps are never missed), H3 and H7 changed.
    expect(second).toMatchObject({ received: 3, updated: 2, unchanged: 1, inserted: 0 });
    expect(await readWatermark(database.db, 'SH-SAMR', 'full')).toBe(stamp(31));
  });

  test('a 500 and a 429 with Retry-After are retried; the run succeeds', async () => {
    for (let n = 30; n < 35; n++) api.records.set(`H${n}`, apiRecord(n, stamp(n)));
    api.faults.push({ status: 500 }, { status: 429, retryAfter: '1' });
    const started = Date.now();
    const totals = await connector('flaky').run();
    expect(totals).toMatchObject({ received: 5, rejected: 0 });
    expect(api.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test.each([
    ['a 401', { status: 401 } as const, /HTTP 401/],
    ['malformed JSON', { malformed: true } as const, /not valid JSON/],
  ])('%s fails the run at once, recorded with its reason', async (_label, fault, reason) => {
    api.records.set('H40', apiRecord(40, stamp(40)));
    api.faults.push(fault);
    expect(await runConnector({ db: database.db, logger: silent, unhealthyAfterFailures: 3, runs: new RunsInProgress() }, connector('broken'))).toMatchObject({
      ran: true,
      status: 'FAILED',
    });
    expect(api.requests).toHaveLength(1);
    const run = await database.db.selectFrom('connector_runs').selectAll().where('connector', '=', 'broken').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(reason);
  });

  test('a run that fails on page 2 keeps page 1 and its watermark; the next run resumes there', async () => {
    for (let n = 50; n < 65; n++) api.records.set(`H${n}`, apiRecord(n, stamp(n - 10)));
    api.faults.push({ pass: true }, { status: 401 });
    await expect(connector('resume', 0).run()).rejects.toThrow(/HTTP 401/);
    // Page 1 (H50..H59) is stored, and the watermark moved with it and no further.
    expect(await readWatermark(database.db, 'SH-SAMR', 'resume')).toBe(stamp(49));
    api.requests.length = 0;
    const resumed = await connector('resume').run();
    expect(api.requests[0]?.get('updated_since')).toBe(stamp(49));
    expect(resumed).toMatchObject({ received: 6, inserted: 5, unchanged: 1 });
  });

  test('an answer that hangs past the timeout is retried', async () => {
    for (let n = 0; n < 5; n++) api.records.set(`T${n}`, apiRecord(100 + n, stamp(n)));
    api.faults.push({ hang: true });
    const started = Date.now();
    expect(await connector('hang', 2, { timeoutMs: 300 }).run()).toMatchObject({ received: 5, inserted: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(api.requests).toHaveLength(2);
  });

  test('an empty page in the middle does not end the run', async () => {
    for (let n = 0; n < 25; n++) api.records.set(`E${n}`, apiRecord(200 + n, stamp(n)));
    api.faults.push({ pass: true }, { emptyPage: true });
    expect(await connector('empty').run()).toMatchObject({ received: 25, inserted: 25 });
    expect(api.requests).toHaveLength(4);
  });

  test('a record that changes between pages comes again on a later page; nothing is skipped, the store ends equal to the source', async () => {
    for (let n = 0; n < 25; n++) api.records.set(`C${n}`, apiRecord(300 + n, stamp(n)));
    api.beforePage = (request) => {
      if (request === 1) api.records.set('C3', apiRecord(303, stamp(40), '8'));
    };
    expect(await connector('moving').run()).toMatchObject({ received: 26, inserted: 25, updated: 1 });
    const fine = await database.db
      .selectFrom('records')
      .select((eb) => eb.ref('fields', '->>').key('CF_NR_FK').as('fine'))
      .where('document_no', '=', '沪罚〔2024〕H303号')
      .executeTakeFirstOrThrow();
    expect(fine.fine).toBe('8.000000');
    expect(await readWatermark(database.db, 'SH-SAMR', 'moving')).toBe(stamp(40));
  });

  test('a page whose records renamed a field is quarantined as schema drift; the other pages are stored', async () => {
    for (let n = 0; n < 25; n++) api.records.set(`D${n}`, apiRecord(400 + n, stamp(n)));
    api.faults.push({ pass: true }, { rename: { from: 'CF_WSH', to: '文书号' } });
    expect(await connector('drift').run()).toMatchObject({ received: 25, inserted: 15, rejected: 10 });
    const reasons = await database.db.selectFrom('quarantine').select('reasons').where('source_record_id', '=', 'H410').executeTakeFirstOrThrow();
    expect(reasons.reasons).toEqual([expect.objectContaining({ field: '文书号', rule: 'UNMAPPED_COLUMN' })]);
  });

  test('a huge page (over 8 MB) is parsed as it streams and written in several batches', async () => {
    const facts = '当事人在网站发布虚假广告，'.repeat(60);
    for (let n = 0; n < 9000; n++) api.records.set(`B${n}`, { ...apiRecord(10_000 + n, `2024-05-02T00:00:00.000Z`), CF_SY: facts });
    expect(await connector('huge', 0, { pageSize: 10_000 }).run()).toMatchObject({ batches: 5, received: 9000, inserted: 9000 });
    expect(api.requests).toHaveLength(1);
  });

  test('gzip-compressed answers are read, a small page whole and a huge one as it streams', async () => {
    api.gzip = true;
    const facts = '当事人在网站发布虚假广告，'.repeat(60);
    for (let n = 0; n < 9000; n++) api.records.set(`Z${n}`, { ...apiRecord(20_000 + n, stamp(n % 60)), CF_SY: facts });
    expect(await connector('gzip-small', 0, { pageSize: 100 }).run()).toMatchObject({ received: 9000, inserted: 9000, rejected: 0 });
    expect(await connector('gzip-huge', 0, { pageSize: 10_000 }).run()).toMatchObject({ received: 9000, unchanged: 9000 });
    expect(api.encodings.length).toBeGreaterThan(90);
    expect(new Set(api.encodings)).toEqual(new Set(['gzip']));
  });

  test('records and cursor under a dotted path (data.list, data.next) are read, from a page read whole and from one streamed', async () => {
    api.envelope = 'nested';
    const response = { records: 'data.list', nextCursor: 'data.next', status: { field: 'code', ok: ['0'], message: 'msg' } };
    for (let n = 0; n < 25; n++) api.records.set(`L${n}`, apiRecord(1500 + n, stamp(n)));
    expect(await connector('nested', 0, { response }).run()).toMatchObject({ received: 25, inserted: 25, rejected: 0 });
    expect(api.requests).toHaveLength(3);

    api.records.clear();
    const facts = '当事人在网站发布虚假广告，'.repeat(340);
    for (let n = 0; n < 700; n++) api.records.set(`L${n}`, { ...apiRecord(1600 + n, stamp(30)), CF_SY: facts });
    expect(await connector('nested-huge', 0, { response, pageSize: 1000 }).run()).toMatchObject({ received: 700, inserted: 700, rejected: 0 });
  });

  test('HTTP 200 with an error code in the body stops the run with the agency’s message; the pages before are kept', async () => {
    api.envelope = 'nested';
    const response = { records: 'data.list', nextCursor: 'data.next', status: { field: 'code', ok: ['0', '200'], message: 'msg' } };
    for (let n = 0; n < 15; n++) api.records.set(`K${n}`, apiRecord(2600 + n, stamp(n)));
    api.faults.push({ pass: true }, { businessError: { code: 500, msg: '系统繁忙，请稍后再试' } });
    await expect(connector('business-error', 0, { response }).run()).rejects.toThrow('agency API answered code=500: 系统繁忙，请稍后再试');
    expect(await readWatermark(database.db, 'SH-SAMR', 'business-error')).toBe(stamp(9));
    // Without a message field, the code alone.
    api.faults.push({ businessError: { code: 500, msg: '系统繁忙' } });
    await expect(connector('business-error', 0, { response: { ...response, status: { field: 'code', ok: ['0'] } } }).run()).rejects.toThrow(
      /^agency API answered code=500$/,
    );
    // Without the status field configured, the same answer is still refused, less precisely.
    api.faults.push({ businessError: { code: 500, msg: '系统繁忙' } });
    await expect(connector('business-error', 0, { response: { records: 'data.list', nextCursor: 'data.next' } }).run()).rejects.toThrow(
      'agency API response has no "data.list" array',
    );
  });

  test('a body that is a bare array, paged by page number, is read', async () => {
    api.envelope = 'bare';
    api.paging = 'page';
    for (let n = 0; n < 25; n++) api.records.set(`A${n}`, apiRecord(2400 + n, stamp(n)));
    // The last record comes a third time: the page at the watermark, before the empty page that ends the run.
    expect(await connector('bare', 0, { paging: 'page', response: { records: '' } }).run()).toMatchObject({ received: 28, inserted: 25, rejected: 0 });
  });

  test('change times in China time without a zone make a UTC watermark, sent back in China time', async () => {
    const chinaTime = (minute: number) => `2024-05-01 16:${String(minute).padStart(2, '0')}:00`;
    for (let n = 0; n < 15; n++) api.records.set(`T${n}`, apiRecord(2500 + n, chinaTime(n)));
    expect(await connector('china-time', 0, { sinceFormat: 'china-local' }).run()).toMatchObject({ received: 15, inserted: 15, rejected: 0 });
    expect(await readWatermark(database.db, 'SH-SAMR', 'china-time')).toBe(stamp(14));
    api.records.set('T3', apiRecord(2503, chinaTime(20), '9'));
    api.requests.length = 0;
    expect(await connector('china-time', 0, { sinceFormat: 'china-local' }).run()).toMatchObject({ received: 2, updated: 1, unchanged: 1 });
    expect(api.requests[0]?.get('updated_since')).toBe(chinaTime(14));
  });

  test('a body that breaks off mid-page fails the page; nothing of it moves the watermark', async () => {
    for (let n = 0; n < 5; n++) api.records.set(`M${n}`, apiRecord(500 + n, stamp(n)));
    api.faults.push({ malformed: true });
    await expect(connector('broken-body', 0).run()).rejects.toThrow(/not valid JSON/);
    expect(await readWatermark(database.db, 'SH-SAMR', 'broken-body')).toBeUndefined();
  });

  describe.each(['offset', 'page'] as const)('%s paging', (paging) => {
    const base = paging === 'offset' ? 600 : 1100;
    const pageParams = () => api.requests.map((q) => [q.get('updated_since'), q.get(paging)]);

    beforeEach(() => {
      api.paging = paging;
    });

    test('each page after the first asks again from the watermark the last page stored, not from a deeper offset', async () => {
      for (let n = 0; n < 25; n++) api.records.set(`P${n}`, apiRecord(base + n, stamp(n)));
      // Pages end at minutes 9, 18 and 24; the record at a page's watermark is read again (an unchanged
      // no-op), and the short page at 24 is not taken for the last: the next page of that query is empty.
      expect(await connector(`${paging}-full`, 0, { paging }).run()).toMatchObject({ received: 28, inserted: 25, unchanged: 3, rejected: 0 });
      const [first, second] = paging === 'offset' ? ['0', '1'] : ['1', '2'];
      expect(pageParams()).toEqual([
        [null, first],
        [stamp(9), first],
        [stamp(18), first],
        [stamp(24), first],
        [stamp(24), second],
      ]);
      expect(await readWatermark(database.db, 'SH-SAMR', `${paging}-full`)).toBe(stamp(24));
    });

    test('records sharing one change time are read by growing the offset', async () => {
      for (let n = 0; n < 25; n++) api.records.set(`S${n}`, apiRecord(base + 50 + n, stamp(5)));
      expect(await connector(`${paging}-same-time`, 0, { paging }).run()).toMatchObject({ received: 35, inserted: 25, unchanged: 10 });
      const expected = paging === 'offset' ? ['0', '0', '10', '20', '25'] : ['1', '1', '2', '3', '4'];
      expect(pageParams()).toEqual([[null, expected[0]], ...expected.slice(1).map((at) => [stamp(5), at])]);
    });

    test('a record that changes mid-run skips no other record (a deeper offset would skip the one that moves up)', async () => {
      for (let n = 0; n < 25; n++) api.records.set(`C${n}`, apiRecord(base + 100 + n, stamp(n)));
      api.beforePage = (request) => {
        if (request === 1) api.records.set('C3', apiRecord(base + 103, stamp(40), '8'));
      };
      await connector(`${paging}-moving`, 0, { paging }).run();
      const stored = await database.db
        .selectFrom('records')
        .select(['source_record_id', (eb) => eb.ref('fields', '->>').key('CF_NR_FK').as('fine')])
        .where(
          'source_record_id',
          'in',
          Array.from({ length: 25 }, (_, n) => `H${base + 100 + n}`),
        )
        .execute();
      expect(stored).toHaveLength(25);
      expect(stored.find((r) => r.source_record_id === `H${base + 103}`)?.fine).toBe('8.000000');
      expect(await readWatermark(database.db, 'SH-SAMR', `${paging}-moving`)).toBe(stamp(40));
    });

    test('an API that does not filter by updated_since stops the run with the reason; the pages before are kept', async () => {
      for (let n = 0; n < 25; n++) api.records.set(`F${n}`, apiRecord(base + 200 + n, stamp(n)));
      api.ignoreSince = true;
      await expect(connector(`${paging}-unfiltered`, 0, { paging }).run()).rejects.toThrow(
        `before updated_since=${stamp(9)}: ${paging} paging needs the API to filter by it`,
      );
      expect(await readWatermark(database.db, 'SH-SAMR', `${paging}-unfiltered`)).toBe(stamp(9));
    });

    test('an API that sends the newest records first stops the run with the reason', async () => {
      for (let n = 0; n < 25; n++) api.records.set(`N${n}`, apiRecord(base + 300 + n, stamp(n)));
      api.newestFirst = true;
      await expect(connector(`${paging}-newest-first`, 0, { paging }).run()).rejects.toThrow(
        `out of updated_at order (${stamp(23)} after ${stamp(24)}): ${paging} paging needs them in ascending order`,
      );
      expect(await readWatermark(database.db, 'SH-SAMR', `${paging}-newest-first`)).toBeUndefined();
    });
  });
});

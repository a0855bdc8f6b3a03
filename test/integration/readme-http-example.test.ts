import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadHubConfig } from '../../server/load-hub-config.js';
import type { HttpJsonSourceConfig } from '../../connectors/http-json/config.js';
import { createHttpJsonConnector } from '../../connectors/http-json/index.js';
import type { Connector } from '../../connectors/types.js';
import { agencyAuthorities } from '../../ingestion/fact-authority.js';
import { hubConnectorDeps } from '../../server/connector-deps.js';
import { upsertAgencies } from '../../store/agency-queries.js';
import { readWatermark } from '../../store/connector-state.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ingestionDeps } from '../support/ingestion.js';
import { penaltyRow, permitRow } from '../support/mixed-feed.js';
import { enterpriseUscc } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

/** The agency of README's configuration example, whose source the README block is. */
const AGENCY = { code: 'SH-QP-SAMR', name: '上海市青浦区市场监督管理局', region: '310000', uscc: '11310118000000001F', registersSubjects: true };
const TOKEN = 'sgs-api-token-for-the-hub';

/** README's complete http-json source, as an agency engineer would copy it (its comments left out). */
function documentedSource(): Record<string, unknown> {
  const block = /#### A complete source for a paged agency API[\s\S]*?```jsonc\n([\s\S]*?)\n```/.exec(readFileSync('README.md', 'utf8'))?.[1];
  if (block === undefined) throw new Error('README has no complete http-json source block');
  return JSON.parse(block.replace(/\s+\/\/.*$/gm, '')) as Record<string, unknown>;
}

/** README's mixed-feed mapping block (A feed that mixes kinds). */
function documentedMixedMapping(): unknown {
  const block = /#### A feed that mixes kinds[\s\S]*?```jsonc\n"mapping": ([\s\S]*?)\n```/.exec(readFileSync('README.md', 'utf8'))?.[1];
  if (block === undefined) throw new Error('README has no mixed-feed mapping block');
  return JSON.parse(block.replace(/\s+\/\/.*$/gm, ''));
}

/** The agency's ways of writing 2024-03-15 and 2029-01-09. */
const DECIDED = ['2024-03-15', '2024/3/15', '2024.3.15', '2024年3月15日', '20240315', '２０２４年３月１５日'];
const VALID_TO = ['2029-01-09', '2029/1/9', '2029年1月9日', '20290109'];
/** Fines in 万元 as sent, and as stored. */
const FINES: [string | number, string][] = [
  ['5', '5.000000'],
  ['１，２３４．５', '1234.500000'],
  [12.5, '12.500000'],
  ['0.05', '0.050000'],
];

/** China time, three rows to a second from 09:00:00, as the agency writes `gxsj`. */
function changeTime(n: number): string {
  const seconds = Math.floor(n / 3);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `2024-05-01 ${pad(9 + Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Row n of the agency's table: penalties at even n, permits at odd, each decided by the agency itself. */
function agencyRow(n: number): Record<string, unknown> {
  const shared = {
    dsr_mc: `上海青浦示例贸易有限公司${n}`,
    tyshxydm: enterpriseUscc('310118', 60_000 + n),
    jdjg: AGENCY.name,
    jdjgdm: AGENCY.uscc,
    gxsj: changeTime(n),
  };
  const decided = DECIDED[n % DECIDED.length] ?? '';
  if (n % 2 === 1) return permitRow(`S${n}`, { ...shared, jdrq: decided, yxqz: decided, yxq: VALID_TO[n % VALID_TO.length] ?? '' });
  const [fine] = FINES[(n / 2) % FINES.length] ?? [''];
  return { ...penaltyRow(`S${n}`, { ...shared, jdrq: decided, yxq: decided }), fkje: fine };
}

let database: TestDatabase;
let api: AgencyApi;
let folder: string;
let connector: Connector;
let source: HttpJsonSourceConfig;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startAgencyApi();
  // The agency system: pinyin rows, page/size capped at 500, exclusive China-time since, code/msg/data envelope.
  Object.assign(api, { paging: 'page', envelope: 'list', updatedAtField: 'gxsj', maxPageSize: 500, exclusiveSince: true });
  api.params = { ...api.params, updatedSince: 'since', pageSize: 'size', page: 'page' };
  api.authorize = (authorization) => Promise.resolve(authorization === `Bearer ${TOKEN}`);

  // A config file of its own, so the token file is found relative to it, as README says.
  folder = await mkdtemp(join(tmpdir(), 'hub-readme-http-'));
  await mkdir(join(folder, 'secrets'));
  await writeFile(join(folder, 'secrets', 'sh-qp-samr.token'), `${TOKEN}\n`);
  const file = { hub: { id: 'hub-sh', region: '310000' }, agencies: [{ ...AGENCY, sources: [{ ...documentedSource(), url: api.url }] }] };
  await writeFile(join(folder, 'hub.config.json'), JSON.stringify(file));
  const config = await loadHubConfig(join(folder, 'hub.config.json'));

  await upsertAgencies(
    database.db,
    config.agencies.map((a) => ({ code: a.code, name: a.name, region: a.region, hub: config.hub.id })),
    new Date(),
  );
  const deps = hubConnectorDeps(ingestionDeps(database.db, { agencies: agencyAuthorities(config.agencies) }), testLogger(), () =>
    Promise.reject(new Error('this source signs no tokens')),
  );
  const configured = config.agencies[0]?.sources[0];
  if (configured?.type !== 'http-json' || configured.name === undefined) throw new Error('README block is not a named http-json source');
  source = configured;
  connector = createHttpJsonConnector(AGENCY.code, configured.name, configured, deps);
});
afterAll(async () => {
  await api.close();
  await database.dispose();
  await rm(folder, { recursive: true, force: true });
});

async function storedCount(): Promise<number> {
  const { stored } = await database.db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<string>().as('stored'))
    .where('agency_code', '=', AGENCY.code)
    .executeTakeFirstOrThrow();
  return Number(stored);
}

describe('README’s complete http-json source, against the agency system it describes', () => {
  test('1,200 mixed rows in pages capped at 500 are all stored with their kind and standard codes; a second run is all unchanged', async () => {
    for (let n = 0; n < 1200; n++) api.records.set(`S${n}`, agencyRow(n));

    expect(await connector.run()).toMatchObject({ inserted: 1200, updated: 0, rejected: 0 });
    expect(source).toMatchObject({ paging: 'page', pageSize: 500, sinceFormat: 'china-local', sinceInclusive: false, updatedAtField: 'gxsj' });
    expect(source.bearerTokenFile).toBe(join(folder, 'secrets', 'sh-qp-samr.token'));
    expect(api.requests.every((query) => query.get('size') === '500' && query.get('page') !== null)).toBe(true);
    expect(api.requests[0]?.get('since')).toBeNull();
    // After the first page of 500 (rows 0-499, the last at 09:02:46), the next asks from a second before.
    expect(api.requests[1]?.get('since')).toBe('2024-05-01 09:02:45');

    const stored = await database.db
      .selectFrom('records')
      .select(['source_record_id', 'kind', 'event_date', 'valid_to', 'status', 'fields'])
      .where('agency_code', '=', AGENCY.code)
      .execute();
    expect(stored).toHaveLength(1200);
    for (const record of stored) {
      const n = Number(record.source_record_id.slice(1));
      const row = agencyRow(n);
      const prefix = n % 2 === 1 ? 'XK_' : 'CF_';
      expect(Object.keys(record.fields).every((code) => code.startsWith(prefix))).toBe(true);
      expect(record).toMatchObject({ event_date: '2024-03-15', status: 'ACTIVE' });
      if (n % 2 === 1) {
        expect(record).toMatchObject({ kind: 'PERMIT', valid_to: '2029-01-09' });
        expect(record.fields).toMatchObject({
          XK_WSH: row['wsh'],
          XK_XDR_SHXYM: row['tyshxydm'],
          XK_XDR_LB: '02',
          XK_JDRQ: '2024-03-15',
          XK_YXQZI: '2029-01-09',
          XK_XKJGDM: AGENCY.uscc,
          XK_LYDW: AGENCY.name,
        });
      } else {
        const [, fine] = FINES[(n / 2) % FINES.length] ?? [];
        expect(record).toMatchObject({ kind: 'PENALTY', valid_to: '2024-03-15' });
        expect(record.fields).toMatchObject({
          CF_WSH: row['wsh'],
          CF_XDR_SHXYM: row['tyshxydm'],
          CF_CFLB: ['罚款'],
          CF_NR_FK: fine,
          CF_JDRQ: '2024-03-15',
          CF_CFJGDM: AGENCY.uscc,
          CF_SJLY: AGENCY.name,
        });
      }
    }
    expect(await database.db.selectFrom('quarantine').select('id').where('agency_code', '=', AGENCY.code).execute()).toEqual([]);
    // 09:06:39 China time, the last row's gxsj.
    expect(await readWatermark(database.db, AGENCY.code, 'sgs-api')).toBe('2024-05-01T01:06:39.000Z');

    const again = await connector.run();
    expect(again).toMatchObject({ inserted: 0, updated: 0, rejected: 0, unchanged: again.received });
    expect(api.requests.at(-1)?.get('since')).toBe('2024-05-01 09:06:38');

    // Read whole again, as after a lost watermark: every row is an unchanged no-op (those at page boundaries read twice).
    await database.db.deleteFrom('connector_state').where('agency_code', '=', AGENCY.code).execute();
    const whole = await connector.run();
    expect(whole).toMatchObject({ inserted: 0, updated: 0, rejected: 0, unchanged: whole.received });
    expect(whole.received).toBeGreaterThanOrEqual(1200);
    expect(await storedCount()).toBe(1200);
  });

  test('its mapping is the one README shows for a feed that mixes kinds', () => {
    expect(documentedSource()['mapping']).toEqual(documentedMixedMapping());
  });

  test('an error code in the body fails the run with UPSTREAM_ERROR_CODE; the next run resumes after the last stored page', async () => {
    for (let n = 1200; n < 1800; n++) api.records.set(`S${n}`, agencyRow(n));
    api.faults.push({ pass: true }, { businessError: { code: 500, msg: '系统繁忙' } });

    await expect(connector.run()).rejects.toMatchObject({ reason: 'UPSTREAM_ERROR_CODE', message: 'agency API answered code=500: 系统繁忙' });
    // The first page (the 3 rows at the watermark's second, then 497 new ones) stays stored.
    expect(await storedCount()).toBe(1200 + 497);

    expect(await connector.run()).toMatchObject({ inserted: 103, updated: 0, rejected: 0 });
    expect(await storedCount()).toBe(1800);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { loadHubConfig } from '../../server/load-hub-config.js';
import type { HubConfig } from '../../server/hub-config.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { dataOf, defined, firstError } from '../support/answers.js';
import { TEST_CONFIG, startTestHub, type TestHub } from '../support/hub.js';
import { enterpriseUscc, penaltyRecord } from '../support/records.js';
import { testLogger } from '../support/test-log.js';

let api: AgencyApi;
let dir: string;
let configPath: string;
let testHub: TestHub;

/** The agency's API names the decision number 决定书文号 instead of CF_WSH; R2's decision date does not exist. */
function agencyRow(n: number, overrides: Record<string, unknown> = {}) {
  const { fields } = penaltyRecord({ CF_XDR_SHXYM: enterpriseUscc('310115', 8000 + n), ...overrides }, `R${n}`);
  const rest: Record<string, unknown> = { ...fields };
  delete rest.CF_WSH;
  return { kind: 'PENALTY', id: `R${n}`, updated_at: `2024-05-01T08:0${n}:00.000Z`, 决定书文号: `沪罚〔2024〕R${n}号`, ...rest };
}

/** The config file as an operator writes it: TEST_CONFIG with one http-json source for SH-SAMR. */
function configFile(columns: Record<string, string>, change: { pageSize?: number; hubId?: string; schedule?: string } = {}): unknown {
  const source = {
    type: 'http-json',
    name: 'penalties',
    url: api.url,
    pageSize: change.pageSize ?? 10,
    retries: 0,
    timeoutMs: 2000,
    mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id', columns },
    ...(change.schedule ? { schedule: change.schedule } : {}),
  };
  return {
    ...TEST_CONFIG,
    hub: { ...TEST_CONFIG.hub, id: change.hubId ?? TEST_CONFIG.hub.id },
    agencies: TEST_CONFIG.agencies.map((a) => (a.code === 'SH-SAMR' ? { ...a, sources: [source] } : a)),
  };
}

const writeConfig = (content: unknown) => writeFile(configPath, typeof content === 'string' ? content : JSON.stringify(content, null, 2));

const RUN = 'mutation { runConnectorNow(agencyCode: "SH-SAMR", connector: "penalties") { status received inserted rejected } }';
const RELOAD = 'mutation { reloadConfiguration { changed needsRestart } }';
const REPLAY = 'mutation { replayQuarantine(agencyCode: "SH-SAMR") { examined replayed stillRejected inserted } }';
const QUARANTINE = '{ quarantine(agencyCode: "SH-SAMR") { edges { node { sourceRecordId reasons { field rule value } resolution } } } }';
interface RunData {
  runConnectorNow: unknown;
}
interface ReloadData {
  reloadConfiguration: { changed: string[]; needsRestart: string[] };
}
interface ReplayData {
  replayQuarantine: unknown;
}
interface QuarantineData {
  quarantine: { edges: { node: { sourceRecordId: string; reasons: unknown } }[] };
}

beforeEach(async () => {
  api = await startAgencyApi();
  api.records.set('R1', agencyRow(1));
  api.records.set('R2', agencyRow(2, { CF_JDRQ: '2024-02-30' }));
  dir = await mkdtemp(join(tmpdir(), 'hub-reload-'));
  configPath = join(dir, 'hub.config.json');
  await writeConfig(configFile({}));
  const config: HubConfig = await loadHubConfig(configPath);
  testHub = await startTestHub(config, testLogger(), configPath);
});
afterEach(async () => {
  await testHub.close();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('configuration reload', () => {
  test('a mapping fix takes effect without a restart; what needs a restart is named, not applied; the reload is audited', async () => {
    expect(dataOf((await testHub.gqlAs<RunData>(RUN)).body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED', received: 2, inserted: 0, rejected: 2 });

    await writeConfig(configFile({ 决定书文号: 'CF_WSH' }, { pageSize: 1, hubId: 'hub-renamed', schedule: '0 0 * * * *' }));
    const reload = await testHub.gqlAs<ReloadData>(RELOAD);
    expect(dataOf(reload.body).reloadConfiguration).toEqual({
      changed: ['agencies.SH-SAMR.sources.penalties.pageSize', 'agencies.SH-SAMR.sources.penalties.mapping'],
      needsRestart: ['hub', 'agencies.SH-SAMR.sources.penalties.schedule'],
    });
    // The schedule runs as it was until a restart, and the hub shows it so.
    expect(dataOf((await testHub.gqlAs<{ connectors: unknown }>('{ connectors(agencyCode: "SH-SAMR") { name schedule } }')).body).connectors).toEqual([
      { name: 'penalties', schedule: null },
    ]);

    api.records.set('R3', agencyRow(3));
    expect(dataOf((await testHub.gqlAs<RunData>(RUN)).body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED', inserted: 1 });
    // The new page size is used from this run on.
    expect(api.requests.at(-1)?.get('page_size')).toBe('1');

    const entries = await testHub.database.db
      .selectFrom('audit_log')
      .select(['operation', 'outcome', 'entry'])
      .where('operation', '=', 'mutation reloadConfiguration')
      .execute();
    expect(entries).toEqual([expect.objectContaining({ outcome: 'OK' })]);
    expect(entries[0]?.entry).toContain('config:agencies.SH-SAMR.sources.penalties.mapping');

    // Reloading the same file again changes nothing more; the restart items are still pending.
    expect(dataOf((await testHub.gqlAs<ReloadData>(RELOAD)).body).reloadConfiguration).toEqual({
      changed: [],
      needsRestart: ['hub', 'agencies.SH-SAMR.sources.penalties.schedule'],
    });
  });

  test('a bad file is refused naming every problem, and the running configuration is kept', async () => {
    const bad = configFile({ 决定书文号: 'CF_WSH' }) as { agencies: { sources: { pageSize: number; paging: string }[] }[] };
    const samr = defined(bad.agencies[0]?.sources[0], 'SH-SAMR’s source');
    samr.pageSize = 0;
    samr.paging = 'sideways';
    await writeConfig(bad);
    const refused = firstError((await testHub.gqlAs<ReloadData>(RELOAD)).body);
    expect(refused.extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.message).toMatch(/agencies\.0\.sources\.0\.pageSize/);
    expect(refused.message).toMatch(/agencies\.0\.sources\.0\.paging/);
    expect(refused.message).toContain('the running one is kept');

    await writeConfig('{ not json');
    expect(firstError((await testHub.gqlAs<ReloadData>(RELOAD)).body)).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('is not JSON: InvalidSymbol at line 1, column 3'),
    });

    // Still the old mapping: the rows are refused for the unmapped column.
    expect(dataOf((await testHub.gqlAs<RunData>(RUN)).body).runConnectorNow).toMatchObject({ status: 'SUCCEEDED', inserted: 0, rejected: 2 });
  });

  test('only an admin may reload; a hub started without a config file says there is nothing to reload', async () => {
    const asAgency = await testHub.gqlAs<ReloadData>(RELOAD, {}, { client: 'test-agency', purpose: 'DATA_SUBMISSION' });
    expect(firstError(asAgency.body).extensions.reason).toBe('MISSING_SCOPE');
    const fileless = await startTestHub();
    try {
      expect(firstError((await fileless.gqlAs<ReloadData>(RELOAD)).body)).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringContaining('without a config file'),
      });
    } finally {
      await fileless.close();
    }
  });
});

describe('replayQuarantine re-validates with the current mapping', () => {
  test('a row first refused for an unmapped column gets its real reasons; the one that now passes is stored', async () => {
    expect(dataOf((await testHub.gqlAs<RunData>(RUN)).body).runConnectorNow).toMatchObject({ rejected: 2 });
    const before = await testHub.gqlAs<QuarantineData>(QUARANTINE);
    expect(dataOf(before.body).quarantine.edges.map((e) => e.node.reasons)).toEqual([
      [{ field: '决定书文号', rule: 'UNMAPPED_COLUMN', value: null }],
      [{ field: '决定书文号', rule: 'UNMAPPED_COLUMN', value: null }],
    ]);

    await writeConfig(configFile({ 决定书文号: 'CF_WSH' }));
    expect(dataOf((await testHub.gqlAs<ReloadData>(RELOAD)).body).reloadConfiguration.changed).toEqual(['agencies.SH-SAMR.sources.penalties.mapping']);
    expect(dataOf((await testHub.gqlAs<ReplayData>(REPLAY)).body).replayQuarantine).toEqual({ examined: 2, replayed: 1, stillRejected: 1, inserted: 1 });

    const open = dataOf((await testHub.gqlAs<QuarantineData>(QUARANTINE)).body).quarantine.edges.map((e) => e.node);
    expect(open).toEqual([
      {
        sourceRecordId: 'R2',
        reasons: [expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE', value: '2024-02-30' })],
        resolution: expect.stringContaining('re-validated by a replay'),
      },
    ]);
    // A second replay finds the same reasons and stores nothing twice.
    expect(dataOf((await testHub.gqlAs<ReplayData>(REPLAY)).body).replayQuarantine).toEqual({ examined: 1, replayed: 0, stillRejected: 1, inserted: 0 });
  });

  test('a row that still cannot be mapped gets the current mapping’s reasons', async () => {
    api.records.set('R1', { ...agencyRow(1), 备注: 'x' });
    await testHub.gql(RUN);
    // The fix maps 决定书文号 but not 备注: R1 now fails for 备注 alone.
    await writeConfig(configFile({ 决定书文号: 'CF_WSH', 备注X: 'BZ' }));
    await testHub.gql(RELOAD);
    expect(dataOf((await testHub.gqlAs<ReplayData>(REPLAY)).body).replayQuarantine).toMatchObject({ examined: 2, replayed: 0, stillRejected: 2 });
    const reasons = dataOf((await testHub.gqlAs<QuarantineData>(QUARANTINE)).body).quarantine.edges.map((e) => [e.node.sourceRecordId, e.node.reasons]);
    expect(reasons).toEqual([
      ['R2', [expect.objectContaining({ field: 'CF_JDRQ', rule: 'DATE' })]],
      ['R1', [{ field: '备注', rule: 'UNMAPPED_COLUMN', value: null }]],
    ]);
  });
});

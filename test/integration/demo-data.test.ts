import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { loadHubConfig } from '../../server/load-hub-config.js';
import { generateDemoData } from '../../scripts/generate-demo-data.js';
import { PRESENCE_PREFIX } from '../../server/process-presence.js';
import { dataOf, defined } from '../support/answers.js';
import { startTestHub, type TestHub } from '../support/hub.js';

const scratch: string[] = [];
let testHub: TestHub | undefined;
afterAll(async () => {
  await testHub?.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) hash.update(file.slice(dir.length)).update(await readFile(file));
  return hash.digest('hex');
}

describe('bundled demo data', () => {
  test('the generator is deterministic and the committed files are its output', async () => {
    const a = await mkdtemp(join(tmpdir(), 'demo-a-'));
    scratch.push(a);
    expect(await generateDemoData(a)).toBe(4000);
    expect(await digest(a)).toBe(await digest(join(process.cwd(), 'demo', 'drop')));
  });

  test('the demo config loads every agency and only the deliberately faulty rows are quarantined', async () => {
    const config = await loadHubConfig('config/demo.config.json');
    testHub = await startTestHub(config);
    const totals = await testHub.hub.loadSources();
    expect(totals).toMatchObject({ received: 4000, inserted: 3985, rejected: 15 });
    const { db } = testHub.database;
    const quarantined = () => db.selectFrom('quarantine').select('status').execute();
    expect(await quarantined()).toHaveLength(15);
    const again = await testHub.hub.loadSources();
    expect(again).toMatchObject({ received: 4000, inserted: 0, updated: 0, unchanged: 3985, rejected: 15 });
    // Read again (as at every restart), the faulty rows are refused again but not quarantined twice.
    expect((await quarantined()).map((entry) => entry.status)).toEqual(Array(15).fill('OPEN'));

    const runs = await testHub.gqlAs<{
      connectorRuns: { totalCount: number; edges: { node: { connector: string; status: string } }[] };
    }>(
      '{ connectorRuns(agencyCode: "SH-QP-SAMR") { totalCount edges { node { connector status received inserted unchanged finishedAt error } } } }',
      {},
      { client: 'demo-agency', purpose: 'DATA_SUBMISSION' },
    );
    expect(dataOf(runs.body).connectorRuns.totalCount).toBe(4);
    expect(dataOf(runs.body).connectorRuns.edges.map((e) => [e.node.connector, e.node.status])).toEqual([
      ['file-drop-2', 'SUCCEEDED'],
      ['file-drop-1', 'SUCCEEDED'],
      ['file-drop-2', 'SUCCEEDED'],
      ['file-drop-1', 'SUCCEEDED'],
    ]);
    expect(dataOf(runs.body).connectorRuns.edges[0]?.node).toMatchObject({ received: 800, inserted: 0, unchanged: 797, error: null });
  });

  test('a source that cannot be read is a FAILED run with its reason, and the other sources still load', async () => {
    const config = await loadHubConfig('config/demo.config.json');
    const wujiang = defined(config.agencies[1], 'the demo’s second agency');
    const broken = {
      ...config,
      clients: [],
      agencies: [
        { ...wujiang, sources: wujiang.sources.map((s) => ({ ...s, folder: '/nonexistent/drop' })) },
        defined(config.agencies[2], 'the demo’s third agency'),
      ],
    };
    const hub = await startTestHub(broken);
    try {
      expect(await hub.hub.loadSources()).toMatchObject({ received: 600, inserted: 597 });
      const run = await hub.database.db.selectFrom('connector_runs').selectAll().where('agency_code', '=', 'JS-WJ-SAMR').executeTakeFirstOrThrow();
      expect(run).toMatchObject({ agency_code: 'JS-WJ-SAMR', connector: 'file-drop-1', status: 'FAILED', error: expect.stringContaining('ENOENT') });
      expect(run.finished_at).toBeInstanceOf(Date);
      // No job lease is left behind; the one left is the hub's own presence (it holds it while it runs).
      expect(await hub.database.db.selectFrom('job_leases').select('name').where('name', 'not like', `${PRESENCE_PREFIX}%`).execute()).toEqual([]);
    } finally {
      await hub.close();
    }
  });

  test('a source with a schedule picks up files dropped while the hub runs, and moves them to processed/', async () => {
    const drop = await mkdtemp(join(tmpdir(), 'drop-'));
    scratch.push(drop);
    const config = await loadHubConfig('config/demo.config.json');
    const agency = defined(config.agencies[1], 'the demo’s second agency');
    const scheduled = {
      ...config,
      clients: [],
      agencies: [
        { ...agency, sources: [{ ...defined(agency.sources[0], 'its first source'), folder: drop, afterRun: 'move' as const, schedule: '* * * * * *' }] },
      ],
    };
    const hub = await startTestHub(scheduled);
    try {
      hub.hub.startSchedules();
      const lines = (await readFile('demo/drop/JS-WJ-SAMR/records.jsonl', 'utf8')).split('\n').slice(0, 50).join('\n');
      // As agencies must: write under another name, then rename into place, so no half-written file is read.
      await writeFile(join(drop, 'late.part'), `${lines}\n`);
      await rename(join(drop, 'late.part'), join(drop, 'late.jsonl'));
      const deadline = Date.now() + 10_000;
      let stored = 0;
      // The first 50 lines of that file hold 3 of the demo's deliberate faults: 47 records are valid.
      while (Date.now() < deadline && (stored < 47 || (await readdir(drop)).includes('late.jsonl'))) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        stored = Number(
          (
            await hub.database.db
              .selectFrom('records')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      }
      expect(stored).toBe(47);
      expect(await readdir(join(drop, 'processed'))).toHaveLength(1);
    } finally {
      await hub.close();
    }
  });
});

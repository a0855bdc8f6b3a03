import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { loadHubConfig } from '../../config/hub-config.js';
import { generateDemoData } from '../../scripts/generate-demo-data.js';
import { startTestHub, type TestHub } from '../support/hub.js';

const scratch: string[] = [];
let testHub: TestHub | undefined;
afterAll(async () => {
  await testHub?.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
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
    const again = await testHub.hub.loadSources();
    expect(again).toMatchObject({ received: 4000, inserted: 0, updated: 0, unchanged: 3985, rejected: 15 });
  });
});

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { requestToken } from '../../server/auth/request-token.js';
import { TEST_ENGINE } from '../support/database.js';
import { AUTHORITY_USCC } from '../support/records.js';
import { hubEnv, hubWorkspace, startHubProcess, stopHubProcess, type HubProcess } from '../support/hub-process.js';

// Low, so that the buckets' refill (RATE per minute) stays far below one request while the test waits.
const RATE = 2;
const workspace = hubWorkspace('hub-rate-');

async function writeConfig(): Promise<string> {
  const path = join(workspace.folder, 'hub.config.json');
  const client = {
    id: 'demo-agency',
    name: '上海市市场监督管理局 (test)',
    type: 'AGENCY',
    agency: 'SH-SAMR',
    publicKeyFile: resolve('config/demo-clients/demo-agency.public.jwk.json'),
    requestsPerMinute: RATE,
  };
  await writeFile(
    path,
    JSON.stringify({
      hub: { id: 'hub-e2e', region: '310000' },
      agencies: [{ code: 'SH-SAMR', name: '上海市市场监督管理局', region: '310000', uscc: AUTHORITY_USCC }],
      clients: [client],
    }),
  );
  return path;
}

/** Resolves once the hub has logged a line containing `text` (polling its output for up to 20 s). */
async function logged(hub: HubProcess, text: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!hub.lines.some((line) => line.includes(text))) {
    if (Date.now() > deadline) throw new Error(`hub never logged "${text}":\n${hub.lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function statuses(hub: HubProcess, token: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'SUPERVISION' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

(TEST_ENGINE === 'postgres' ? describe : describe.skip)('two hub processes on one database', () => {
  test('split a client’s request rate between them, and the one left takes the whole rate back', async () => {
    const env = hubEnv({
      dataDir: join(workspace.folder, 'data'),
      config: await writeConfig(),
      databaseUrl: workspace.databaseUrl,
      extra: { HUB_LOAD_ON_START: 'false' },
    });
    const first = await startHubProcess(env);
    const second = await startHubProcess(env);
    try {
      await Promise.all([logged(first, '2 hub processes serve this database'), logged(second, '2 hub processes serve this database')]);
      const { access_token: token } = await requestToken({
        hubUrl: first.url,
        clientId: 'demo-agency',
        privateKeyFile: 'config/demo-clients/demo-agency.private.jwk.json',
      });
      // Each process enforces half the client's rate: the client gets its rate in all, not twice it.
      expect(await statuses(first, token, RATE / 2 + 1)).toEqual([200, 429]);
      expect(await statuses(second, token, RATE / 2 + 1)).toEqual([200, 429]);

      expect(await stopHubProcess(second)).toBe(0);
      await logged(first, 'this is the only hub process on this database');
      // The bucket grows by the other half; what was spent from it stays spent.
      expect(await statuses(first, token, RATE / 2 + 1)).toEqual([200, 429]);
    } finally {
      await Promise.all([stopHubProcess(first), stopHubProcess(second)]);
    }
  }, 90_000);
});

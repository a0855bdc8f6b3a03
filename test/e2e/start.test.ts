import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { requestToken } from '../../server/auth/request-token.js';
import { TEST_ENGINE, createEmptyServerDatabase } from '../support/database.js';

interface RunningHub {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly lines: string[];
}

let dataDir: string;
let serverDb: { url: string; drop(): Promise<void> } | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hub-e2e-'));
  if (TEST_ENGINE === 'postgres') serverDb = await createEmptyServerDatabase();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await serverDb?.drop();
});

function hubEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], PORT: '0', HUB_DATA_DIR: dataDir, HUB_CONFIG: 'config/demo.config.json', LOG_LEVEL: 'info' };
  if (serverDb) env['DATABASE_URL'] = serverDb.url;
  return env;
}

/** Starts the hub as `npm start` would (from source), on a free port, and waits for its ready line. */
function startHub(): Promise<RunningHub> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: hubEnv(), cwd: process.cwd() });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not become ready:\n${lines.join('\n')}`)), 60_000);
    child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const ready = /ready: GraphQL and IDE at (http:\/\/[^\s"]+)/.exec(line);
        if (ready?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: ready[1], lines });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}:\n${lines.join('\n')}`));
    });
  });
}

function stopHub(hub: RunningHub): Promise<number | null> {
  return new Promise((resolve) => {
    hub.child.once('exit', (code) => resolve(code));
    hub.child.kill('SIGTERM');
  });
}

/** Runs an operator command (`npm run hub -- …`) from source; resolves with its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: hubEnv(), cwd: process.cwd() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

function loadedTotals(lines: string[]): Record<string, number> {
  const line = lines.find((l) => l.includes('"msg":"sources loaded"'));
  return line ? (JSON.parse(line) as Record<string, number>) : {};
}

describe('npm start', () => {
  test('starts, loads the demo data, serves GraphQL and the IDE, stops cleanly; data persists across restarts', async () => {
    const first = await startHub();
    try {
      expect(loadedTotals(first.lines)).toMatchObject({ received: 4000, inserted: 3985, rejected: 15 });
      const ready = await fetch(first.url.replace('/graphql', '/readyz'));
      expect(await ready.json()).toEqual({ status: 'ready', database: TEST_ENGINE });
      const ide = await fetch(first.url, { headers: { accept: 'text/html' } });
      expect(await ide.text()).toContain('GraphiQL');
      const query = JSON.stringify({ query: '{ agencies { code region { name } } records(filter: { kinds: [BLACK_LIST] }) { totalCount } }' });
      const anonymous = await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      // The README's flow: a demo client gets a token with its private key, then queries.
      const hubUrl = first.url.replace('/graphql', '');
      const token = await requestToken({ hubUrl, clientId: 'demo-agency', privateKeyFile: 'config/demo-clients/demo-agency.private.jwk.json' });
      const response = await fetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}`, 'x-purpose': 'SUPERVISION' },
        body: query,
      });
      const body = (await response.json()) as { data: { agencies: { code: string }[]; records: { totalCount: number } }; extensions: { auditEntries: number[] } };
      expect(body.data.agencies.map((a) => a.code).sort()).toEqual(['AH-HF-EEB', 'JS-WJ-SAMR', 'SH-QP-SAMR', 'ZJ-JS-TAX']);
      expect(body.data.records.totalCount).toBe(99);
      expect(body.extensions.auditEntries).toHaveLength(1);
      if (TEST_ENGINE === 'pglite') {
        const refused = await runCli(['client', 'list']);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/in use by the hub/);
      }
    } finally {
      expect(await stopHub(first)).toBe(0);
    }
    expect(first.lines.join('\n')).toContain('"msg":"stopped"');

    const verified = await runCli(['audit', 'verify']);
    expect(verified.stdout).toMatch(/audit log intact: 1 entries/);
    expect(verified.code).toBe(0);
    const listed = await runCli(['client', 'list']);
    expect(listed.stdout).toMatch(/^demo-agency\tAGENCY\tSH-QP-SAMR\tactive\tprivate_key_jwt/m);

    const second = await startHub();
    try {
      expect(loadedTotals(second.lines)).toMatchObject({ received: 4000, inserted: 0, updated: 0, unchanged: 3985 });
    } finally {
      expect(await stopHub(second)).toBe(0);
    }
  });
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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

/** Starts the hub as `npm start` would (from source), on a free port, and waits for its ready line. */
function startHub(): Promise<RunningHub> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], PORT: '0', HUB_DATA_DIR: dataDir, HUB_CONFIG: 'config/demo.config.json', LOG_LEVEL: 'info' };
  if (serverDb) env['DATABASE_URL'] = serverDb.url;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, cwd: process.cwd() });
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
      const response = await fetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ agencies { code region { name } } records(filter: { kinds: [BLACK_LIST] }) { totalCount } }' }),
      });
      const body = (await response.json()) as { data: { agencies: { code: string }[]; records: { totalCount: number } } };
      expect(body.data.agencies.map((a) => a.code).sort()).toEqual(['AH-HF-EEB', 'JS-WJ-SAMR', 'SH-QP-SAMR', 'ZJ-JS-TAX']);
      expect(body.data.records.totalCount).toBe(99);
    } finally {
      expect(await stopHub(first)).toBe(0);
    }
    expect(first.lines.join('\n')).toContain('"msg":"stopped"');

    const second = await startHub();
    try {
      expect(loadedTotals(second.lines)).toMatchObject({ received: 4000, inserted: 0, updated: 0, unchanged: 3985 });
    } finally {
      expect(await stopHub(second)).toBe(0);
    }
  });
});

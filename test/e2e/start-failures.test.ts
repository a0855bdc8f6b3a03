import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubEnv } from '../support/hub-process.js';

/** Starts the hub and waits for it to exit; resolves with its exit code and what it wrote. */
function startAndWaitForExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, cwd: process.cwd() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      resolve();
    }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('the commonest start-up failures are one line naming what to fix', () => {
  test('a port in use is found before the database is opened, naming PORT', async () => {
    const { server, port } = await occupiedPort();
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'hub-port-'));
      const result = await startAndWaitForExit(hubEnv({ dataDir, config: 'config/demo.config.json', extra: { PORT: String(port) } }));
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `credit hub failed to start: PORT ${port} on 127.0.0.1 is in use by another process: stop that process or set PORT to a free port`,
      );
      expect(result.stdout).not.toContain('opening database');
    } finally {
      server.close();
    }
  });

  test('an unreachable PostgreSQL server is named by DATABASE_URL, its password masked, not as a failed migration', async () => {
    const { server, port } = await occupiedPort();
    server.close();
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-db-'));
    const url = `postgres://hub:s3cret-pass@127.0.0.1:${port}/hub`;
    const result = await startAndWaitForExit(hubEnv({ dataDir, config: 'config/demo.config.json', databaseUrl: url }));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `credit hub failed to start: DATABASE_URL: cannot use the PostgreSQL server at postgres://hub:***@127.0.0.1:${port}/hub: connection refused: is the server running and listening there? (ECONNREFUSED)`,
    );
    expect(result.stderr + result.stdout).not.toContain('s3cret-pass');
    expect(result.stderr).not.toContain('migration');
  });
});

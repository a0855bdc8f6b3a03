import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { TEST_ENGINE, createEmptyServerDatabase } from './database.js';
import { keepProcessOutput } from './test-log.js';

/** The hub as a real process (from source, as `npm start` runs it), for end-to-end tests. */
export interface HubProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Its GraphQL URL, once ready. */
  readonly url: string;
  /** Every line it has written so far (JSON log lines and any stderr). */
  readonly lines: string[];
}

/** Base environment: a free port, the given data folder and config, info logs, production mode as `npm start` runs it. */
export function hubEnv(options: { dataDir: string; config: string; databaseUrl?: string | undefined; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    NODE_ENV: 'production',
    PORT: '0',
    HUB_DATA_DIR: options.dataDir,
    HUB_CONFIG: options.config,
    LOG_LEVEL: 'info',
    ...options.extra,
  };
  if (options.databaseUrl) env['DATABASE_URL'] = options.databaseUrl;
  return env;
}

/** Spawns the hub; `ready` resolves when it logs its ready line (rejects if it exits first or takes over 60 s). */
export function spawnHub(env: NodeJS.ProcessEnv): { child: ChildProcessWithoutNullStreams; lines: string[]; ready: Promise<HubProcess> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, cwd: process.cwd() });
  const lines: string[] = [];
  const ready = new Promise<HubProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`hub did not become ready:\n${lines.join('\n')}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      lines.push(chunk.toString());
      keepProcessOutput(chunk.toString());
    });
    child.stdout.on('data', (chunk: Buffer) => {
      keepProcessOutput(chunk.toString());
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const ready = /ready: GraphQL and IDE at (http:\/\/[^\s"]+)/.exec(line);
        if (ready?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: ready[1], lines });
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code ?? signal}:\n${lines.join('\n')}`));
    });
  });
  ready.catch(() => undefined);
  return { child, lines, ready };
}

export async function startHubProcess(env: NodeJS.ProcessEnv): Promise<HubProcess> {
  return spawnHub(env).ready;
}

/** SIGTERM, resolving with the exit code. */
export function stopHubProcess(hub: { child: ChildProcessWithoutNullStreams }): Promise<number | null> {
  return new Promise((resolve) => {
    if (hub.child.exitCode !== null || hub.child.signalCode !== null) {
      resolve(hub.child.exitCode);
      return;
    }
    hub.child.once('exit', (code) => {
      resolve(code);
    });
    hub.child.kill('SIGTERM');
  });
}

/** SIGKILL: the process dies at once, mid-whatever. */
export function killHubProcess(hub: { child: ChildProcessWithoutNullStreams }): Promise<void> {
  return new Promise((resolve) => {
    hub.child.once('exit', () => {
      resolve();
    });
    hub.child.kill('SIGKILL');
  });
}

/** Runs an operator command (`npm run hub -- …`) from source; resolves with its exit code and output. */
export function runCli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env, cwd: process.cwd() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    }),
  );
}

/**
 * Where a file's hub processes keep their data: a temp folder and, on the postgres project, an empty
 * server database; made before the file's tests, removed after them.
 */
export function hubWorkspace(prefix: string): { readonly folder: string; readonly databaseUrl: string | undefined } {
  let folder = '';
  let serverDb: { url: string; drop(): Promise<void> } | undefined;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), prefix));
    if (TEST_ENGINE === 'postgres') serverDb = await createEmptyServerDatabase();
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await serverDb?.drop();
  });
  return {
    get folder() {
      return folder;
    },
    get databaseUrl() {
      return serverDb?.url;
    },
  };
}

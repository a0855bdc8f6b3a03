import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { fileDropSourceSchema } from '../../connectors/file-drop/config.js';
import { tokenIdentity, type HubConfig } from '../../server/hub-config.js';
import { loadHubConfig } from '../../server/load-hub-config.js';
import { hubOperatorDeps } from '../../server/operator-deps.js';
import { printable } from '../../server/cli/hub-channel-client.js';
import { startOperatorChannel, type OperatorChannel } from '../../server/operator-channel.js';
import { operatorFailure } from '../../server/operator-protocol.js';
import { operatorSocketPath, untrustedSocket } from '../../server/operator-socket.js';
import { capturedLog } from '../support/captured-log.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../support/hub.js';
import { FIXED_NOW } from '../support/ingestion.js';

const ROWS = 10_001;

let folder: string;
let testHub: TestHub;
let config: HubConfig;
const log = capturedLog();

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'hub-opch-'));
  const source = fileDropSourceSchema.parse({ type: 'file-drop', folder, afterRun: 'keep', mapping: { kind: 'PENALTY' } });
  config = { ...TEST_CONFIG, agencies: TEST_CONFIG.agencies.map((agency) => (agency.code === 'SH-SAMR' ? { ...agency, sources: [source] } : agency)) };
  testHub = await startTestHub(config);
  // Rows the mapping cannot read: each batch quarantines its 2000, which is all cancellation needs.
  await writeFile(join(folder, 'big.jsonl'), Array.from({ length: ROWS }, (_, i) => JSON.stringify({ n: i })).join('\n'));
}, 120_000);
afterAll(async () => {
  await testHub.close();
  await rm(folder, { recursive: true, force: true });
});

/** A channel on a data folder of its own, with the test hub's database, keys and ingestion. */
async function openChannel(dataDir: string): Promise<OperatorChannel | undefined> {
  return startOperatorChannel({
    dataDir,
    hubId: config.hub.id,
    logger: log.logger,
    operatorDeps: () =>
      Promise.resolve({
        db: testHub.database.db,
        config,
        keys: testHub.hub.keys,
        ingestion: testHub.hub.ingestion,
        clock: () => FIXED_NOW,
        logger: log.logger,
        hubUrl: 'http://localhost',
      }),
  });
}

const newDataDir = async (name: string) => {
  const dir = join(folder, name);
  await mkdir(dir, { mode: 0o700 });
  return dir;
};

/** GET /ping on the socket: the hub id it answers with. */
function ping(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/ping' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve(body);
      });
    })
      .on('error', reject)
      .end();
  });
}

/** POSTs a command; `onLine` hears each answer line and may end the request by returning false. */
function postCommand(socketPath: string, command: string, args: string[], onLine: (line: string) => boolean = () => true): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const req = request({ socketPath, path: '/commands', method: 'POST' }, (res) => {
      let partial = '';
      res.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          if (!onLine(line)) {
            req.destroy();
            resolve(lines);
          }
        }
      });
      res.on('end', () => {
        resolve(partial ? [...lines, partial] : lines);
      });
      res.on('error', () => {
        resolve(lines);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || req.destroyed) resolve(lines);
      else reject(error);
    });
    req.end(JSON.stringify({ command, args, cwd: folder }));
  });
}

const listening = (server: Server, path: string) =>
  new Promise<void>((resolve) => {
    server.listen(path, () => {
      resolve();
    });
  });

describe('the operator channel', () => {
  test('a request aborted mid-body ends only itself: the channel keeps answering and nothing is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    const channel = await openChannel(await newDataDir('abort'));
    try {
      if (!channel) throw new Error('the channel did not open');
      const socket = createConnection(channel.path);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write('POST /commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"command":');
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(JSON.parse(await ping(channel.path))).toEqual({ hub: config.hub.id });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await channel?.close();
    }
  });

  test('a socket held by a process that does not answer (a busy hub) is neither removed nor taken over', async () => {
    const dataDir = await newDataDir('busy');
    const path = operatorSocketPath(dataDir);
    const silent = createServer(() => undefined);
    await listening(silent, path);
    try {
      const before = await lstat(path);
      const start = Date.now();
      expect(await openChannel(dataDir)).toBeUndefined();
      expect(Date.now() - start).toBeGreaterThanOrEqual(1500);
      const after = await lstat(path);
      expect({ dev: after.dev, ino: after.ino }).toEqual({ dev: before.dev, ino: before.ino });
      expect(log.text()).toContain("a busy hub's socket is not taken over");
    } finally {
      silent.close();
    }
  }, 30_000);

  test('close() removes only the socket this channel bound, not one another hub bound there since', async () => {
    const dataDir = await newDataDir('replaced');
    const channel = await openChannel(dataDir);
    if (!channel) throw new Error('the channel did not open');
    await rm(channel.path);
    const other = createServer(() => undefined);
    await listening(other, channel.path);
    try {
      const theirs = await lstat(channel.path);
      await channel.close();
      expect((await lstat(channel.path)).ino).toBe(theirs.ino);
    } finally {
      other.close();
    }
  });

  test('a file of another kind at hub.sock is left alone; a data folder that cannot be made is a warning, not a throw', async () => {
    const dataDir = await newDataDir('planted');
    await writeFile(operatorSocketPath(dataDir), 'not a socket');
    expect(await openChannel(dataDir)).toBeUndefined();
    expect((await lstat(operatorSocketPath(dataDir))).isFile()).toBe(true);
    expect(log.text()).toContain('is a regular file, not the hub');

    await writeFile(join(folder, 'a-file'), '');
    await expect(openChannel(join(folder, 'a-file', 'data'))).resolves.toBeUndefined();
    expect(log.text()).toContain('operator channel not opened: ENOTDIR while opening it');
  });

  test('the CLI trusts a socket only of its own user, in a folder no one else may write', async () => {
    const open = await newDataDir('open');
    await chmod(open, 0o777);
    const server = createServer(() => undefined);
    await listening(server, operatorSocketPath(open));
    try {
      expect(await untrustedSocket(operatorSocketPath(open))).toMatch(/is writable by group or others \(mode 777\)/);
      await chmod(open, 0o700);
      expect(await untrustedSocket(operatorSocketPath(open))).toBeUndefined();
      if (process.getuid?.() === 0) {
        await chown(operatorSocketPath(open), 65534, 65534);
        expect(await untrustedSocket(operatorSocketPath(open))).toMatch(/belongs to uid 65534, not to this user/);
      }
    } finally {
      server.close();
    }
    const fifoDir = await newDataDir('fifo');
    execFileSync('mkfifo', [operatorSocketPath(fifoDir)]);
    expect(await untrustedSocket(operatorSocketPath(fifoDir))).toMatch(/is a FIFO, not the hub's socket/);
  });

  test('a command whose CLI disconnects stops before its next batch, audited as cancelled with what it wrote', async () => {
    const channel = await openChannel(await newDataDir('cancel'));
    if (!channel) throw new Error('the channel did not open');
    try {
      const first = await postCommand(channel.path, 'import', ['big.jsonl', '--agency', 'SH-SAMR', '--json'], (line) => {
        const event = JSON.parse(line) as { progress?: { done: number } };
        // Disconnect once the first batch is on its way.
        return !(event.progress && event.progress.done > 0);
      });
      expect(first.some((line) => line.includes('"outcome"'))).toBe(false);
      // Wait until the hub has finished with the cancelled import: the next command then runs.
      let listed: string[] = [];
      for (let attempt = 0; attempt < 100; attempt += 1) {
        listed = await postCommand(channel.path, 'client list', ['--json']);
        if (!listed.join('').includes('one runs at a time')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(listed[0]).toMatch(/^\{"outcome"/);

      const entries = await testHub.database.db
        .selectFrom('audit_log')
        .select(['operation', 'outcome', 'entry'])
        .where('operation', '=', 'operator import')
        .execute();
      expect(entries).toHaveLength(1);
      expect(entries[0]?.outcome).toBe('ERROR:CANCELLED');
      const batches = Number(/batches:(\d+)/.exec(entries[0]?.entry ?? '')?.[1]);
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(batches).toBeLessThan(Math.ceil(ROWS / 2000));
    } finally {
      await channel.close();
    }
  }, 120_000);

  test('a second command while one runs is refused as busy, naming the one that runs', async () => {
    const channel = await openChannel(await newDataDir('busy-command'));
    if (!channel) throw new Error('the channel did not open');
    try {
      let refusal: string[] = [];
      await postCommand(channel.path, 'import', ['big.jsonl', '--agency', 'SH-SAMR'], (line) => {
        const event = JSON.parse(line) as { progress?: { done: number } };
        if (event.progress?.done === 0 && refusal.length === 0) {
          void postCommand(channel.path, 'client list', []).then((lines) => (refusal = lines));
        }
        return true;
      });
      expect(JSON.parse(refusal.join(''))).toEqual({
        error: { message: 'the hub is running another operator command (import): one runs at a time, try again when it ends', usage: false, known: true },
      });
    } finally {
      await channel.close();
    }
  }, 120_000);
});

describe('stopping the channel', () => {
  test('close() waits for a running command no longer than its grace periods: the command is cancelled at its next batch and audited', async () => {
    const channel = await openChannel(await newDataDir('stopping'));
    if (!channel) throw new Error('the channel did not open');
    let closing: Promise<number> | undefined;
    const answer = await postCommand(channel.path, 'import', ['big.jsonl', '--agency', 'SH-SAMR'], (line) => {
      const event = JSON.parse(line) as { progress?: { done: number } };
      if (event.progress?.done === 0 && !closing) {
        const start = Date.now();
        closing = channel.close(50).then(() => Date.now() - start);
      }
      return true;
    });
    expect(answer.some((line) => line.includes('"outcome"'))).toBe(false);
    expect(await closing).toBeLessThan(15_000);
    // close() resolved after the cancelled import recorded its entry.
    const cancelled = await testHub.database.db
      .selectFrom('audit_log')
      .select('entry')
      .where('operation', '=', 'operator import')
      .where('outcome', '=', 'ERROR:CANCELLED')
      .execute();
    expect(cancelled.length).toBe(2);
  }, 120_000);
});

describe('what a command runs with in the hub', () => {
  test('the running configuration (hub id, token issuer), with the sources as the file has them now, and the hub’s own ingestion', async () => {
    const file = await loadHubConfig('config/demo.config.json');
    const running: HubConfig = {
      ...file,
      hub: { ...file.hub, id: 'hub-running' },
      auth: { ...file.auth, issuer: 'https://running.example' },
      agencies: file.agencies.map((agency) => ({ ...agency, sources: [] })),
    };
    const deps = await hubOperatorDeps({
      db: testHub.database.db,
      config: running,
      keys: testHub.hub.keys,
      ingestion: testHub.hub.ingestion,
      configPath: 'config/demo.config.json',
      logger: log.logger,
      clock: () => FIXED_NOW,
      hubUrl: 'http://localhost',
    })();
    expect(deps.config.hub.id).toBe('hub-running');
    expect(tokenIdentity(deps.config).issuer).toBe('https://running.example');
    expect(deps.config.agencies.map((agency) => agency.sources)).toEqual(file.agencies.map((agency) => agency.sources));
    expect(deps.ingestion).toBe(testHub.hub.ingestion);
  });
});

describe('what the CLI prints and reports', () => {
  test('control characters from the socket are not printed; tabs are kept', () => {
    expect(printable('ok\tline\u001b[2J\u0007\u202Eevil')).toBe('ok\tline\uFFFD[2J\uFFFD\uFFFDevil');
  });

  test('an unknown option is a refusal with the usage, not a fault', async () => {
    const { parseArgs } = await import('node:util');
    let thrown: unknown;
    try {
      parseArgs({ args: ['--nope'] });
    } catch (error) {
      thrown = error;
    }
    expect(operatorFailure(thrown)).toEqual({ message: "Unknown option '--nope'", usage: true, known: true });
  });
});

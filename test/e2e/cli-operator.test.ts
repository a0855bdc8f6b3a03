import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createConnection } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { hubEnv, hubWorkspace, killHubProcess, runCli, startHubProcess, stopHubProcess, type HubProcess } from '../support/hub-process.js';

const workspace = hubWorkspace('hub-op-');
/** Every CLI call is a process compiling its TypeScript; on two shared cores that takes seconds. */
const SLOW = 300_000;

/** A GraphQL request to the running hub with a bearer token; resolves with the HTTP status and body. */
async function graphql(hub: HubProcess, token: string, purpose: string, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-purpose': purpose, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('operator commands while the hub runs (its operator channel)', () => {
  let env: NodeJS.ProcessEnv;
  let started: HubProcess | undefined;
  /** The hub this describe started (beforeAll), or the one it started again. */
  const running = (): HubProcess => {
    if (!started) throw new Error('the hub did not start');
    return started;
  };
  const cli = async (...args: string[]) => {
    const result = await runCli(env, args);
    expect({ args, stderr: result.stderr, code: result.code }).toEqual({ args, stderr: '', code: 0 });
    return result.stdout;
  };

  beforeAll(async () => {
    env = hubEnv({ dataDir: workspace.folder, config: 'config/demo.config.json', databaseUrl: workspace.databaseUrl, extra: { HUB_LOAD_ON_START: 'false' } });
    started = await startHubProcess(env);
  }, SLOW);
  afterAll(async () => {
    if (started) await stopHubProcess(started);
  }, SLOW);

  test(
    'the socket is the data owner’s alone (0600), and the HTTP port does not lead to it',
    async () => {
      expect((await stat(join(workspace.folder, 'hub.sock'))).mode & 0o777).toBe(0o600);
      const origin = new URL(running().url).origin;
      for (const path of ['/commands', '/ping']) {
        const response = await fetch(`${origin}${path}`, {
          method: path === '/ping' ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json' },
          body: path === '/ping' ? null : JSON.stringify({ command: 'client revoke', args: ['demo-bank'], cwd: '/' }),
        });
        expect(response.status).toBe(404);
      }
      expect(JSON.parse(await cli('client', 'list', '--json'))).toContainEqual(expect.objectContaining({ id: 'demo-bank', revokedAt: null }));
    },
    SLOW,
  );

  test(
    'client add, token mint, client revoke (refused at once), key rotate, audit verify, all audited as the local operator',
    async () => {
      const prefix = join(workspace.folder, 'op-bank');
      await cli('client', 'keygen', '--out', prefix);
      // A relative key path is the operator's, resolved in their working folder, not the hub's.
      const added = await runCli({ ...env }, [
        'client',
        'add',
        '--id',
        'op-bank',
        '--name',
        '运维测试银行',
        '--type',
        'BANK',
        '--public-key',
        `${prefix}.public.jwk.json`,
      ]);
      expect(added).toMatchObject({ code: 0, stderr: '', stdout: 'client op-bank registered (BANK; scopes credit:report)\n' });

      const token = (await cli('token', 'mint', 'op-bank')).trim();
      expect((await graphql(running(), token, 'LOAN_REVIEW', '{ __typename }')).status).toBe(200);
      expect(await cli('client', 'revoke', 'op-bank')).toBe('client op-bank revoked: its tokens are refused from now on\n');
      expect((await graphql(running(), token, 'LOAN_REVIEW', '{ __typename }')).status).toBe(401);
      const again = await runCli(env, ['client', 'revoke', 'op-bank']);
      expect(again).toMatchObject({ code: 1, stdout: 'no active client op-bank\n' });

      const rotated = await cli('key', 'rotate');
      expect(rotated).toMatch(/^new signing key \S+ is active/);
      const kid = /^new signing key (\S+)/.exec(rotated)?.[1];
      // The running hub signs with the new key at once (its own key set did the rotation).
      const adminToken = (await cli('token', 'mint', 'demo-admin')).trim();
      const header = JSON.parse(Buffer.from(adminToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string };
      expect(header.kid).toBe(kid);

      const log = await graphql(
        running(),
        adminToken,
        'OPERATIONS',
        '{ auditLog(filter: { clientId: "local-operator" }, first: 20) { edges { node { clientType operation returned outcome } } } }',
      );
      expect(log.status).toBe(200);
      const entries = (
        log.body as { data: { auditLog: { edges: { node: { clientType: string; operation: string; returned: string[] } }[] } } }
      ).data.auditLog.edges.map((edge) => edge.node);
      expect(entries.map((entry) => entry.operation).reverse()).toEqual([
        'operator client add',
        'operator token mint',
        'operator client revoke',
        'operator key rotate',
        'operator token mint',
      ]);
      expect(entries).toContainEqual({ clientType: 'OPERATOR', operation: 'operator client revoke', returned: ['client:op-bank'], outcome: 'OK' });
      expect(entries).toContainEqual(expect.objectContaining({ operation: 'operator key rotate', returned: [`signing-key:${kid ?? ''}`] }));

      expect(await cli('audit', 'verify')).toMatch(/^audit log intact: \d+ entries/);
    },
    SLOW,
  );

  test(
    '--json outputs parse; a refusal names the argument, the rule and the value',
    async () => {
      expect(JSON.parse(await cli('console', 'list', '--json'))).toEqual({ users: [], sessions: [] });
      expect(JSON.parse(await cli('quarantine', 'replay', '--agency', 'SH-QP-SAMR', '--json'))).toMatchObject({ examined: 0, replayed: 0 });
      // PORT=0 let the hub pick its port: HUB_URL tells status where it is.
      const statusRun = await runCli({ ...env, HUB_URL: new URL(running().url).origin }, ['status', '--json']);
      expect(statusRun).toMatchObject({ code: 0, stderr: '' });
      const status = JSON.parse(statusRun.stdout) as { hub: { ready: boolean }; store: Record<string, unknown> };
      expect(status.hub.ready).toBe(true);
      expect(status.store).toMatchObject({ auditEntries: expect.any(Number) });

      const badAgency = await runCli(env, ['quarantine', 'replay', '--agency', 'sh; drop']);
      expect(badAgency.code).toBe(1);
      expect(badAgency.stderr).toContain('--agency "sh; drop" is not an agency code: 2-40 characters of A-Z, 0-9, _ and -');
      const unknownAgency = await runCli(env, ['quarantine', 'replay', '--agency', 'XX-NONE']);
      expect(unknownAgency.code).toBe(1);
      expect(unknownAgency.stderr).toContain('--agency XX-NONE is not a configured and registered agency');
    },
    SLOW,
  );

  test(
    'a CLI aborting a request mid-body does not stop the hub; the audit names the OS user and what client add granted',
    async () => {
      const socket = createConnection(join(workspace.folder, 'hub.sock'));
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write('POST /commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"command":');
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(running().child.exitCode).toBeNull();
      const adminToken = (await cli('token', 'mint', 'demo-admin')).trim();
      const log = await graphql(
        running(),
        adminToken,
        'OPERATIONS',
        '{ auditLog(filter: { clientId: "local-operator" }, first: 50) { edges { node { operation returned person } } } }',
      );
      const entries = (
        log.body as { data: { auditLog: { edges: { node: { operation: string; returned: string[]; person: string | null } }[] } } }
      ).data.auditLog.edges.map((edge) => edge.node);
      expect(entries).toContainEqual({
        operation: 'operator client add',
        returned: ['client:op-bank', 'scope:credit:report', 'type:BANK'],
        person: `${userInfo().username} (OS user)`,
      });
    },
    SLOW,
  );

  test(
    'the CLI refuses a socket in a folder others may write, a socket answering as another hub, and a folder with no database',
    async () => {
      const planted = join(workspace.folder, 'planted');
      await mkdir(planted, { mode: 0o700 });
      const fake = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hub: 'someone-else' }));
      });
      await new Promise<void>((resolve) => fake.listen(join(planted, 'hub.sock'), resolve));
      try {
        const otherHub = await runCli({ ...env, HUB_DATA_DIR: planted }, ['client', 'list']);
        expect(otherHub).toMatchObject({ code: 1, stdout: '' });
        expect(otherHub.stderr).toContain(`the operator socket ${join(planted, 'hub.sock')} answers as hub "someone-else", not `);
        await chmod(planted, 0o777);
        const open = await runCli({ ...env, HUB_DATA_DIR: planted }, ['client', 'list']);
        expect(open).toMatchObject({ code: 1, stdout: '' });
        expect(open.stderr).toContain(`the data folder ${planted} is writable by group or others (mode 777)`);
      } finally {
        fake.close();
      }
      const empty = join(workspace.folder, 'empty');
      await mkdir(empty, { mode: 0o700 });
      const embedded = Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'DATABASE_URL'));
      const none = await runCli({ ...embedded, HUB_DATA_DIR: empty }, ['client', 'list']);
      expect(none).toMatchObject({ code: 1, stdout: '' });
      expect(none.stderr).toContain(`no hub database in ${empty}: run from the hub's folder or set HUB_DATA_DIR`);
      await expect(stat(join(empty, 'pglite'))).rejects.toMatchObject({ code: 'ENOENT' });
    },
    SLOW,
  );

  test(
    'a hub killed leaves a stale socket: the CLI opens the database itself, and the next hub replaces the socket',
    async () => {
      await killHubProcess(running());
      const socket = join(workspace.folder, 'hub.sock');
      expect((await stat(socket)).isSocket()).toBe(true);

      expect(JSON.parse(await cli('client', 'list', '--json'))).toContainEqual(expect.objectContaining({ id: 'op-bank', revokedAt: expect.any(String) }));
      expect(await cli('key', 'rotate')).toMatch(/^new signing key/);

      started = await startHubProcess(env);
      expect(running().lines.some((line) => line.includes('operator channel open'))).toBe(true);
      expect(await stopHubProcess(running())).toBe(0);
      await expect(stat(socket)).rejects.toMatchObject({ code: 'ENOENT' });
      // No hub and no socket: the CLI works on its own.
      expect(await cli('audit', 'verify')).toMatch(/^audit log intact/);
    },
    SLOW,
  );
});

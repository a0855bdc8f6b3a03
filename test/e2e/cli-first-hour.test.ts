import { describe, expect, test } from '@jest/globals';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hubEnv, hubWorkspace, runCli, startHubProcess, stopHubProcess } from '../support/hub-process.js';

const workspace = hubWorkspace('hub-cli-');
/** Each CLI call is a process compiling its TypeScript, and the hub starts twice: minutes on two shared cores under load. */
const SLOW = 300_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.listen({ port: 0, host: '127.0.0.1' }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the operator CLI as a newcomer uses it', () => {
  test('--help prints the usage and exits 0; no command prints it and exits 1', async () => {
    const env = hubEnv({ dataDir: workspace.folder, config: 'config/demo.config.json' });
    const help = await runCli(env, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('client keygen --out PREFIX');
    expect(help.stdout).toContain('Exit codes:');
    const none = await runCli(env, []);
    expect(none.code).toBe(1);
  });

  test(
    'keygen makes a key pair, client add registers it, and token request finds the hub on PORT',
    async () => {
      const port = await freePort();
      const env = hubEnv({
        dataDir: workspace.folder,
        config: 'config/demo.config.json',
        databaseUrl: workspace.databaseUrl,
        extra: { PORT: String(port), HUB_LOAD_ON_START: 'false' },
      });
      const prefix = join(workspace.folder, 'new-bank');

      const keygen = await runCli(env, ['client', 'keygen', '--out', prefix]);
      expect(keygen.stderr).toBe('');
      expect(keygen.code).toBe(0);
      expect((await stat(`${prefix}.private.jwk.json`)).mode & 0o777).toBe(0o600);
      const again = await runCli(env, ['client', 'keygen', '--out', prefix]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('EEXIST');

      const unreachable = await runCli(env, ['token', 'request', '--client', 'new-bank', '--key', `${prefix}.private.jwk.json`]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain(`cannot reach the hub at http://localhost:${port} (ECONNREFUSED)`);

      const placeholder = await runCli(env, ['client', 'add', '--id', 'new-bank', '--name', '新银行', '--type', 'BANK', '--jwks-url', '<your JWKS URL>']);
      expect(placeholder.code).toBe(1);
      expect(placeholder.stderr).toContain('jwksUrl: "<your JWKS URL>" is not an https URL');

      // The hub must have run once to create its database before a client can be added to it.
      await stopHubProcess(await startHubProcess(env));
      const added = await runCli(env, ['client', 'add', '--id', 'new-bank', '--name', '新银行', '--type', 'BANK', '--public-key', `${prefix}.public.jwk.json`]);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);

      // A file of the demo agency's penalties, imported through its file-drop source's mapping.
      const file = join(workspace.folder, 'penalties-extra.csv');
      await writeFile(file, (await readFile('demo/drop/SH-QP-SAMR/penalties/penalties.csv', 'utf8')).split('\n').slice(0, 11).join('\n'));
      const ambiguous = await runCli(env, ['import', file, '--agency', 'SH-QP-SAMR']);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toContain(
        'SH-QP-SAMR has several file-drop sources (file-drop-1, file-drop-2): name the one whose mapping reads the file with --source',
      );
      const imported = await runCli(env, ['import', file, '--agency', 'SH-QP-SAMR', '--source', 'file-drop-1', '--json']);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ received: 10, inserted: 10, batches: 1 });
      const reimported = await runCli(env, ['import', file, '--agency', 'SH-QP-SAMR', '--source', 'file-drop-1']);
      expect(reimported.stdout).toBe('imported penalties-extra.csv for SH-QP-SAMR: 10 rows in 1 batches; 0 inserted, 0 updated, 10 unchanged, 0 quarantined\n');

      const listed = await runCli(env, ['client', 'list', '--json']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ id: 'new-bank', type: 'BANK', scopes: ['credit:report'], revokedAt: null }));

      const hub = await startHubProcess(env);
      try {
        const token = await runCli(env, ['token', 'request', '--client', 'new-bank', '--key', `${prefix}.private.jwk.json`]);
        expect(token.stderr).toBe('');
        expect(token.code).toBe(0);
        expect(token.stdout.trim().split('.')).toHaveLength(3);

        const running = await runCli(env, ['status', '--json']);
        expect(running.code).toBe(0);
        const status = JSON.parse(running.stdout) as { hub: { ready: boolean }; store: Record<string, unknown> };
        expect(status.hub.ready).toBe(true);
        // Read through the running hub's operator channel, on either engine.
        expect(status.store).toMatchObject({
          auditEntries: expect.any(Number),
          sources: expect.arrayContaining([expect.objectContaining({ agency: 'SH-QP-SAMR' })]),
        });
      } finally {
        await stopHubProcess(hub);
      }
      const stopped = await runCli(env, ['status']);
      expect(stopped.code).toBe(3);
      expect(stopped.stdout).toContain(`hub at http://localhost:${port}/readyz: no answer (ECONNREFUSED)`);
      expect(stopped.stdout).toMatch(/^source SH-QP-SAMR\/file-drop-1: last successful run never$/m);
    },
    SLOW,
  );
});

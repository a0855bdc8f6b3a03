import { describe, expect, test } from '@jest/globals';
import { requestToken } from '../../server/auth/request-token.js';
import { TEST_ENGINE } from '../support/database.js';
import { hubEnv, hubWorkspace, runCli, startHubProcess, stopHubProcess } from '../support/hub-process.js';

const workspace = hubWorkspace('hub-e2e-');

const env = () => hubEnv({ dataDir: workspace.folder, config: 'config/demo.config.json', databaseUrl: workspace.databaseUrl });
const startHub = () => startHubProcess(env());
const stopHub = stopHubProcess;
const cli = (args: string[]) => runCli(env(), args);

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
      expect(await ready.json()).toEqual({ status: 'ready', database: TEST_ENGINE, firstLoad: 'finished' });
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
      const body = (await response.json()) as {
        data: { agencies: { code: string }[]; records: { totalCount: number } };
        extensions: { auditEntries: number[] };
      };
      expect(body.data.agencies.map((a) => a.code).sort()).toEqual(['AH-HF-EEB', 'JS-WJ-SAMR', 'SH-QP-SAMR', 'ZJ-JS-TAX']);
      expect(body.data.records.totalCount).toBe(99);
      expect(body.extensions.auditEntries).toHaveLength(1);
      // While the hub holds the embedded database, an operator command runs inside it (the operator socket).
      const listed = await cli(['client', 'list', '--json']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('"id":"demo-agency"');
    } finally {
      expect(await stopHub(first)).toBe(0);
    }
    expect(first.lines.join('\n')).toContain('"msg":"stopped"');

    const verified = await cli(['audit', 'verify']);
    expect(verified.stdout).toMatch(/audit log intact: 1 entries/);
    expect(verified.code).toBe(0);
    const listed = await cli(['client', 'list']);
    expect(listed.stdout).toMatch(/^demo-agency\tAGENCY\tSH-QP-SAMR\tactive\tprivate_key_jwt/m);

    const second = await startHub();
    try {
      expect(loadedTotals(second.lines)).toMatchObject({ received: 4000, inserted: 0, updated: 0, unchanged: 3985 });
    } finally {
      expect(await stopHub(second)).toBe(0);
    }
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { hubEnv, hubWorkspace, startHubProcess, stopHubProcess, type HubProcess } from '../support/hub-process.js';
import { authorityUscc } from '../support/records.js';

const workspace = hubWorkspace('hub-e2e-reload-');

/** A hub with one agency and one file-drop source, as an operator writes it. */
function config(drop: string, changes: { afterRun?: 'keep' | 'move'; agencyName?: string } = {}) {
  const source = { type: 'file-drop', name: 'drop', folder: drop, afterRun: changes.afterRun ?? 'move', mapping: { kind: 'PENALTY' } };
  return {
    hub: { id: 'hub-reload', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: changes.agencyName ?? '上海市市场监督管理局', region: '310000', uscc: authorityUscc('310000', 2), sources: [source] }],
  };
}

/** The next log line with this message, once the hub writes it. */
async function logLine(hub: HubProcess, message: string, after: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const line = hub.lines.slice(after).find((l) => l.includes(`"msg":"${message}"`));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${message}" in the hub's log:\n${hub.lines.join('\n')}`);
}

describe('SIGHUP', () => {
  test('re-reads the config file: applies what it can, names what needs a restart, keeps running on a bad file', async () => {
    const drop = join(workspace.folder, 'drop');
    await mkdir(drop, { recursive: true });
    const path = join(workspace.folder, 'hub.config.json');
    await writeFile(path, JSON.stringify(config(drop)));
    const hub = await startHubProcess(
      hubEnv({ dataDir: workspace.folder, config: path, databaseUrl: workspace.databaseUrl, extra: { HUB_LOAD_ON_START: 'false' } }),
    );
    try {
      await writeFile(path, JSON.stringify(config(drop, { afterRun: 'keep', agencyName: '新名称' })));
      let seen = hub.lines.length;
      hub.child.kill('SIGHUP');
      expect(await logLine(hub, 'configuration reloaded', seen)).toMatchObject({
        changed: ['agencies.SH-SAMR.sources.drop.afterRun'],
        needsRestart: ['agencies.SH-SAMR.name'],
      });

      await writeFile(path, '{ "hub": ');
      seen = hub.lines.length;
      hub.child.kill('SIGHUP');
      const refused = await logLine(hub, 'configuration not reloaded', seen);
      expect(JSON.stringify(refused)).toContain('is not JSON: ValueExpected');
      const health = await fetch(hub.url.replace('/graphql', '/healthz'));
      expect(health.status).toBe(200);
    } finally {
      expect(await stopHubProcess(hub)).toBe(0);
    }
  });
});

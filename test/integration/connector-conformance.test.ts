import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubConfigSchema, type SourceConfig } from '../../server/hub-config.js';
import type { FileDropSourceConfig } from '../../connectors/file-drop/config.js';
import type { HttpJsonSourceConfig } from '../../connectors/http-json/config.js';
import type { Mapping } from '../../connectors/mapping-schema.js';
import { createFileDropConnector, FILE_DROP_BATCH_SIZE } from '../../connectors/file-drop/index.js';
import { createHttpJsonConnector } from '../../connectors/http-json/index.js';
import { startAgencyApi, type AgencyApi } from '../support/agency-api.js';
import { defineConnectorConformanceSuite, type AgencyRow, type ConformanceSource } from '../support/connector-conformance.js';
import { AUTHORITY_USCC } from '../support/records.js';

/** A source as the config file declares it, with every default filled in. */
function parsedSource(source: Record<string, unknown>): SourceConfig {
  const config = hubConfigSchema.parse({
    hub: { id: 'hub-test', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: 'x', region: '310000', uscc: AUTHORITY_USCC, sources: [source] }],
  });
  const [parsed] = config.agencies[0]?.sources ?? [];
  if (!parsed) throw new Error('the source did not parse');
  return parsed;
}

const jsonLines = (rows: readonly AgencyRow[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

interface FolderSource extends ConformanceSource {
  readonly folder: string;
}

defineConnectorConformanceSuite<FolderSource>('file-drop', {
  rowsForSeveralBatches: FILE_DROP_BATCH_SIZE + 10,
  createSource: async () => {
    const folder = await mkdtemp(join(tmpdir(), 'hub-conformance-drop-'));
    const file = join(folder, 'records.jsonl');
    let rows: readonly AgencyRow[] = [];
    return {
      folder,
      serve: async (truth) => {
        rows = truth;
        await writeFile(file, jsonLines(rows));
      },
      // The file is cut mid-line, as a transfer that broke off leaves it.
      truncateNextRead: async () => {
        const text = jsonLines(rows);
        await writeFile(file, text.slice(0, Math.floor(text.length / 2)));
      },
      // Bytes that are not UTF-8 from the start.
      malformNextRead: () => writeFile(file, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0x0a])),
      close: () => rm(folder, { recursive: true, force: true }),
    };
  },
  createConnector: (source, name, mapping: Mapping, deps) =>
    createFileDropConnector(
      'SH-SAMR',
      name,
      {
        ...(parsedSource({ type: 'file-drop', name, folder: source.folder, afterRun: 'keep', mapping: { kind: 'PENALTY' } }) as FileDropSourceConfig),
        mapping,
      },
      deps,
    ),
});

interface ApiSource extends ConformanceSource {
  readonly api: AgencyApi;
}

const TIMEOUT_MS = 1000;

defineConnectorConformanceSuite<ApiSource>('http-json', {
  rowsForSeveralBatches: 12,
  timeoutMs: TIMEOUT_MS,
  createSource: async () => {
    const api = await startAgencyApi();
    return {
      api,
      serve: (truth) => {
        api.records.clear();
        for (const row of truth) api.records.set(String(row['id']), { ...row });
        return Promise.resolve();
      },
      truncateNextRead: () => {
        api.faults.push({ cutOff: true });
        return Promise.resolve();
      },
      malformNextRead: () => {
        api.faults.push({ notJson: true });
        return Promise.resolve();
      },
      hangNextRead: () => void api.faults.push({ hang: true }),
      close: () => api.close(),
    };
  },
  createConnector: (source, name, mapping: Mapping, deps) =>
    createHttpJsonConnector(
      'SH-SAMR',
      name,
      {
        ...(parsedSource({
          type: 'http-json',
          name,
          url: source.api.url,
          pageSize: 5,
          retries: 0,
          timeoutMs: TIMEOUT_MS,
          mapping: { kind: 'PENALTY' },
        }) as HttpJsonSourceConfig),
        mapping,
      },
      deps,
    ),
});

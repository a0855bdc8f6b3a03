/**
 * Benchmark (not a test): a full sync of N records from a loopback agency API (its own process),
 * through the http-json connector and the ingestion core, then an incremental sync after 1% of the
 * records changed; reports distinct records stored per second, the ratio of the two, and the hub's
 * peak RSS. `--feed standard` pulls penalties in standard columns by cursor, pages of 1,000; `--feed
 * mixed` pulls penalties and permits together in an agency's own columns and kind codes, by page
 * number, pages capped at 500, through a per-kind mapping (see bench/agency-api-server.ts).
 *
 *   npm run bench:sync -- --engine postgres --records 1000000 [--feed mixed]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { hubConfigSchema } from '../server/hub-config.js';
import { createHub } from '../server/app.js';
import { AUTHORITY, countArg, engineArg, openBenchDatabase, runBenchmark, say } from './support.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string', default: 'postgres' }, records: { type: 'string', default: '1000000' }, feed: { type: 'string', default: 'standard' } },
});
const FEED = args.feed === 'mixed' ? 'mixed' : 'standard';
if (args.feed !== FEED) throw new Error(`--feed must be standard or mixed (got ${args.feed})`);

/** The mixed feed's source: page numbers, epoch-ms since, the code/data envelope, one mapping per kind. */
const MIXED_SOURCE = {
  paging: 'page',
  pageSize: 500,
  params: { updatedSince: 'since', pageSize: 'size', page: 'page' },
  sinceFormat: 'epoch-ms',
  updatedAtField: 'gxsj',
  response: { records: 'data.list', hasMore: 'data.hasMore', status: { field: 'code', ok: ['0'], message: 'msg' } },
  mapping: {
    kindColumn: 'lx',
    kindValues: { XZCF: 'PENALTY', XZXK: 'PERMIT' },
    sourceRecordIdColumn: 'id',
    defaults: { CF_SJLY: '上海市市场监督管理局', CF_SJLYDM: AUTHORITY, XK_LYDW: '上海市市场监督管理局', XK_LYDWDM: AUTHORITY },
    byKind: {
      PENALTY: {
        columns: {
          dsr_mc: 'CF_XDR_MC',
          dsr_lb: 'CF_XDR_LB',
          tyshxydm: 'CF_XDR_SHXYM',
          fddbr: 'CF_FRDB',
          wsh: 'CF_WSH',
          jdrq: 'CF_JDRQ',
          jdjg: 'CF_CFJG',
          jdjgdm: 'CF_CFJGDM',
          wfxw: 'CF_WFXW',
          wfss: 'CF_SY',
          cfyj: 'CF_YJ',
          cflb: 'CF_CFLB',
          cfnr: 'CF_NR',
          fkje: 'CF_NR_FK',
        },
        values: { CF_XDR_LB: { '1': '01', '2': '02' }, CF_CFLB: { '01': '警告', '02': '罚款' } },
      },
      PERMIT: {
        columns: {
          dsr_mc: 'XK_XDR_MC',
          dsr_lb: 'XK_XDR_LB',
          tyshxydm: 'XK_XDR_SHXYM',
          fddbr: 'XK_FRDB',
          wsh: 'XK_WSH',
          jdrq: 'XK_JDRQ',
          jdjg: 'XK_XKJG',
          jdjgdm: 'XK_XKJGDM',
          xklb: 'XK_XKLB',
          xknr: 'XK_NR',
          yxqz: 'XK_YXQZ',
          yxq: 'XK_YXQZI',
        },
        values: { XK_XDR_LB: { '1': '01', '2': '02' } },
      },
    },
  },
};
const ENGINE = engineArg(args.engine);
const TOTAL = countArg('records', args.records);

async function startAgencyApi(): Promise<{ url: string; change: () => Promise<void>; stop: () => void }> {
  // The compiled sibling (npm run bench:sync), or the source under the same loader (tsx bench/sync.ts).
  const server = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './agency-api-server.ts' : './agency-api-server.js', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, server, String(TOTAL), FEED], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      resolve(Number(/listening (\d+)/.exec(chunk.toString())?.[1]));
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/penalties`,
    change: async () => {
      await fetch(`${base}/change`, { method: 'POST' });
    },
    stop: () => child.kill(),
  };
}

async function main(): Promise<void> {
  say(`sync bench: ${ENGINE}, ${FEED} feed, ${TOTAL} records; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`);
  const api = await startAgencyApi();
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const config = hubConfigSchema.parse({
      hub: { id: 'hub-bench', region: '310000' },
      agencies: [
        {
          code: 'BENCH',
          name: '基准测试机构',
          region: '310000',
          uscc: AUTHORITY,
          sources: [
            FEED === 'mixed'
              ? { type: 'http-json', url: api.url, ...MIXED_SOURCE }
              : { type: 'http-json', url: api.url, pageSize: 1000, mapping: { kindColumn: 'kind', sourceRecordIdColumn: 'id' } },
          ],
        },
      ],
    });
    const hub = await createHub({ config, database, logger: pino({ level: 'warn' }), clock: () => new Date() });
    await hub.registerFromConfig();
    const reportProgress = async () => {
      const row = await database.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirst()
        .catch(() => undefined);
      say(`  ${row?.n ?? '?'} records stored, RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
    };
    const progress = setInterval(() => {
      void reportProgress();
    }, 10_000);

    let started = performance.now();
    const full = await hub.loadSources();
    const fullSeconds = (performance.now() - started) / 1000;
    if (full.inserted !== TOTAL) throw new Error(`full sync stored ${full.inserted} of ${TOTAL}`);
    say(`full sync: ${TOTAL} records in ${fullSeconds.toFixed(1)} s = ${Math.round(TOTAL / fullSeconds)} records/s`);

    await api.change();
    started = performance.now();
    const incremental = await hub.loadSources();
    const incrementalSeconds = (performance.now() - started) / 1000;
    clearInterval(progress);
    say(
      `incremental sync (1% changed): received ${incremental.received}, updated ${incremental.updated} in ${incrementalSeconds.toFixed(2)} s; ${(fullSeconds / incrementalSeconds).toFixed(1)}× faster than the full sync`,
    );
    say(`hub peak RSS: ${Math.round(peakRss / 1e6)} MB`);
    await hub.stop();
  } finally {
    clearInterval(sampler);
    api.stop();
    await cleanup();
  }
}

runBenchmark(main);

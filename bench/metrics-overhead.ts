/**
 * Benchmark (not a test): what the Prometheus metrics cost a request. Two hubs over the same database
 * and data, one with `metrics.enabled` and one without, answer the same subject query; rounds of
 * concurrent queries alternate between them, and the throughput of each and their ratio are reported
 * (target: metrics cost at most 2 %). A scrape of /metrics runs every second against the metered hub
 * meanwhile, as Prometheus would (more often than its usual 15 s).
 *
 *   npm run bench:metrics -- --engine pglite
 *   npm run bench:metrics -- --engine postgres
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createHub } from '../server/app.js';
import { countArg, engineArg, ingestGenerated, openBenchDatabase, percentile, runBenchmark, say, startBenchHub, timeSubjectQuery } from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    subjects: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '40' },
    queries: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
  },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const ROUNDS = countArg('rounds', args.rounds);
const QUERIES = countArg('queries', args.queries);
const CONCURRENCY = countArg('concurrency', args.concurrency);
const PER_SUBJECT = 5;

/** One round: `QUERIES` subject queries, `CONCURRENCY` at a time; returns each one's time and the round's wall time. */
async function round(port: number, headers: Record<string, string>): Promise<{ times: number[]; ms: number }> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < QUERIES) {
        next += 1;
        times.push(await timeSubjectQuery(port, headers, SUBJECTS, PER_SUBJECT));
      }
    }),
  );
  return { times, ms: performance.now() - started };
}

async function main(): Promise<void> {
  say(
    `metrics overhead: ${ENGINE}, ${SUBJECTS} subjects × ${PER_SUBJECT} records, ${ROUNDS} rounds × ${QUERIES} queries each way, ${CONCURRENCY} at a time; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}; ${new Date().toISOString()}`,
  );
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  const { hub: metered, config, headers, stop } = await startBenchHub(database);
  const unmetered = await createHub({
    config: { ...config, metrics: { ...config.metrics, enabled: false } },
    database,
    logger: pino({ level: 'warn' }),
    clock: () => new Date(),
  });
  try {
    await ingestGenerated(metered, SUBJECTS, PER_SUBJECT, { batchSize: 5000, agencies: 1 });
    const on = await metered.listen(0, '127.0.0.1');
    const off = await unmetered.listen(0, '127.0.0.1');
    const scrapes = setInterval(() => void fetch(`http://127.0.0.1:${on}/metrics`, { headers }).then((response) => response.text()), 1000);
    const totals = { on: { ms: 0, times: [] as number[] }, off: { ms: 0, times: [] as number[] } };
    await round(on, headers); // warm-up
    await round(off, headers);
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so a drift of the machine weighs on both alike.
      const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      for (const side of order) {
        const result = await round(side === 'on' ? on : off, headers);
        totals[side].ms += result.ms;
        totals[side].times.push(...result.times);
      }
    }
    clearInterval(scrapes);
    const perSecond = (side: 'on' | 'off') => (totals[side].times.length / totals[side].ms) * 1000;
    for (const side of ['off', 'on'] as const) {
      const sorted = [...totals[side].times].sort((a, b) => a - b);
      say(`metrics ${side}: ${perSecond(side).toFixed(1)} queries/s, p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms`);
    }
    const ratio = perSecond('on') / perSecond('off');
    say(`throughput with metrics / without: ${ratio.toFixed(4)} (cost ${((1 - ratio) * 100).toFixed(2)} %)`);
  } finally {
    await unmetered.stop();
    await stop();
    await cleanup();
  }
}

runBenchmark(main);

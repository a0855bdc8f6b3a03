/**
 * Benchmark (not a test): ingest N subjects × M records through the ingestion core, then measure
 * the latency of a subject-profile GraphQL query over HTTP (with its token check and audit entry).
 *
 *   npm run bench -- --engine pglite   --subjects 100000 --records 10
 *   npm run bench -- --engine postgres --subjects 100000 --records 10   # temporary local server, or BENCH_DATABASE_URL
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ingestGenerated, openBenchDatabase, percentile, runBenchmark, say, startBenchHub, timeSubjectQuery } from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    batch: { type: 'string', default: '5000' },
    queries: { type: 'string', default: '2000' },
  },
});
const SUBJECTS = Number(args.subjects);
const PER_SUBJECT = Number(args.records);
const QUERIES = Number(args.queries);

async function main(): Promise<void> {
  const total = SUBJECTS * PER_SUBJECT;
  say(`bench: ${args.engine}, ${SUBJECTS} subjects × ${PER_SUBJECT} records = ${total} records, batches of ${args.batch}; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`);
  const { database, cleanup } = await openBenchDatabase(args.engine);
  const { hub, headers, stop } = await startBenchHub(database);
  try {
    const perSecond = await ingestGenerated(hub, SUBJECTS, PER_SUBJECT, Number(args.batch), (done, rate) => say(`  ingested ${done} records (${rate} records/s)`));
    say(`ingest: ${total} records at ${Math.round(perSecond)} records/s`);

    const port = await hub.listen(0, '127.0.0.1');
    const latencies: number[] = [];
    for (let i = 0; i < QUERIES; i++) latencies.push(await timeSubjectQuery(port, headers, SUBJECTS, PER_SUBJECT));
    latencies.sort((a, b) => a - b);
    say(`subject profile query over HTTP (${QUERIES} queries): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);
  } finally {
    await stop();
    await cleanup();
  }
}

runBenchmark(main);

/**
 * Benchmark (not a test): ingest N subjects × M records through the ingestion core, then measure
 * the latency of a subject-profile GraphQL query over HTTP (with its token check and audit entry).
 *
 *   npm run bench -- --engine pglite   --subjects 100000 --records 10
 *   npm run bench -- --engine postgres --subjects 100000 --records 10   # temporary local server, or BENCH_DATABASE_URL
 *   npm run bench -- --engine postgres --agencies 2                     # two agencies ingesting at once
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { countArg, engineArg, ingestGenerated, openBenchDatabase, percentile, runBenchmark, say, startBenchHub, timeSubjectQuery } from './support.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    subjects: { type: 'string', default: '100000' },
    records: { type: 'string', default: '10' },
    batch: { type: 'string', default: '5000' },
    agencies: { type: 'string', default: '1' },
    queries: { type: 'string', default: '2000' },
  },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const PER_SUBJECT = countArg('records', args.records);
const QUERIES = countArg('queries', args.queries);
const AGENCIES = countArg('agencies', args.agencies);
const BATCH = countArg('batch', args.batch);

async function main(): Promise<void> {
  const total = SUBJECTS * PER_SUBJECT;
  say(
    `bench: ${ENGINE}, ${SUBJECTS} subjects × ${PER_SUBJECT} records = ${total} records, batches of ${BATCH}, ${AGENCIES} agencies ingesting at once; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`,
  );
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  const { hub, headers, stop } = await startBenchHub(database, AGENCIES);
  try {
    const perSecond = await ingestGenerated(hub, SUBJECTS, PER_SUBJECT, {
      batchSize: BATCH,
      agencies: AGENCIES,
      progress: (done, rate) => say(`  ingested ${done} records (${rate} records/s)`),
    });
    say(`ingest: ${total} records at ${Math.round(perSecond)} records/s`);
    // What an operator does after a bulk load, and what autovacuum would otherwise be doing while the
    // queries are timed: visibility map and planner statistics for the new rows.
    const vacuumStarted = performance.now();
    await sql`vacuum (analyze)`.execute(database.db);
    say(`vacuum analyze after the load: ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);

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

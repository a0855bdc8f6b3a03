/**
 * Benchmark (not a test): ingest N subjects × M records through the ingestion core, then measure
 * the latency of a subject-profile GraphQL query over HTTP (with its token check and audit entry).
 *
 *   npm run bench -- --engine pglite   --subjects 100000 --records 10
 *   npm run bench -- --engine postgres --subjects 100000 --records 10   # temporary local server, or BENCH_DATABASE_URL
 */
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { PURPOSE_HEADER } from '../server/auth/require-access.js';
import { ingestGenerated, openBenchDatabase, percentile, say, startBenchHub, subjectUscc, SUBJECT_PROFILE_QUERY } from './support.js';

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
  const { hub, token, folder } = await startBenchHub(database);
  try {
    const perSecond = await ingestGenerated(hub, SUBJECTS, PER_SUBJECT, Number(args.batch), (done, rate) => say(`  ingested ${done} records (${rate} records/s)`));
    say(`ingest: ${total} records at ${Math.round(perSecond)} records/s`);

    const port = await hub.listen(0, '127.0.0.1');
    const latencies: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const uscc = subjectUscc(Math.floor(Math.random() * SUBJECTS));
      const t0 = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [PURPOSE_HEADER]: 'OPERATIONS' },
        body: JSON.stringify({ query: SUBJECT_PROFILE_QUERY, variables: { u: uscc } }),
      });
      const body = (await response.json()) as { data?: { subject?: { records: { totalCount: number } } } };
      latencies.push(performance.now() - t0);
      if (body.data?.subject?.records.totalCount !== PER_SUBJECT) throw new Error(`unexpected answer for ${uscc}: HTTP ${response.status}`);
    }
    latencies.sort((a, b) => a - b);
    say(`subject profile query over HTTP (${QUERIES} queries): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);
  } finally {
    await hub.stop();
    await cleanup();
    await rm(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

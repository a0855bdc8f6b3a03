/**
 * Benchmark (not a test): the most expensive requests a token holder can build, and what they do to
 * everyone else. Each hostile request is sent alone (its HTTP status, price, time, response size and
 * the hub's peak heap are reported); then the costliest one that the limits let through is sent over
 * and over from 4 connections for a few seconds while an honest client times its subject-profile
 * queries and /healthz.
 *
 *   npm run bench:hostile -- --engine postgres --subjects 20000
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import {
  countArg,
  engineArg,
  ingestGenerated,
  openBenchDatabase,
  percentile,
  runBenchmark,
  say,
  startBenchHub,
  subjectUscc,
  timeSubjectQuery,
} from './support.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string', default: 'postgres' }, subjects: { type: 'string', default: '20000' }, seconds: { type: 'string', default: '10' } },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const SECONDS = countArg('seconds', args.seconds);
const PER_SUBJECT = 10;

const aliases = (count: number, field: string) => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
const RECORD_FIELDS = `id kind sourceRecordId status eventDate validFrom validTo publicationEnd documentNumber originHub version recordedAt updatedAt
  agency { code name } party { name category uscc legalRepresentative idType idNumberMasked } originRegion { code name }
  penalty { violationType facts legalBasis penaltyTypes content fine { yuan } authority } standardFields { code label value } history { sequence change changedAt }`;

/** Requests a hostile client builds: the findings first, then the costliest the limits admit. */
const HOSTILE: readonly { name: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    name: '5,000 aliases of records(first: $n) { totalCount }, n = 100',
    query: `query($n: Int) { ${aliases(5000, 'records(first: $n) { totalCount }')} }`,
    variables: { n: 100 },
  },
  { name: '5,300 aliases of an introspection query', query: `{ ${aliases(5300, '__schema { types { name fields { name type { name } } } }')} }` },
  {
    name: '4 introspection queries (within the limits)',
    query: `{ ${aliases(4, '__schema { types { name kind description fields { name description args { name } type { name kind ofType { name } } } } }')} }`,
  },
  {
    name: 'records(first: 100) with every field, standard fields and history',
    query: `{ records(first: 100) { totalCount edges { node { ${RECORD_FIELDS} } } } }`,
  },
  {
    name: '10 root fields: records(first: 100) { totalCount } over different filters',
    query: `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: records(first: 100, filter: { from: "20${10 + i}-01-01" }) { totalCount edges { node { id documentNumber } } }`).join(' ')} }`,
  },
  {
    name: 'subjects(first: 100) → records(first: 10) with totalCount',
    query:
      '{ subjects(nameContains: "基准", first: 100) { totalCount edges { node { uscc name records(first: 10) { totalCount edges { node { id kind documentNumber } } } } } } }',
  },
  {
    name: 'a fragment doubling itself 20 times',
    query: `{ ...F0 } ${Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ${i === 19 ? 'me { id }' : `...F${i + 1} ...F${i + 1}`} }`).join(' ')}`,
  },
];

async function send(
  port: number,
  headers: Record<string, string>,
  body: object,
): Promise<{ status: number; bytes: number; ms: number; price: unknown; code: unknown }> {
  const t0 = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const ms = performance.now() - t0;
  const parsed = JSON.parse(text) as { extensions?: { price?: unknown }; errors?: { extensions?: { code?: unknown; price?: unknown } }[] };
  return {
    status: response.status,
    bytes: text.length,
    ms,
    price: parsed.extensions?.price ?? parsed.errors?.[0]?.extensions?.price ?? '-',
    code: parsed.errors?.[0]?.extensions?.code ?? 'OK',
  };
}

/** Samples the process's heap every 10 ms while `work` runs; resolves with its peak in MB. */
async function peakHeapDuring(work: () => Promise<void>): Promise<number> {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.round(peak / 1e6);
}

async function main(): Promise<void> {
  say(`hostile requests: ${ENGINE}, ${SUBJECTS} subjects × ${PER_SUBJECT} records; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`);
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  const { hub, headers, stop } = await startBenchHub(database);
  try {
    await ingestGenerated(hub, SUBJECTS, PER_SUBJECT, { batchSize: 5000, agencies: 1 });
    await sql`vacuum (analyze)`.execute(database.db);
    const port = await hub.listen(0, '127.0.0.1');
    say(`heap before: ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
    say('| request | HTTP | outcome | price | time | response | peak heap |');
    say('| --- | --- | --- | --- | --- | --- | --- |');
    const admitted: { name: string; ms: number; body: object }[] = [];
    for (const request of HOSTILE) {
      let result: Awaited<ReturnType<typeof send>> | undefined;
      const body = { query: request.query, variables: request.variables ?? {} };
      const peak = await peakHeapDuring(async () => {
        result = await send(port, headers, body);
      });
      if (!result) continue;
      say(
        `| ${request.name} | ${result.status} | ${String(result.code)} | ${String(result.price)} | ${result.ms.toFixed(0)} ms | ${(result.bytes / 1024).toFixed(0)} KB | ${peak} MB |`,
      );
      if (result.status === 200) admitted.push({ name: request.name, ms: result.ms, body });
    }
    const worst = admitted.sort((a, b) => b.ms - a.ms)[0];
    if (!worst) return;
    say(`\nstorm: "${worst.name}" from 4 connections for ${SECONDS} s, while an honest client queries subject profiles and /healthz`);
    const baseline: number[] = [];
    for (let i = 0; i < 200; i += 1) baseline.push(await timeSubjectQuery(port, headers, SUBJECTS, PER_SUBJECT));
    const until = performance.now() + SECONDS * 1000;
    let stormRequests = 0;
    const storm = Array.from({ length: 4 }, async () => {
      while (performance.now() < until) {
        await send(port, headers, worst.body);
        stormRequests += 1;
      }
    });
    const honest: number[] = [];
    const health: number[] = [];
    let peak = 0;
    const during = (async () => {
      while (performance.now() < until) {
        honest.push(await timeSubjectQuery(port, headers, SUBJECTS, PER_SUBJECT));
        const t0 = performance.now();
        await fetch(`http://127.0.0.1:${port}/healthz`);
        health.push(performance.now() - t0);
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    })();
    await Promise.all([...storm, during]);
    const fmt = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`;
    };
    say(`storm requests answered: ${stormRequests}; peak heap ${Math.round(peak / 1e6)} MB`);
    say(`honest subject query alone: ${fmt(baseline)}`);
    say(`honest subject query during the storm: ${fmt(honest)} (${honest.length} queries)`);
    say(`/healthz during the storm: ${fmt(health)}`);
    say(`(a subject for reference: ${subjectUscc(0)})`);
  } finally {
    await stop();
    await cleanup();
  }
}

runBenchmark(main);

/**
 * Benchmark (not a test): what signed-token access costs a request. The same subject query is sent
 * to the hub as it runs (token verified, purpose and rate checked, audit entry appended) and to the
 * same schema and database served without those steps, alternating, and the p50/p99 of each and the
 * difference are reported.
 *
 *   npm run bench:auth -- --engine pglite
 *   npm run bench:auth -- --engine postgres
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Principal } from '../access/clients.js';
import type { HubContext } from '../schema/context.js';
import { createSchema } from '../schema/index.js';
import type { Hub } from '../server/app.js';
import type { HubConfig } from '../server/hub-config.js';
import { addressRateLimit, queryLimitRules } from '../server/query-limits.js';
import { countArg, engineArg, ingestGenerated, openBenchDatabase, percentile, runBenchmark, say, startBenchHub, timeSubjectQuery } from './support.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string', default: 'pglite' }, subjects: { type: 'string', default: '10000' }, queries: { type: 'string', default: '3000' } },
});
const ENGINE = engineArg(args.engine);
const SUBJECTS = countArg('subjects', args.subjects);
const QUERIES = countArg('queries', args.queries);
const PER_SUBJECT = 5;

/**
 * The hub as it was before signed-token access: the same schema, query limits (depth, cost, requests
 * per address) and readers over HTTP, with a fixed operator identity — no token, no purpose, no
 * per-client rate, no audit entry.
 */
async function serveWithoutAccessControl(hub: Hub, config: HubConfig): Promise<{ port: number; close: () => Promise<void> }> {
  const principal: Principal = { clientId: 'bench', clientType: 'ADMIN', scopes: new Set(['admin']), regions: [], agencyCode: null, tokenId: 'none' };
  const apollo = new ApolloServer<HubContext>({ schema: createSchema(), validationRules: queryLimitRules(config.limits) });
  await apollo.start();
  const app = express();
  app.use(
    '/graphql',
    addressRateLimit(config.limits),
    express.json(),
    expressMiddleware(apollo, {
      context: () => Promise.resolve(hub.createContext(principal, 'OPERATIONS')),
    }),
  );
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await apollo.stop();
      server.close();
    },
  };
}

async function main(): Promise<void> {
  say(
    `auth overhead: ${ENGINE}, ${SUBJECTS} subjects × ${PER_SUBJECT} records, ${QUERIES} queries each way; ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`,
  );
  const { database, cleanup } = await openBenchDatabase(ENGINE);
  const { hub, config, headers, stop } = await startBenchHub(database);
  try {
    await ingestGenerated(hub, SUBJECTS, PER_SUBJECT, { batchSize: 5000, agencies: 1 });
    const withAccess = await hub.listen(0, '127.0.0.1');
    const without = await serveWithoutAccessControl(hub, config);
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < 200; i++)
      await Promise.all([timeSubjectQuery(withAccess, headers, SUBJECTS, PER_SUBJECT), timeSubjectQuery(without.port, {}, SUBJECTS, PER_SUBJECT)]); // warm-up
    for (let i = 0; i < QUERIES; i++) {
      on.push(await timeSubjectQuery(withAccess, headers, SUBJECTS, PER_SUBJECT));
      off.push(await timeSubjectQuery(without.port, {}, SUBJECTS, PER_SUBJECT));
    }
    on.sort((a, b) => a - b);
    off.sort((a, b) => a - b);
    const [onP50, offP50] = [percentile(on, 50), percentile(off, 50)];
    say(`without access control: p50 ${offP50.toFixed(3)} ms, p99 ${percentile(off, 99).toFixed(3)} ms`);
    say(`with token + purpose + rate check + audit entry: p50 ${onP50.toFixed(3)} ms, p99 ${percentile(on, 99).toFixed(3)} ms`);
    say(`added p50: ${(onP50 - offP50).toFixed(3)} ms (ratio ${(onP50 / offP50).toFixed(2)})`);
    await without.close();
  } finally {
    await stop();
    await cleanup();
  }
}

runBenchmark(main);

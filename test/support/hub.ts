import type { Logger } from 'pino';
import request from 'supertest';
import { DEFAULT_PURPOSES } from '../../access/access-config-schema.js';
import type { HubConfig } from '../../server/hub-config.js';
import { supervisionSchema } from '../../config/supervision-schema.js';
import { creditSchema } from '../../config/credit-model-schema.js';
import { inspectionsSchema } from '../../inspections/inspection-schema.js';
import { repairSchema } from '../../config/repair-schema.js';
import { metricsSchema } from '../../config/metrics-schema.js';
import { consoleSchema } from '../../config/console-schema.js';
import { measuresSchema } from '../../credit/measures-schema.js';
import { issueAccessToken } from '../../server/auth/access-tokens.js';
import { PURPOSE_HEADER } from '../../server/auth/require-access.js';
import { createHub, type Hub } from '../../server/app.js';
import type { Principal } from '../../access/clients.js';
import type { HubContext } from '../../schema/context.js';
import { findClient } from '../../store/client-queries.js';
import type { AnswerOf, GraphQLBody } from './answers.js';
import { TEST_CLIENTS } from './clients.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { FIXED_NOW, TEST_AGENCIES } from './ingestion.js';
import { testLogger } from './test-log.js';

export const TEST_CONFIG: HubConfig = {
  hub: { id: 'hub-test', region: '310000' },
  publication: { smallFineMaxWan: '1' },
  usccAllowList: [],
  limits: {
    maxQueryDepth: 10,
    maxQueryCost: 20000,
    maxIntrospectionCost: 100_000,
    maxRootFields: 10,
    maxAliases: 30,
    maxTokens: 3000,
    maxBodyBytes: 64 * 1024,
    maxResponseBytes: 8 * 1024 * 1024,
    maxSubjectsPerRequest: 2000,
    statementTimeoutMs: 5000,
    pricePerRequest: 2000,
    introspectionClientTypes: ['AGENCY', 'ADMIN'],
    requestsPerMinute: 10_000,
  },
  jobs: { expireRecords: { cron: '0 5 0 * * *', enabled: false }, gradeSubjects: { cron: '*/15 * * * * *', enabled: false }, unhealthyAfterFailures: 3 },
  auth: {
    signingAlgorithm: 'EdDSA',
    accessTokenTtlSeconds: 300,
    clockSkewSeconds: 30,
    allowClientSecret: true,
    defaultClientRequestsPerMinute: 10_000,
    checkpointCron: '0 */5 * * * *',
    purposes: DEFAULT_PURPOSES,
  },
  supervision: supervisionSchema.parse({}),
  credit: creditSchema.parse({}),
  inspections: inspectionsSchema.parse({}),
  repair: repairSchema.parse({}),
  measures: measuresSchema.parse(undefined),
  metrics: metricsSchema.parse({}),
  console: consoleSchema.parse({}),
  agencies: TEST_AGENCIES.map(({ code, name, region, uscc, publishesFor, registersSubjects }) => ({
    code,
    name,
    region,
    uscc,
    publishesFor,
    registersSubjects,
    sources: [],
  })),
  clients: Object.values(TEST_CLIENTS).map((client) => client.config),
};

/** The default caller of `gql`: an operator, who may use every field. */
const DEFAULT_CALLER = { client: 'test-admin', purpose: 'OPERATIONS' };

export interface TestHub {
  readonly hub: Hub;
  readonly database: TestDatabase;
  /** An access token for a registered client, minted as the token endpoint would. */
  tokenFor(clientId: string, scopes?: readonly string[]): Promise<string>;
  /** POST /graphql as a client (default: the admin client, purpose OPERATIONS). */
  gql(query: string, variables?: Record<string, unknown>, caller?: { client?: string; purpose?: string }): Promise<request.Response>;
  /** As `gql`, with the answer's body declared as `GraphQLBody<T>`: `T` is the data the test expects (its expect() calls check it). */
  gqlAs<T>(query: string, variables?: Record<string, unknown>, caller?: { client?: string; purpose?: string }): Promise<AnswerOf<GraphQLBody<T>>>;
  close(): Promise<void>;
}

/** The GraphQL context of the admin client, for calling the schema directly (without HTTP). */
export function adminContext(testHub: TestHub): HubContext {
  const principal: Principal = { clientId: 'test-admin', clientType: 'ADMIN', scopes: new Set(['admin']), regions: [], agencyCode: null, tokenId: 'direct' };
  return testHub.hub.createContext(principal, 'OPERATIONS');
}

/**
 * The real app (HTTP + Apollo + auth) on a fresh test database; requests go through supertest.
 * `logger` replaces the run's service log, e.g. to read what the hub logged (see capturedLog);
 * `configPath` is the file `config` stands for, re-read by reloadConfiguration.
 */
export async function startTestHub(config: HubConfig = TEST_CONFIG, logger: Logger = testLogger(), configPath?: string): Promise<TestHub> {
  const database = await createTestDatabase();
  const hub = await createHub({ config, database, logger, clock: () => FIXED_NOW, configPath });
  await hub.registerFromConfig();
  const tokenFor = async (clientId: string, scopes?: readonly string[]) => {
    const client = await findClient(database.db, clientId);
    if (!client) throw new Error(`test client ${clientId} is not registered`);
    return (await issueAccessToken(hub.tokens, client, scopes ?? client.scopes)).accessToken;
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}, caller: { client?: string; purpose?: string } = {}) => {
    const { client, purpose } = { ...DEFAULT_CALLER, ...caller };
    return request(hub.httpServer)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${await tokenFor(client)}`)
      .set(PURPOSE_HEADER, purpose)
      .send({ query, variables });
  };
  return {
    hub,
    database,
    tokenFor,
    gql,
    gqlAs: gql,
    close: async () => {
      await hub.stop();
      await database.dispose();
    },
  };
}

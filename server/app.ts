import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ClientDirectory } from '../access/client-directory.js';
import { toRegistration } from '../access/client-registration.js';
import type { Principal } from '../access/clients.js';
import { SigningKeys } from '../access/signing-keys.js';
import type { CheckpointDeps } from '../audit/checkpoints.js';
import type { RunTotals } from '../connectors/types.js';
import { registerModelVersions } from '../credit/model-governance.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import { runExpireRecords } from '../jobs/expire-records.js';
import type { ConfigurationReload, HubContext } from '../schema/context.js';
import { upsertAgencies } from '../store/agency-queries.js';
import { upsertClients } from '../store/client-queries.js';
import type { Database } from '../store/database.js';
import type { TokenDeps } from './auth/access-tokens.js';
import type { ClientAuthDeps } from './auth/client-authentication.js';
import { ClientRates } from './auth/client-rates.js';
import { wireConnectors } from './connector-wiring.js';
import { createGraphqlServer } from './graphql-server.js';
import type { FirstLoad } from './health.js';
import { createHttpApp } from './http-app.js';
import { tokenIdentity, type HubConfig } from './hub-config.js';
import { hubJobs, scheduleJobs, stopScheduledTasks } from './hub-schedules.js';
import { ingestionDepsFor } from './ingestion-deps.js';
import { startLoopbackMetrics } from './metrics-routes.js';
import { createObservers } from './metrics-wiring.js';
import { ProcessPresence } from './process-presence.js';
import { requestContexts } from './request-context.js';
import { StartedParts } from './started-parts.js';

export interface HubDeps {
  readonly config: HubConfig;
  /** Open and migrated. The hub does not close it; its owner does. */
  readonly database: Database;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** The config file `config` was read from, re-read by reloadConfiguration (SIGHUP, the admin mutation). */
  readonly configPath?: string | undefined;
  /** Where the built console is (default dist/console at the package root). */
  readonly consoleBundleDir?: string | undefined;
}

export interface Hub {
  readonly httpServer: Server;
  readonly ingestion: IngestionDeps;
  /** The hub's signing keys (tokens, audit checkpoints). */
  readonly keys: SigningKeys;
  readonly tokens: TokenDeps;
  readonly checkpoints: CheckpointDeps;
  /** The GraphQL context of one request by `principal` for `purpose` (what the HTTP layer builds after its checks). */
  createContext(principal: Principal, purpose: string): HubContext;
  /** Registers the configured agencies and API clients, and makes the first signing key; call before serving or loading. */
  registerFromConfig(): Promise<void>;
  /**
   * Runs every configured source once (e.g. the bundled demo data): several agencies at a time, one
   * agency's sources in their configured order, each run recorded; skips those running elsewhere. A
   * failing source does not stop the others: see its FAILED run.
   */
  loadSources(): Promise<RunTotals>;
  /** Closes as ABANDONED the connector runs a process that died left RUNNING; call at start-up. Returns how many. */
  closeAbandonedRuns(): Promise<number>;
  /** Re-reads the config file and applies what a running hub can take (see ConnectorOperations.reloadConfiguration). */
  reloadConfiguration(): Promise<ConfigurationReload>;
  /** Expires records whose period has ended (also the daily scheduled job); returns how many. */
  expireRecords(): Promise<number>;
  /** Starts the scheduled jobs; stop() stops them. Throws naming a job whose cron expression is invalid, with none of them scheduled. */
  startSchedules(): void;
  /**
   * Listens on host:port and resolves with the bound port (port 0 picks a free one); with `metrics.access: port`, first opens the loopback
   * metrics port. When either cannot be opened (a port taken), everything the hub started is stopped first, last first (schedules,
   * GraphQL, this process's presence lease, the client directory's subscription), and the error is thrown: nothing keeps the process alive.
   */
  listen(port: number, host: string): Promise<number>;
  /** Stops what the hub started, last first: the listeners and schedules, then draining the requests in flight, presence and subscriptions. */
  stop(): Promise<void>;
}

/**
 * The composition root: wires store, domain, GraphQL and HTTP together. Nothing else does. What it starts
 * (subscriptions, the presence lease, Apollo, schedules, ports) is kept in StartedParts: stop() releases
 * it, and so does a start step that fails. Throws with nothing left running when the hub cannot be built.
 */
export async function createHub(deps: HubDeps): Promise<Hub> {
  const parts = new StartedParts(deps.logger);
  try {
    return await assembleHub(deps, parts);
  } catch (error) {
    await parts.stopAll().catch(() => undefined);
    throw error;
  }
}

/** Token issuing and checking, client authentication and rates: built, not started. */
function accessParts({ config, database, logger, clock }: HubDeps) {
  const { issuer, audience } = tokenIdentity(config);
  const keys = new SigningKeys({ db: database.db, algorithm: config.auth.signingAlgorithm, clock });
  const clients = new ClientDirectory(database, logger.child({ component: 'auth' }));
  const presence = new ProcessPresence(database.db, logger.child({ component: 'presence' }));
  const rateShare = (perMinute: number) => presence.share(perMinute);
  const clientRates = new ClientRates(clients, config.auth.defaultClientRequestsPerMinute, rateShare);
  const { clockSkewSeconds } = config.auth;
  const tokens: TokenDeps = { db: database.db, keys, clients, issuer, audience, ttlSeconds: config.auth.accessTokenTtlSeconds, clockSkewSeconds, clock };
  const clientAuth: ClientAuthDeps = { db: database.db, audiences: [issuer], allowClientSecret: config.auth.allowClientSecret, clockSkewSeconds, clock };
  return { issuer, keys, clients, presence, rateShare, clientRates, tokens, clientAuth };
}

async function assembleHub(deps: HubDeps, parts: StartedParts): Promise<Hub> {
  const { config, database, logger, clock } = deps;
  const observers = createObservers(config, database, clock);
  const { metrics } = observers;
  if (metrics)
    parts.add('metrics', () => {
      metrics.stop();
    });
  const ingestion: IngestionDeps = { ...ingestionDepsFor(config, database.db, clock, logger), onBatchWritten: metrics?.batchWritten };
  const access = accessParts(deps);
  const { issuer, keys, clients, presence, clientRates } = access;
  const checkpoints: CheckpointDeps = { db: database.db, keys, issuer, clock };
  const connectors = wireConnectors({
    config,
    database,
    ingestion,
    logger,
    keys,
    issuer,
    clock,
    configPath: deps.configPath,
    onRunFinished: metrics?.connectorRunFinished,
  });
  const createContext = await requestContexts({ config, database, clock, ingestion, checkpoints, connectors: connectors.operations });
  const httpServer = createServer();
  const chargeClient = (clientId: string, units: number) => clientRates.take(clientId, units);
  const apollo = createGraphqlServer({ config, db: database.db, logger, httpServer, checkpoints, metrics, chargeClient });

  await parts.start(
    'client directory',
    () => clients.start(),
    () => clients.stop(),
  );
  await parts.start(
    'process presence',
    () => presence.start(),
    () => presence.stop(),
  );
  // Apollo's stop drains the requests in flight and closes the HTTP server (its drain plugin).
  await parts.start(
    'GraphQL',
    () => apollo.start(),
    () => apollo.stop(),
  );
  // The first loadSources() call is the start-up load /readyz reports on.
  let firstLoad: FirstLoad = 'none';
  // After Apollo has started: its Express middleware requires it.
  const app = createHttpApp({
    ...access,
    config,
    database,
    logger,
    clock,
    metrics,
    apollo,
    createContext,
    firstLoad: () => firstLoad,
    overdueJobs: () => observers.readiness.overdue(),
    consoleBundleDir: deps.consoleBundleDir,
  });
  httpServer.on('request', app);

  let loopbackMetricsOpen = false;
  return {
    httpServer,
    ingestion,
    createContext,
    keys,
    tokens: access.tokens,
    checkpoints,
    expireRecords: async () => {
      const outcome = await runExpireRecords({ db: database.db, clock, logger });
      return outcome.ran ? outcome.result.expired : 0;
    },
    startSchedules: () => {
      const tasks = scheduleJobs(hubJobs({ config, db: database.db, clock, logger, checkpoints, connectors }), logger, observers);
      parts.add('schedules', () => stopScheduledTasks(tasks));
    },
    registerFromConfig: async () => {
      const agencies = config.agencies.map((a) => ({ code: a.code, name: a.name, region: a.region, hub: config.hub.id }));
      await upsertAgencies(database.db, agencies, clock());
      await upsertClients(database.db, await Promise.all(config.clients.map(toRegistration)), clock());
      if (await keys.ensureKey()) logger.info('first signing key created');
      await registerModelVersions(database.db, config.credit, clock);
    },
    loadSources: async () => {
      const first = firstLoad === 'none';
      if (first) firstLoad = 'running';
      try {
        return await connectors.runAll();
      } finally {
        if (first) firstLoad = 'finished';
      }
    },
    closeAbandonedRuns: () => connectors.closeAbandonedRuns(),
    reloadConfiguration: () => connectors.operations.reloadConfiguration(),
    listen: async (port, host) => {
      const loopbackPort = config.metrics.access === 'port' ? config.metrics.port : undefined;
      if (metrics && loopbackPort !== undefined && !loopbackMetricsOpen) {
        const metricsLogger = logger.child({ component: 'metrics' });
        await parts.start(
          'loopback metrics port',
          () => startLoopbackMetrics(metrics, loopbackPort, metricsLogger),
          (loopback) => loopback.close(),
        );
        loopbackMetricsOpen = true;
      }
      // Nothing to stop of its own: Apollo's stop closes the server.
      return parts.start(
        'HTTP listener',
        () => listenOn(httpServer, port, host),
        () => undefined,
      );
    },
    stop: () => parts.stopAll(),
  };
}

/** Resolves with the bound port once `server` listens; rejects with the listen error (EADDRINUSE, EACCES). */
function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

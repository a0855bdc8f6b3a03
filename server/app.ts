import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { toRegistration } from '../access/client-registration.js';
import type { Principal } from '../access/clients.js';
import { ClientDirectory } from '../access/client-directory.js';
import { SigningKeys } from '../access/signing-keys.js';
import type { CheckpointDeps } from '../audit/checkpoints.js';
import { PersonSubjects } from '../audit/person-subjects.js';
import { tokenIdentity, type HubConfig } from './hub-config.js';
import { upsertClients } from '../store/client-queries.js';
import { AuditTrail } from '../schema/audit-trail.js';
import { runSignCheckpoint, SIGN_CHECKPOINT_JOB } from '../jobs/sign-checkpoint.js';
import type { TokenDeps } from './auth/access-tokens.js';
import type { ClientAuthDeps } from './auth/client-authentication.js';
import { limitPerClient, requirePurpose, requireToken, type AccessLocals } from './auth/require-access.js';
import { ClientRates } from './auth/client-rates.js';
import { requestPricePlugin } from './request-price.js';
import { tokenEndpoint } from './auth/token-endpoint.js';
import { auditPlugin } from './audit-plugin.js';
import { inputGuardPlugin } from './input-guard.js';
import { discoveryRoutes } from './auth/discovery.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import { ingestionDepsFor } from './ingestion-deps.js';
import type { RunTotals } from '../connectors/types.js';
import { upsertAgencies } from '../store/agency-queries.js';
import type { Database } from '../store/database.js';
import type { ConfigurationReload, CreditOperations, HubContext } from '../schema/context.js';
import { createErrorFormatter } from '../schema/errors.js';
import { createSchema } from '../schema/index.js';
import { createReaders } from '../schema/readers.js';
import { EXPIRE_RECORDS_JOB, runExpireRecords } from '../jobs/expire-records.js';
import { GRADE_SUBJECTS_JOB, runGradeSubjects } from '../jobs/grade-subjects.js';
import { activateModelVersion, compareModels, oneEvaluationAtATime, registerModelVersions } from '../credit/model-governance.js';
import type { InspectionDeps } from '../inspections/inspection-deps.js';
import { chinaToday } from '../ingestion/dates.js';
import { scheduleJob } from '../jobs/scheduler.js';
import { graphiqlAssets, graphiqlPage } from './graphiql.js';
import { healthRoutes, type FirstLoad } from './health.js';
import { addressRateLimit, queryLimitRules } from './query-limits.js';
import { logRefusal } from './refusal-log.js';
import { wireConnectors } from './connector-wiring.js';
import { ProcessPresence } from './process-presence.js';
import { createObservers } from './metrics-wiring.js';
import { metricsPlugin } from './metrics-graphql.js';
import { adminMetricsRoute, startLoopbackMetrics } from './metrics-routes.js';
import { ConsoleSessions } from './console/console-sessions.js';
import { consoleRoutes } from './console/console-routes.js';
import { defaultBundleDir } from './console/console-page.js';
import { requireTokenOrSession } from './console/session-bridge.js';

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
  /** Starts the scheduled jobs; stop() stops them. Throws naming a job whose cron expression is invalid. */
  startSchedules(): void;
  /** Listens on host:port and resolves with the bound port (port 0 picks a free one); with `metrics.access: port`, first opens the loopback metrics port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops the schedules, stops accepting requests and drains those in flight. */
  stop(): Promise<void>;
}

/** The composition root: wires store, domain, GraphQL and HTTP together. Nothing else does. */
export async function createHub(deps: HubDeps): Promise<Hub> {
  const { config, database, logger } = deps;
  const observers = createObservers(config, database, deps.clock);
  const { metrics } = observers;
  const ingestion: IngestionDeps = { ...ingestionDepsFor(config, database.db, deps.clock, logger), onBatchWritten: metrics?.batchWritten };

  const { issuer, audience } = tokenIdentity(config);
  const keys = new SigningKeys({ db: database.db, algorithm: config.auth.signingAlgorithm, clock: deps.clock });
  const clients = new ClientDirectory(database, logger.child({ component: 'auth' }));
  await clients.start();
  const presence = new ProcessPresence(database.db, logger.child({ component: 'presence' }));
  await presence.start();
  const rateShare = (perMinute: number) => presence.share(perMinute);
  const clientRates = new ClientRates(clients, config.auth.defaultClientRequestsPerMinute, rateShare);
  const tokens: TokenDeps = {
    db: database.db,
    keys,
    clients,
    issuer,
    audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
    clockSkewSeconds: config.auth.clockSkewSeconds,
    clock: deps.clock,
  };
  const clientAuth: ClientAuthDeps = {
    db: database.db,
    audiences: [issuer],
    allowClientSecret: config.auth.allowClientSecret,
    clockSkewSeconds: config.auth.clockSkewSeconds,
    clock: deps.clock,
  };
  const checkpoints: CheckpointDeps = { db: database.db, keys, issuer, clock: deps.clock };
  const trailRules = { maxSubjects: config.limits.maxSubjectsPerRequest, persons: await PersonSubjects.load(database.db) };

  const connectors = wireConnectors({
    config,
    database,
    ingestion,
    logger,
    keys,
    issuer,
    clock: deps.clock,
    configPath: deps.configPath,
    onRunFinished: metrics?.connectorRunFinished,
  });

  const credit: CreditOperations = {
    supervision: config.supervision,
    measures: config.measures,
    models: config.credit,
    // Two full grading passes: on the main pool, not under the API's statement timeout (an admin operation), one at a time.
    evaluateModel: oneEvaluationAtATime(
      (version) => compareModels(database.db, { credit: config.credit, version, today: chinaToday(deps.clock()) }),
      deps.clock,
    ),
    activateModel: (db, version, activatedBy) => activateModelVersion(db, version, activatedBy, deps.clock),
  };
  const inspections: InspectionDeps = {
    db: database.db,
    reads: { standard: database.readDb, heavy: database.heavyReadDb },
    clock: deps.clock,
    config: config.inspections,
    supervision: config.supervision,
    agencyRegions: new Map(config.agencies.map((agency) => [agency.code, agency.region])),
    maxSubjectsPerRequest: config.limits.maxSubjectsPerRequest,
  };
  const createContext = (principal: Principal, purpose: string): HubContext => {
    const trail = new AuditTrail({ principal, purpose, requestId: randomUUID(), clock: deps.clock }, trailRules);
    const access = { principal, purpose, trail, clock: deps.clock, checkpoints, lane: { heavy: false } };
    return {
      access,
      readers: createReaders({ standard: database.readDb, heavy: database.heavyReadDb }, access),
      ingestion,
      purposes: config.auth.purposes,
      repair: config.repair,
      connectors: connectors.operations,
      credit,
      inspections,
    };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const httpServer = createServer(app);
  const apollo = new ApolloServer<HubContext>({
    schema: createSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: Apollo would otherwise re-raise SIGTERM before the database is closed.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger.child({ component: 'graphql' })),
    validationRules: queryLimitRules(config.limits),
    parseOptions: { maxTokens: config.limits.maxTokens },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ...(metrics ? [metricsPlugin(metrics)] : []),
      inputGuardPlugin(),
      requestPricePlugin({ limits: config.limits, chargeClient: (clientId, units) => clientRates.take(clientId, units) }),
      auditPlugin(database.db, logger.child({ component: 'audit' }), checkpoints, config.limits.maxResponseBytes),
    ],
  });
  await apollo.start();

  // Before any token work: one address cannot make the hub verify signatures without bound.
  const perAddress = addressRateLimit(config.limits, rateShare, logger.child({ component: 'http' }));
  // Public: health, the hub's public keys, the token endpoint and the IDE page. Everything that returns data needs a token.
  // The first loadSources() call is the start-up load /readyz reports on.
  let firstLoad: FirstLoad = 'none';
  if (metrics) app.use(metrics.http);
  app.use(
    healthRoutes(
      database,
      perAddress,
      () => firstLoad,
      () => observers.readiness.overdue(),
    ),
  );
  app.use(discoveryRoutes(keys, issuer));
  app.use('/oauth/token', perAddress);
  app.use(tokenEndpoint({ tokens, clientAuth, logger: logger.child({ component: 'oauth' }), onOutcome: metrics?.tokenRequest }));
  // Off the public surface: an admin token here, or only on a loopback port (started by listen).
  if (metrics && config.metrics.access === 'admin-token')
    app.use(
      adminMetricsRoute(
        metrics,
        { perAddress, requireToken: requireToken(tokens, logger.child({ component: 'auth' })) },
        logger.child({ component: 'metrics' }),
      ),
    );
  app.use(graphiqlAssets(perAddress));
  const consoleSessions = new ConsoleSessions({ db: database.db, clock: deps.clock, config: config.console });
  app.use(
    consoleRoutes({
      sessions: consoleSessions,
      config: config.console,
      bundleDir: deps.consoleBundleDir ?? defaultBundleDir(),
      rateLimit: perAddress,
      logger: logger.child({ component: 'console' }),
    }),
  );
  app.get('/graphql', graphiqlPage(perAddress));
  app.use(
    '/graphql',
    perAddress,
    // A console session (cookie and CSRF header) stands in for a bearer token: server/console/session-bridge.ts.
    requireTokenOrSession({
      sessions: consoleSessions,
      clients,
      requireToken: requireToken(tokens, logger.child({ component: 'auth' })),
      maxBodyBytes: config.limits.maxBodyBytes,
      maxTokens: config.limits.maxTokens,
      logger: logger.child({ component: 'auth' }),
    }),
    requirePurpose(config.auth.purposes, logger.child({ component: 'auth' })),
    limitPerClient(clientRates, logger.child({ component: 'auth' })),
    express.json({ limit: config.limits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const { principal, purpose } = res.locals as AccessLocals;
        return createContext(principal, purpose);
      },
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', hint: 'GraphQL is served at /graphql' });
  });
  const onError: ErrorRequestHandler = (error: { status?: number; type?: string; limit?: number }, req, res, _next) => {
    if (error.type === 'entity.too.large') {
      logRefusal(logger, req, res, { status: 413, reason: 'request body too large' });
      return void res.status(413).json({ error: `request body exceeds ${error.limit ?? config.limits.maxBodyBytes} bytes` });
    }
    if (error.status && error.status < 500) {
      logRefusal(logger, req, res, { status: error.status, reason: `malformed request body (${error.type ?? 'unreadable'})` });
      return void res.status(error.status).json({ error: 'malformed request body' });
    }
    logger.error({ err: error }, 'unhandled HTTP error');
    res.status(500).json({ error: 'internal server error' });
  };
  app.use(onError);

  const tasks: ScheduledTask[] = [];
  let loopbackMetrics: { close: () => Promise<void> } | undefined;
  const expireRecords = async () => {
    const outcome = await runExpireRecords({ db: database.db, clock: deps.clock, logger });
    return outcome.ran ? outcome.result.expired : 0;
  };

  return {
    httpServer,
    ingestion,
    createContext,
    keys,
    tokens,
    checkpoints,
    expireRecords,
    startSchedules: () => {
      const jobs = [
        // The outcome itself, so a run skipped for another process's lease is reported as skipped.
        { name: EXPIRE_RECORDS_JOB, ...config.jobs.expireRecords, run: () => runExpireRecords({ db: database.db, clock: deps.clock, logger }) },
        {
          name: GRADE_SUBJECTS_JOB,
          ...config.jobs.gradeSubjects,
          run: () => runGradeSubjects({ db: database.db, credit: config.credit, clock: deps.clock, logger }),
        },
        { name: SIGN_CHECKPOINT_JOB, cron: config.auth.checkpointCron, enabled: true, run: () => runSignCheckpoint({ ...checkpoints, logger }) },
        ...connectors.scheduledJobs(),
      ];
      for (const job of jobs) {
        const task = scheduleJob(job, logger, observers.jobRunFinished);
        if (!task) continue;
        tasks.push(task);
        observers.readiness.watch(job.name, task);
      }
    },
    registerFromConfig: async () => {
      await upsertAgencies(
        database.db,
        config.agencies.map((a) => ({ code: a.code, name: a.name, region: a.region, hub: config.hub.id })),
      );
      await upsertClients(database.db, await Promise.all(config.clients.map(toRegistration)));
      if (await keys.ensureKey()) logger.info('first signing key created');
      await registerModelVersions(database.db, config.credit, deps.clock);
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
      if (metrics && config.metrics.access === 'port' && config.metrics.port !== undefined && !loopbackMetrics) {
        loopbackMetrics = await startLoopbackMetrics(metrics, config.metrics.port, logger.child({ component: 'metrics' }));
      }
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      });
    },
    stop: async () => {
      try {
        await Promise.all(tasks.map((task) => task.destroy()));
        await apollo.stop();
      } finally {
        metrics?.stop();
        await Promise.all([clients.stop(), presence.stop(), loopbackMetrics?.close()]);
      }
    },
  };
}

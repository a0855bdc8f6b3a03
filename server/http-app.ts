import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ClientDirectory } from '../access/client-directory.js';
import type { SigningKeys } from '../access/signing-keys.js';
import type { HubContext } from '../schema/context.js';
import type { Database } from '../store/database.js';
import type { TokenDeps } from './auth/access-tokens.js';
import type { ClientAuthDeps } from './auth/client-authentication.js';
import type { ClientRates } from './auth/client-rates.js';
import { discoveryRoutes } from './auth/discovery.js';
import { limitPerClient, requirePurpose, requireToken, type AccessLocals } from './auth/require-access.js';
import { tokenEndpoint } from './auth/token-endpoint.js';
import { defaultBundleDir } from './console/console-page.js';
import { consoleRoutes } from './console/console-routes.js';
import { ConsoleSessions } from './console/console-sessions.js';
import { requireTokenOrSession } from './console/session-bridge.js';
import { graphiqlAssets, graphiqlPage } from './graphiql.js';
import { healthRoutes, type FirstLoad } from './health.js';
import type { HubConfig } from './hub-config.js';
import type { OverdueJob } from './metrics-readiness.js';
import { adminMetricsRoute } from './metrics-routes.js';
import type { HubMetrics } from './metrics.js';
import { addressRateLimit } from './query-limits.js';
import { logRefusal } from './refusal-log.js';
import type { CreateContext } from './request-context.js';

export interface HttpAppDeps {
  readonly config: HubConfig;
  readonly database: Database;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly metrics: HubMetrics | undefined;
  /** Where the start-up load of the sources stands (/readyz). */
  readonly firstLoad: () => FirstLoad;
  /** The required scheduled jobs that are overdue (/readyz). */
  readonly overdueJobs: () => readonly OverdueJob[];
  readonly keys: SigningKeys;
  readonly issuer: string;
  readonly tokens: TokenDeps;
  readonly clientAuth: ClientAuthDeps;
  readonly clients: ClientDirectory;
  readonly clientRates: ClientRates;
  /** This process's share of a hub-wide rate (several hub processes on one database). */
  readonly rateShare: (perMinute: number) => number;
  /** Started. */
  readonly apollo: ApolloServer<HubContext>;
  readonly createContext: CreateContext;
  /** Where the built console is (default dist/console at the package root). */
  readonly consoleBundleDir?: string | undefined;
}

/**
 * The hub's HTTP surface, in order: metrics, health, the hub's public keys, the token endpoint,
 * the admin metrics route, the IDE and console, /graphql behind its access checks, not found, and
 * the error handler. Public routes return no data; everything that does needs a token or a console session.
 */
export function createHttpApp(deps: HttpAppDeps): Express {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Before any token work: one address cannot make the hub verify signatures without bound.
  const perAddress = addressRateLimit(config.limits, deps.rateShare, logger.child({ component: 'http' }));
  const tokenGuard = requireToken(deps.tokens, logger.child({ component: 'auth' }));
  if (metrics) app.use(metrics.http);
  app.use(healthRoutes(deps.database, perAddress, deps.firstLoad, deps.overdueJobs));
  app.use(discoveryRoutes(deps.keys, deps.issuer));
  app.use('/oauth/token', perAddress);
  app.use(tokenEndpoint({ tokens: deps.tokens, clientAuth: deps.clientAuth, logger: logger.child({ component: 'oauth' }), onOutcome: metrics?.tokenRequest }));
  // Off the public surface: an admin token here, or only on a loopback port (started by listen).
  if (metrics && config.metrics.access === 'admin-token')
    app.use(adminMetricsRoute(metrics, { perAddress, requireToken: tokenGuard }, logger.child({ component: 'metrics' })));
  app.use(graphiqlAssets(perAddress));
  const consoleSessions = new ConsoleSessions({ db: deps.database.db, clock: deps.clock, config: config.console });
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
  app.use('/graphql', perAddress, ...graphqlAccess(deps, consoleSessions, tokenGuard), graphqlEndpoint(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', hint: 'GraphQL is served at /graphql' });
  });
  app.use(errorHandler(config, logger));
  return app;
}

/** Who may POST to /graphql: a bearer token or a console session, a known purpose, within the client's rate. */
function graphqlAccess(deps: HttpAppDeps, sessions: ConsoleSessions, tokenGuard: RequestHandler): RequestHandler[] {
  const { config, logger } = deps;
  const authLogger = logger.child({ component: 'auth' });
  return [
    // A console session (cookie and CSRF header) stands in for a bearer token: server/console/session-bridge.ts.
    requireTokenOrSession({
      sessions,
      clients: deps.clients,
      requireToken: tokenGuard,
      maxBodyBytes: config.limits.maxBodyBytes,
      maxTokens: config.limits.maxTokens,
      logger: authLogger,
    }),
    requirePurpose(config.auth.purposes, authLogger),
    limitPerClient(deps.clientRates, authLogger),
  ];
}

/** The GraphQL endpoint proper: the JSON body, then Apollo with the context of the principal the access checks left. */
function graphqlEndpoint(deps: HttpAppDeps): RequestHandler[] {
  return [
    express.json({ limit: deps.config.limits.maxBodyBytes }),
    expressMiddleware(deps.apollo, {
      context: ({ res }) => {
        const { principal, purpose } = res.locals as AccessLocals;
        return Promise.resolve(deps.createContext(principal, purpose));
      },
    }),
  ];
}

/** Body errors are the client's (413, 400, logged as refusals); anything else is a 500 logged in full. */
function errorHandler(config: HubConfig, logger: Logger): ErrorRequestHandler {
  return (error: { status?: number; type?: string; limit?: number }, req, res, next) => {
    // Express's own handler ends a response already under way (it cannot be answered as JSON any more).
    if (res.headersSent) {
      next(error);
      return;
    }
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
}

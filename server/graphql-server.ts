import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Logger } from 'pino';
import type { CheckpointDeps } from '../audit/checkpoints.js';
import type { HubContext } from '../schema/context.js';
import { createErrorFormatter } from '../schema/errors.js';
import { createSchema } from '../schema/index.js';
import type { HubDb } from '../store/database.js';
import { auditPlugin } from './audit-plugin.js';
import type { HubConfig } from './hub-config.js';
import { inputGuardPlugin } from './input-guard.js';
import { metricsPlugin } from './metrics-graphql.js';
import type { HubMetrics } from './metrics.js';
import { queryLimitRules } from './query-limits.js';
import { requestPricePlugin, type ChargeClient } from './request-price.js';

export interface GraphqlServerDeps {
  readonly config: HubConfig;
  readonly db: HubDb;
  readonly logger: Logger;
  /** Drained and closed when the Apollo server stops. */
  readonly httpServer: Server;
  readonly checkpoints: CheckpointDeps;
  readonly metrics: HubMetrics | undefined;
  /** Takes `units` of a client's request rate for a request priced over one (request pricing). */
  readonly chargeClient: ChargeClient;
}

/** The Apollo server: the schema, its limits and the plugins every request passes (metrics, input guard, price, audit). Not started. */
export function createGraphqlServer(deps: GraphqlServerDeps): ApolloServer<HubContext> {
  const { config, logger, httpServer, metrics } = deps;
  return new ApolloServer<HubContext>({
    schema: createSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: Apollo would otherwise re-raise SIGTERM before the database is closed.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(logger.child({ component: 'graphql' })),
    validationRules: queryLimitRules(config.limits),
    parseOptions: { maxLexicalTokens: config.limits.maxTokens },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ...(metrics ? [metricsPlugin(metrics)] : []),
      inputGuardPlugin(),
      requestPricePlugin({ limits: config.limits, chargeClient: deps.chargeClient }),
      auditPlugin(deps.db, logger.child({ component: 'audit' }), deps.checkpoints, config.limits.maxResponseBytes),
    ],
  });
}

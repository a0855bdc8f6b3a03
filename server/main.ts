import { resolve } from 'node:path';
import { readEnv } from '../config/env.js';
import { loadHubConfig } from './load-hub-config.js';
import { createHub } from './app.js';
import { createLogger } from './logger.js';
import { openHubDatabase } from './open-database.js';
import { startOperatorChannel } from './operator-channel.js';
import { hubOperatorDeps } from './operator-deps.js';
import { assertPortAvailable } from './port-check.js';
import { startFailureMessage } from './start-failure.js';

/**
 * Start-up in order: config, database and migrations, agencies, runs left by a dead process closed,
 * HTTP, the operator channel (the CLI's commands run here while the hub holds the database), then the
 * sources' first load while the API already answers; SIGTERM closes the channel and drains.
 */
async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const config = await loadHubConfig(env.HUB_CONFIG);
  await assertPortAvailable(env.PORT, env.HOST);
  logger.info(env.DATABASE_URL ? { engine: 'postgres' } : { engine: 'pglite', dataDir: resolve(env.HUB_DATA_DIR, 'pglite') }, 'opening database');
  const opened = await openHubDatabase(env, 'the hub', config.limits.statementTimeoutMs);
  const { database, applied } = opened;
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');

  const hub = await createHub({ config, database, logger, clock: () => new Date(), configPath: env.HUB_CONFIG });
  await hub.registerFromConfig();
  await hub.closeAbandonedRuns();
  hub.startSchedules();
  const port = await hub.listen(env.PORT, env.HOST);
  const shownHost = env.HOST === '0.0.0.0' || env.HOST === '127.0.0.1' ? 'localhost' : env.HOST;
  const url = `http://${shownHost}:${port}/graphql`;
  // The CLI's operator commands run here while the hub holds the database (server/operator-channel.ts).
  const operatorChannel = await startOperatorChannel({
    dataDir: env.HUB_DATA_DIR,
    hubId: config.hub.id,
    logger: logger.child({ component: 'operator' }),
    operatorDeps: hubOperatorDeps({
      db: database.db,
      config,
      keys: hub.keys,
      ingestion: hub.ingestion,
      configPath: env.HUB_CONFIG,
      logger: logger.child({ component: 'operator' }),
      clock: () => new Date(),
      hubUrl: env.HUB_URL ?? `http://${shownHost}:${port}`,
    }),
  });

  // Aborted by the first stop signal: a start-up still loading sources then ends without logging ready.
  const stopping = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    logger.info({ signal }, 'shutting down: draining requests');
    await operatorChannel?.close();
    await hub.stop();
    await opened.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // SIGHUP applies a changed config file without a restart; a bad file is logged and the running configuration kept.
  process.on('SIGHUP', () => {
    hub.reloadConfiguration().catch((error: unknown) => {
      logger.error({ err: error }, 'configuration not reloaded');
    });
  });

  // The API answers while the sources load: a slow or hanging agency API delays only its own run (/readyz: firstLoad).
  if (env.HUB_LOAD_ON_START) {
    logger.info({ agencies: config.agencies.length }, `credit hub ${config.hub.id} serving GraphQL and IDE at ${url}; running configured sources once`);
    const totals = await hub.loadSources();
    logger.info(totals, 'sources loaded');
  }
  if (stopping.signal.aborted) return;
  await hub.expireRecords();
  logger.info(`credit hub ${config.hub.id} ready: GraphQL and IDE at ${url}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`credit hub failed to start: ${startFailureMessage(error)}\n`);
  process.exit(1);
});

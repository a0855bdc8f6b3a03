import { resolve } from 'node:path';
import { readEnv, type Env } from '../config/env.js';
import { ConfigError, loadHubConfig } from '../config/hub-config.js';
import { openDatabase, type DatabaseTarget } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { createHub } from './app.js';
import { createLogger } from './logger.js';

function databaseTarget(env: Env): DatabaseTarget {
  return env.DATABASE_URL
    ? { engine: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
    : { engine: 'pglite', dataDir: resolve(env.HUB_DATA_DIR, 'pglite') };
}

/** Start-up in order: config, database and migrations, agencies, sources, HTTP; SIGTERM drains. */
async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const config = await loadHubConfig(env.HUB_CONFIG);
  const target = databaseTarget(env);
  logger.info({ engine: target.engine, ...(target.engine === 'pglite' ? { dataDir: target.dataDir } : {}) }, 'opening database');
  const database = await openDatabase(target);
  const applied = await migrateToLatest(database.db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');

  const hub = await createHub({ config, database, logger, clock: () => new Date() });
  await hub.registerAgencies();
  if (env.HUB_LOAD_ON_START) {
    logger.info({ agencies: config.agencies.length }, 'running configured sources once');
    const totals = await hub.loadSources();
    logger.info(totals, 'sources loaded');
  }
  await hub.expireRecords();
  hub.startSchedules();
  const port = await hub.listen(env.PORT, env.HOST);
  const shownHost = env.HOST === '0.0.0.0' || env.HOST === '127.0.0.1' ? 'localhost' : env.HOST;
  logger.info(`credit hub ${config.hub.id} ready: GraphQL and IDE at http://${shownHost}:${port}/graphql`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    await hub.stop();
    await database.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`credit hub failed to start: ${message}\n`);
  process.exit(1);
});

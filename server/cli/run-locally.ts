import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { SigningKeys } from '../../access/signing-keys.js';
import { ConfigError } from '../../config/config-error.js';
import type { Env } from '../../config/env.js';
import { ingestionDepsFor } from '../ingestion-deps.js';
import { loadHubConfig } from '../load-hub-config.js';
import { createLogger } from '../logger.js';
import { openHubDatabase } from '../open-database.js';
import type { CommandOutcome, PreparedCommand, ProgressReport } from './operator-command.js';

/**
 * Runs a prepared command in this process on the database the environment names, opened (and, for
 * the embedded one, locked: refused while a hub holds it) for the command and closed after it. An
 * embedded database is never created here: only a hub's first start creates one, so a CLI run from
 * the wrong folder is refused naming the folder it looked in rather than writing to a new database.
 */
export async function runLocally(env: Env, hubUrl: string, run: PreparedCommand, progress: ProgressReport): Promise<CommandOutcome> {
  const dataDir = resolve(env.HUB_DATA_DIR);
  if (!env.DATABASE_URL && !existsSync(join(dataDir, 'pglite', 'PG_VERSION')))
    throw new ConfigError(`no hub database in ${dataDir}: run from the hub's folder or set HUB_DATA_DIR (a hub creates its database when it first starts)`);
  const config = await loadHubConfig(env.HUB_CONFIG);
  const opened = await openHubDatabase(env, 'the hub CLI');
  try {
    const { db } = opened.database;
    const clock = () => new Date();
    // Logs go to standard error: standard output is the command's answer (a token, JSON).
    const logger = createLogger(env.LOG_LEVEL, pino.destination(2));
    const keys = new SigningKeys({ db, algorithm: config.auth.signingAlgorithm, clock });
    const ingestion = ingestionDepsFor(config, db, clock, logger);
    return await run({ db, config, keys, clock, logger, hubUrl, ingestion, osUser: userInfo().username }, progress);
  } finally {
    await opened.close();
  }
}

import pino from 'pino';
import { SigningKeys } from '../../access/signing-keys.js';
import type { Env } from '../../config/env.js';
import { ingestionDepsFor } from '../ingestion-deps.js';
import { loadHubConfig } from '../load-hub-config.js';
import { createLogger } from '../logger.js';
import { openHubDatabase } from '../open-database.js';
import type { CommandOutcome, PreparedCommand, ProgressReport } from './operator-command.js';

/**
 * Runs a prepared command in this process on the database the environment names, opened (and, for
 * the embedded one, locked: refused while a hub holds it) for the command and closed after it.
 */
export async function runLocally(env: Env, hubUrl: string, run: PreparedCommand, progress: ProgressReport): Promise<CommandOutcome> {
  const config = await loadHubConfig(env.HUB_CONFIG);
  const opened = await openHubDatabase(env, 'the hub CLI');
  try {
    const { db } = opened.database;
    const clock = () => new Date();
    // Logs go to standard error: standard output is the command's answer (a token, JSON).
    const logger = createLogger(env.LOG_LEVEL, pino.destination(2));
    const keys = new SigningKeys({ db, algorithm: config.auth.signingAlgorithm, clock });
    return await run({ db, config, keys, clock, logger, hubUrl, ingestion: ingestionDepsFor(config, db, clock, logger) }, progress);
  } finally {
    await opened.close();
  }
}

import type { Logger } from 'pino';
import type { SigningKeys } from '../access/signing-keys.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { HubDb } from '../store/database.js';
import type { OperatorDeps } from './cli/operator-command.js';
import type { HubConfig } from './hub-config.js';
import { loadHubConfig } from './load-hub-config.js';

/** What the running hub lends its operator commands: its configuration, database, signing keys and ingestion. */
export interface HubOperatorBase {
  readonly db: HubDb;
  /** The configuration the hub runs with: its id, token identity and limits are the commands' too. */
  readonly config: HubConfig;
  readonly keys: SigningKeys;
  /** The hub's own ingestion (its batch observer, the metrics, hears imports and replays). */
  readonly ingestion: IngestionDeps;
  /** The config file, read again for each command for the sources' settings only: a fixed mapping applies to the next import or replay. */
  readonly configPath: string;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly hubUrl: string;
}

/**
 * The running configuration with each configured agency's sources as the config file has them now:
 * what a reload would apply. Everything else (the hub's id, tokens, keys, limits, the agencies
 * themselves) stays as the hub runs it, so a command never mints a token the hub would refuse.
 */
export function commandConfig(running: HubConfig, file: HubConfig): HubConfig {
  return {
    ...running,
    agencies: running.agencies.map((agency) => ({ ...agency, sources: file.agencies.find((a) => a.code === agency.code)?.sources ?? agency.sources })),
  };
}

/** The operator commands' dependencies in the running hub, made for each command. */
export function hubOperatorDeps(base: HubOperatorBase): () => Promise<OperatorDeps> {
  return async () => {
    const config = commandConfig(base.config, await loadHubConfig(base.configPath));
    return { db: base.db, config, keys: base.keys, ingestion: base.ingestion, clock: base.clock, logger: base.logger, hubUrl: base.hubUrl };
  };
}

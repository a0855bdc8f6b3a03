import type { Logger } from 'pino';
import type { SigningKeys } from '../access/signing-keys.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { HubDb } from '../store/database.js';
import type { OperatorDeps } from './cli/operator-command.js';
import { ingestionDepsFor } from './ingestion-deps.js';
import { loadHubConfig } from './load-hub-config.js';

/** What the running hub lends its operator commands: its database, signing keys and ingestion metrics. */
export interface HubOperatorBase {
  readonly db: HubDb;
  readonly keys: SigningKeys;
  /** The hub's ingestion, whose batch observer (metrics) also hears imports and replays. */
  readonly ingestion: Pick<IngestionDeps, 'onBatchWritten'>;
  /** The config file, read again for each command as the CLI reads it: a fixed mapping applies to the next replay. */
  readonly configPath: string;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly hubUrl: string;
}

/** The operator commands' dependencies in the running hub, made for each command. */
export function hubOperatorDeps(base: HubOperatorBase): () => Promise<OperatorDeps> {
  return async () => {
    const config = await loadHubConfig(base.configPath);
    const ingestion: IngestionDeps = { ...ingestionDepsFor(config, base.db, base.clock, base.logger), onBatchWritten: base.ingestion.onBatchWritten };
    return { db: base.db, config, keys: base.keys, ingestion, clock: base.clock, logger: base.logger, hubUrl: base.hubUrl };
  };
}

import type { Logger } from 'pino';
import type { HubConfig } from './hub-config.js';
import { agencyAuthorities } from '../ingestion/fact-authority.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import { DEFAULT_PUBLICATION_RULES } from '../ingestion/publication.js';
import type { HubDb } from '../store/database.js';

/** The ingestion core's dependencies under a configuration: the hub's, and the CLI's `import`. */
export function ingestionDepsFor(config: HubConfig, db: HubDb, clock: () => Date, logger: Logger): IngestionDeps {
  return {
    db,
    clock,
    logger: logger.child({ component: 'ingestion' }),
    publication: { ...DEFAULT_PUBLICATION_RULES, ...config.publication },
    usccAllowList: new Set(config.usccAllowList),
    agencies: agencyAuthorities(config.agencies),
  };
}

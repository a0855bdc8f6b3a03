import type { PurposeConfig } from '../config/hub-config.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { ReadAccess, Readers } from './readers.js';

/** What every resolver receives: the request's access (who, why, its audit trail), readers and the domain's dependencies. */
export interface HubContext {
  readonly access: ReadAccess;
  readonly readers: Readers;
  readonly ingestion: IngestionDeps;
  readonly purposes: readonly PurposeConfig[];
}

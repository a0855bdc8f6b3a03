import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { Readers } from './readers.js';

/** What every resolver receives: per-request readers and the domain's dependencies. */
export interface HubContext {
  readonly readers: Readers;
  readonly ingestion: IngestionDeps;
}

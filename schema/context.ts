import type { PurposeConfig } from '../config/hub-config.js';
import type { ReplayTotals } from '../connectors/replay-quarantine.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { ReadAccess, Readers } from './readers.js';

/** Operations on an agency's configured connectors, provided by the composition root. */
export interface ConnectorOperations {
  /** The agency's configured connectors. */
  list(agencyCode: string): { name: string; type: string; schedule: string | null }[];
  /** Runs one now; resolves when the run ends (SUCCEEDED or FAILED, both recorded). Throws NotFoundError or ConflictError (running elsewhere). */
  runNow(agencyCode: string, connector: string): Promise<void>;
  replayQuarantine(agencyCode: string): Promise<ReplayTotals>;
  /** Failed runs in a row after which a connector counts as unhealthy. */
  readonly unhealthyAfterFailures: number;
}

/** What every resolver receives: the request's access (who, why, its audit trail), readers and the domain's dependencies. */
export interface HubContext {
  readonly access: ReadAccess;
  readonly readers: Readers;
  readonly ingestion: IngestionDeps;
  readonly purposes: readonly PurposeConfig[];
  readonly connectors: ConnectorOperations;
}

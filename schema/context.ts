import type { PurposeConfig } from '../access/access-config-schema.js';
import type { InspectionDeps } from '../inspections/inspection-deps.js';
import type { RepairConfig } from '../config/repair-schema.js';
import type { MeasureConfig } from '../credit/measures-schema.js';
import type { SupervisionConfig } from '../config/supervision-schema.js';
import type { CreditConfig } from '../credit/credit-model.js';
import type { ModelComparison } from '../credit/model-governance.js';
import type { HubDb } from '../store/database.js';
import type { ReplayTotals } from '../connectors/replay-quarantine.js';
import type { IngestionDeps } from '../ingestion/ingest-batch.js';
import type { ConnectorRunRow } from '../store/connector-run-queries.js';
import type { ReadAccess, Readers } from './readers/index.js';

/** What a configuration reload did: dotted settings now in effect, and those that wait for a restart. */
export interface ConfigurationReload {
  /** Applied to the running hub, e.g. `agencies.SH-SAMR.sources.penalties.mapping`. */
  readonly changed: readonly string[];
  /** Different in the file but kept as they run until the hub restarts, e.g. `hub`, `clients`, `agencies.ZJ-TAX (added)`. */
  readonly needsRestart: readonly string[];
}

/** Operations on an agency's configured connectors, provided by the composition root. */
export interface ConnectorOperations {
  /** The agency's configured connectors. */
  list(agencyCode: string): { name: string; type: string; schedule: string | null }[];
  /** Runs one now; resolves with the run it started once it ends (SUCCEEDED or FAILED). Throws NotFoundError, or ConflictError naming the run in progress. */
  runNow(agencyCode: string, connector: string): Promise<ConnectorRunRow>;
  replayQuarantine(agencyCode: string): Promise<ReplayTotals>;
  /**
   * Re-reads the config file and applies what a running hub can take; `beforeApply` runs first (the
   * mutation's audit entry), and nothing is applied when it throws. Throws InvalidInputError naming
   * every problem of a bad file, the running configuration kept.
   */
  reloadConfiguration(beforeApply?: (reload: ConfigurationReload) => Promise<void>): Promise<ConfigurationReload>;
  /** Failed runs in a row after which a connector counts as unhealthy. */
  readonly unhealthyAfterFailures: number;
}

/** Credit grades and supervision: the configured policy and catalogue, and model governance, provided by the composition root. */
export interface CreditOperations {
  readonly supervision: SupervisionConfig;
  readonly measures: readonly MeasureConfig[];
  /** The configured model versions (class labels per version). */
  readonly models: CreditConfig;
  /**
   * Runs `version` and the active version over every enterprise without activating anything
   * (credit/model-governance.ts compareModels), for `requestedBy` (a client id). Throws
   * InvalidInputError for a version not configured, EvaluationRunningError while another runs.
   */
  evaluateModel(version: string, requestedBy: string): Promise<ModelComparison>;
  /** Activates `version` for `activatedBy` in `db` (a transaction the caller audits in). Throws InvalidInputError for a version not configured. */
  activateModel(db: HubDb, version: string, activatedBy: string): Promise<{ version: string; previousVersion: string | null; activatedAt: Date }>;
}

/** What every resolver receives: the request's access (who, why, its audit trail), readers and the domain's dependencies. */
export interface HubContext {
  readonly access: ReadAccess;
  readonly readers: Readers;
  readonly ingestion: IngestionDeps;
  readonly purposes: readonly PurposeConfig[];
  readonly connectors: ConnectorOperations;
  /** Credit repair eligibility and objection due dates (config.repair). */
  readonly repair: RepairConfig;
  readonly credit: CreditOperations;
  /** 双随机 inspection draws: commitments, executions and their published reads. */
  readonly inspections: InspectionDeps;
}

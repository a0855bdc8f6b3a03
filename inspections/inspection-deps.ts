import type { InspectionsConfig } from './inspection-schema.js';
import type { SupervisionConfig } from '../config/supervision-schema.js';
import type { HubDb } from '../store/database.js';

/** What draws need, given once by the composition root. */
export interface InspectionDeps {
  /** The writable database (commitments and executions). */
  readonly db: HubDb;
  /** Where published draws are read: `heavy` for requests priced as expensive (see ReadPools). */
  readonly reads: { readonly standard: HubDb; readonly heavy: HubDb };
  /** limits.maxSubjectsPerRequest: an execution notes its targets on the audit trail when they are no more. */
  readonly maxSubjectsPerRequest: number;
  readonly clock: () => Date;
  readonly config: InspectionsConfig;
  /** Sampling ratio per class and the class of an ungraded enterprise. */
  readonly supervision: SupervisionConfig;
  /** Configured agencies: code → province (GB/T 2260), the default region of their draws. */
  readonly agencyRegions: ReadonlyMap<string, string>;
}

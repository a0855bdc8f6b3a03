import type { HubConfig } from './hub-config.js';
import { connectorName } from '../connectors/index.js';
import type { JobRunObserver } from '../jobs/scheduler.js';
import type { Database } from '../store/database.js';
import { HubMetrics } from './metrics.js';
import { JobReadiness } from './metrics-readiness.js';

/** What watches the hub: its metrics (absent when disabled) and the readiness of its scheduled jobs. */
export interface HubObservers {
  readonly metrics: HubMetrics | undefined;
  readonly readiness: JobReadiness;
  /** The scheduler's hook: tells both. */
  readonly jobRunFinished: JobRunObserver;
}

/** Builds the hub's observers from its configuration (`metrics`), over the hub's database and clock. */
export function createObservers(config: HubConfig, database: Database, clock: () => Date): HubObservers {
  const sources = config.agencies.flatMap((agency) =>
    agency.sources.map((source, index) => ({ agencyCode: agency.code, connector: connectorName(source, index) })),
  );
  const metrics = config.metrics.enabled
    ? new HubMetrics({ db: database.db, clock, agencies: config.agencies.map((agency) => agency.code), sources, poolUse: database.poolUse })
    : undefined;
  const readiness = new JobReadiness(config.metrics.readiness, clock);
  return {
    metrics,
    readiness,
    jobRunFinished: (job, outcome, seconds) => {
      readiness.jobRunFinished(job, outcome);
      metrics?.jobRunFinished(job, outcome, seconds);
    },
  };
}

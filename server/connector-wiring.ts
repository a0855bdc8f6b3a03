import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { SigningKeys } from '../access/signing-keys.js';
import type { HubConfig } from './hub-config.js';
import { replayQuarantine } from '../connectors/replay-quarantine.js';
import { emptyTotals, mergeTotals, type Connector, type ConnectorDeps, type RunTotals } from '../connectors/types.js';
import { inChinaTime } from '../ingestion/dates.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../ingestion/errors.js';
import type { IngestionDeps, PreparedBatch } from '../ingestion/ingest-batch.js';
import { closeAbandonedConnectorRuns, connectorRunOfCaller, runConnector, RunsInProgress, type RunConnectorDeps } from '../jobs/run-connector.js';
import type { JobSchedule } from '../jobs/scheduler.js';
import type { ConnectorOperations } from '../schema/context.js';
import { findConnectorRun, type RunStart } from '../store/connector-run-queries.js';
import type { Database } from '../store/database.js';
import { requireValue } from '../ingestion/require-value.js';
import { createConfigReloader, reloadableConnectors } from './config-reload.js';
import { hubConnectorDeps } from './connector-deps.js';

/** typ of the JWTs the hub signs for agency APIs it pulls from (none of its own token kinds). */
const AGENCY_REQUEST_TYP = 'hub-request+jwt';

export interface ConnectorWiringDeps {
  readonly config: HubConfig;
  readonly database: Database;
  readonly ingestion: IngestionDeps;
  readonly logger: Logger;
  readonly keys: SigningKeys;
  /** The hub's token issuer, `iss` of the requests it signs for agency APIs. */
  readonly issuer: string;
  readonly clock: () => Date;
  /** The config file the hub started from, re-read by reloadConfiguration; without it there is nothing to reload. */
  readonly configPath?: string | undefined;
  /** Told of every connector run as it ends (the metrics). */
  readonly onRunFinished?: RunConnectorDeps['onRunFinished'];
}

export interface WiredConnectors {
  /** What GraphQL offers about connectors: list, run now, replay quarantine. */
  readonly operations: ConnectorOperations;
  /** A scheduled job for each connector that has a `schedule`. */
  scheduledJobs(): JobSchedule[];
  /**
   * Runs every connector once, as many at a time as the machine has cores and at least two (different
   * agencies write in parallel; one agency's batches are serialised by its lock). Each run is recorded and
   * skipped if it runs elsewhere; a failing one does not stop the others: see its FAILED run.
   */
  runAll(): Promise<RunTotals>;
  /** Closes as ABANDONED the runs a process that died left RUNNING (at start-up); returns how many. */
  closeAbandonedRuns(): Promise<number>;
}

/** The configured agencies' connectors, wired to the ingestion core and the run log. */
export function wireConnectors(deps: ConnectorWiringDeps): WiredConnectors {
  const { config, database, ingestion, logger, keys, issuer, clock } = deps;
  const hubDeps = hubConnectorDeps(ingestion, logger, (audience) => {
    const now = Math.floor(clock().getTime() / 1000);
    return keys.sign({ iss: issuer, sub: config.hub.id, aud: audience, iat: now, exp: now + 60, jti: randomUUID() }, AGENCY_REQUEST_TYP);
  });
  const connectorDeps: ConnectorDeps = { ...hubDeps, write: (batch, options) => hubDeps.write(forCallerRun(batch), options) };
  // Each connector reads its source's settings from sourceOf at the start of a run: a reload swaps them there.
  const { connectors, sources: sourceOf } = reloadableConnectors(config.agencies, connectorDeps);
  const reloader = deps.configPath === undefined ? undefined : createConfigReloader({ path: deps.configPath, initial: config, sources: sourceOf });
  const runDeps: RunConnectorDeps = {
    db: database.db,
    logger,
    unhealthyAfterFailures: config.jobs.unhealthyAfterFailures,
    runs: new RunsInProgress(),
    onRunFinished: deps.onRunFinished,
  };

  const operations: ConnectorOperations = {
    unhealthyAfterFailures: config.jobs.unhealthyAfterFailures,
    list: (agencyCode) =>
      connectors
        .filter((c) => c.agencyCode === agencyCode)
        .map((c) => ({ name: c.name, type: c.type, schedule: sourceOf.get(`${agencyCode}/${c.name}`)?.schedule ?? null })),
    runNow: async (agencyCode, name) => {
      const connector = connectors.find((c) => c.agencyCode === agencyCode && c.name === name);
      if (!connector) throw new NotFoundError(`agency ${agencyCode.slice(0, 40)} has no connector ${name.slice(0, 40)}`);
      // A failed run is recorded with its error; the caller reads it from the run.
      const outcome = await runConnector(runDeps, connector);
      if (!outcome.ran) throw new ConflictError(alreadyRunning(connector, outcome.inProgress));
      const run = await findConnectorRun(database.db, outcome.runId);
      if (!run) throw new NotFoundError(`connector run ${outcome.runId} does not exist`);
      return run;
    },
    replayQuarantine: (agencyCode) => {
      const mappings = new Map(
        connectors
          .filter((c) => c.agencyCode === agencyCode)
          .map((c) => [c.name, requireValue(sourceOf.get(`${agencyCode}/${c.name}`), `the settings of connector ${agencyCode}/${c.name}`).mapping] as const),
      );
      return replayQuarantine(ingestion, agencyCode, mappings);
    },
    reloadConfiguration: async (beforeApply) => {
      if (!reloader) throw new InvalidInputError('this hub was started without a config file: there is nothing to reload');
      const plan = await reloader.plan();
      const outcome = { changed: plan.changed, needsRestart: plan.needsRestart };
      await beforeApply?.(outcome);
      plan.apply();
      logger.info(outcome, 'configuration reloaded');
      return outcome;
    },
  };

  return {
    operations,
    scheduledJobs: () =>
      connectors.flatMap((connector) => {
        const cron = sourceOf.get(`${connector.agencyCode}/${connector.name}`)?.schedule;
        const run = async () => {
          const outcome = await runConnector(runDeps, connector);
          if (!outcome.ran)
            logger.info(
              { agency: connector.agencyCode, connector: connector.name, inProgress: outcome.inProgress?.id },
              `scheduled run skipped: ${alreadyRunning(connector, outcome.inProgress)}`,
            );
          return outcome;
        };
        return cron ? [{ name: `connector:${connector.agencyCode}/${connector.name}`, cron, enabled: true, run }] : [];
      }),
    runAll: async () => {
      const totals = emptyTotals();
      // Agencies load side by side; one agency's sources load in their configured order, since its batches take one lock anyway.
      const byAgency = new Map<string, Connector[]>();
      for (const connector of connectors) {
        const queue = byAgency.get(connector.agencyCode) ?? [];
        queue.push(connector);
        byAgency.set(connector.agencyCode, queue);
      }
      const limit = pLimit(Math.max(2, availableParallelism()));
      await Promise.all(
        [...byAgency.values()].map((agencyConnectors) =>
          limit(async () => {
            for (const connector of agencyConnectors) {
              // One unreachable agency must not keep the others from loading: its failure is logged and recorded as a FAILED run.
              const outcome = await runConnector(runDeps, connector).catch((error: unknown) => {
                logger.error({ agency: connector.agencyCode, connector: connector.name, err: error }, 'connector run could not be recorded');
                return undefined;
              });
              if (outcome?.ran) mergeTotals(totals, outcome.totals);
              else if (outcome)
                logger.info(
                  { agency: connector.agencyCode, connector: connector.name, inProgress: outcome.inProgress?.id },
                  `load skipped: ${alreadyRunning(connector, outcome.inProgress)}`,
                );
            }
          }),
        ),
      );
      return totals;
    },
    closeAbandonedRuns: async () => {
      let closed = 0;
      for (const connector of connectors) closed += await closeAbandonedConnectorRuns(runDeps, connector);
      return closed;
    },
  };
}

/** The batch stamped with the connector run the caller works for, if any: the batch names the run, its quarantine entries the connector. */
function forCallerRun(batch: PreparedBatch): PreparedBatch {
  const run = connectorRunOfCaller();
  return run ? { ...batch, run: { id: run.id, connector: run.connector, pages: run.pages } } : batch;
}

/** Why a connector did not run now: the run in progress, by id and start time. */
function alreadyRunning(connector: Connector, inProgress: RunStart | undefined): string {
  const which = `connector ${connector.agencyCode}/${connector.name}`;
  return inProgress
    ? `${which} is already running: run ${inProgress.id}, started ${inChinaTime(inProgress.startedAt)}`
    : `${which} is starting in another hub process`;
}

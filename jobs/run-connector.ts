import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { ConnectorFailure, type Connector, type RunFailureReason, type RunReport, type RunTotals } from '../connectors/types.js';
import type { HubDb } from '../store/database.js';
import {
  closeAbandonedRuns,
  connectorHealth,
  finishConnectorRun,
  runningConnectorRun,
  startConnectorRun,
  type RunEnd,
  type RunStart,
  type RunWarning,
} from '../store/connector-run-queries.js';
import { withLease } from './with-lease.js';

/**
 * The connector runs under way in this hub process, by `agency/connector`, each as the promise of
 * its start (resolved once its run row exists, or with the other process's run when the lease was
 * taken elsewhere). Taken synchronously, so two requests in one process never both go on.
 */
export class RunsInProgress {
  readonly #runs = new Map<string, Promise<RunStart | undefined>>();

  /** The run of `key` in progress here, or a claim on it: `claim` resolves waiters with the run once it starts. */
  claim(
    key: string,
  ): { readonly inProgress: Promise<RunStart | undefined> } | { readonly announce: (run: RunStart | undefined) => void; readonly release: () => void } {
    const inProgress = this.#runs.get(key);
    if (inProgress) return { inProgress };
    let announce: (run: RunStart | undefined) => void = () => undefined;
    this.#runs.set(key, new Promise((resolve) => (announce = resolve)));
    return { announce, release: () => this.#runs.delete(key) };
  }
}

export interface RunConnectorDeps {
  readonly db: HubDb;
  readonly logger: Logger;
  /** Failed runs in a row after which the connector is reported unhealthy. */
  readonly unhealthyAfterFailures: number;
  readonly runs: RunsInProgress;
  /** Told of every run this process recorded, as it ends (e.g. metrics); must not throw. */
  readonly onRunFinished?: ((run: FinishedRun) => void) | undefined;
}

/** A run as the run recorder closed it: which source, how it ended, how long it took. */
export interface FinishedRun {
  readonly agencyCode: string;
  readonly connector: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly seconds: number;
}

/** A run under way, as the batches it writes see it (connectorRunOfCaller). */
export interface ActiveRun extends RunStart {
  readonly agencyCode: string;
  readonly connector: string;
  /** Pages (or files) read whole so far. */
  readonly pages: number;
}

/** What a request to run a connector came to: the run it started and how that ended, or the run already in progress. */
export type RunOutcome =
  | { readonly ran: true; readonly runId: number; readonly status: 'SUCCEEDED' | 'FAILED'; readonly totals: RunTotals }
  /** `inProgress` is undefined only when another process holds the lease but has not recorded its run yet. */
  | { readonly ran: false; readonly inProgress: RunStart | undefined };

const activeRun = new AsyncLocalStorage<ActiveRun>();

/**
 * The connector run the calling code works for, if any: a batch written during `connector.run` is
 * written for that run (ingestion_batches.run_id), whichever connector code path writes it.
 */
export function connectorRunOfCaller(): ActiveRun | undefined {
  return activeRun.getStore();
}

/**
 * Runs a connector once, unless it already runs — in this process or another (its lease): then
 * nothing runs and the run in progress is returned. Before it starts, runs of the connector left
 * RUNNING by a dead process are closed as ABANDONED. The run is recorded (start, end, status, counts
 * of its committed batches, pages, watermarks, warnings, failure reason); a failed run is recorded
 * and logged, not thrown. Throws only when the run log itself cannot be written.
 */
export async function runConnector(deps: RunConnectorDeps, connector: Connector): Promise<RunOutcome> {
  const key = `${connector.agencyCode}/${connector.name}`;
  const claim = deps.runs.claim(key);
  if ('inProgress' in claim) return { ran: false, inProgress: await claim.inProgress };
  try {
    const leased = await withLease(deps.db, `connector:${key}`, async () => {
      for (const abandoned of await closeAbandonedRuns(deps.db, connector.agencyCode, connector.name)) {
        deps.logger.warn(
          { agency: connector.agencyCode, connector: connector.name, ...abandoned },
          'connector run abandoned by a process that stopped: closed as ABANDONED',
        );
      }
      const run = await startConnectorRun(deps.db, connector.agencyCode, connector.name);
      claim.announce(run);
      return execute(deps, connector, run);
    });
    if (leased.ran) return leased.result;
    const inProgress = await runningConnectorRun(deps.db, connector.agencyCode, connector.name);
    claim.announce(inProgress);
    return { ran: false, inProgress };
  } finally {
    claim.announce(undefined);
    claim.release();
  }
}

/**
 * Closes as ABANDONED the runs of a connector left RUNNING by a process that died, if no live process
 * holds the connector's lease (at start-up). Returns how many it closed.
 */
export async function closeAbandonedConnectorRuns(deps: RunConnectorDeps, connector: Connector): Promise<number> {
  const leased = await withLease(deps.db, `connector:${connector.agencyCode}/${connector.name}`, () =>
    closeAbandonedRuns(deps.db, connector.agencyCode, connector.name),
  );
  const closed = leased.ran ? leased.result : [];
  for (const abandoned of closed) {
    deps.logger.warn(
      { agency: connector.agencyCode, connector: connector.name, ...abandoned },
      'connector run abandoned by a process that stopped: closed as ABANDONED',
    );
  }
  return closed.length;
}

async function execute(deps: RunConnectorDeps, connector: Connector, run: RunStart): Promise<RunOutcome> {
  const log = deps.logger.child({ agency: connector.agencyCode, connector: connector.name, run: run.id });
  const report = new RunDetail(log);
  const started = performance.now();
  const finished = (status: FinishedRun['status']) =>
    deps.onRunFinished?.({ agencyCode: connector.agencyCode, connector: connector.name, status, seconds: (performance.now() - started) / 1000 });
  const active: ActiveRun = {
    ...run,
    agencyCode: connector.agencyCode,
    connector: connector.name,
    get pages() {
      return report.pages;
    },
  };
  try {
    await activeRun.run(active, () => connector.run(report));
  } catch (error) {
    const failureReason: RunFailureReason = error instanceof ConnectorFailure ? error.reason : 'HUB_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    const totals = await finishConnectorRun(deps.db, run.id, { status: 'FAILED', failureReason, error: message, ...report.end() });
    log.error({ err: error, failureReason, ...totals }, 'connector run failed');
    const failures = (await connectorHealth(deps.db, connector.agencyCode)).get(connector.name)?.consecutiveFailures ?? 0;
    finished('FAILED');
    if (failures >= deps.unhealthyAfterFailures) log.warn({ consecutiveFailures: failures }, 'connector unhealthy: its last runs all failed');
    return { ran: true, runId: run.id, status: 'FAILED', totals };
  }
  const totals = await finishConnectorRun(deps.db, run.id, { status: 'SUCCEEDED', failureReason: null, error: null, ...report.end() });
  log.info({ ...totals, pages: report.pages }, 'connector run succeeded');
  finished('SUCCEEDED');
  return { ran: true, runId: run.id, status: 'SUCCEEDED', totals };
}

/** A run keeps this many warnings; beyond, one more says how many were left out (the price of `ConnectorRun.warnings` counts on it). */
export const MAX_RUN_WARNINGS = 100;
const MAX_WARNING_TEXT = 500;

/** What a connector reports as it runs, kept for its run row; each warning is also logged. */
class RunDetail implements RunReport {
  pages = 0;
  readonly #warnings: RunWarning[] = [];
  #leftOut = 0;
  #watermark: { before: string | undefined; after: string | undefined } | undefined;

  constructor(private readonly log: Logger) {}

  pageRead(): void {
    this.pages += 1;
  }

  warn(code: string, message: string): void {
    this.log.warn({ code }, message);
    if (this.#warnings.length < MAX_RUN_WARNINGS) this.#warnings.push({ code: code.slice(0, 100), message: message.slice(0, MAX_WARNING_TEXT) });
    else this.#leftOut += 1;
  }

  watermark(before: string | undefined, after: string | undefined): void {
    this.#watermark = { before, after };
  }

  end(): Omit<RunEnd, 'status' | 'failureReason' | 'error'> {
    const leftOut = this.#leftOut > 0 ? [{ code: 'MORE_WARNINGS', message: `${this.#leftOut} more warnings were not kept` }] : [];
    return { pages: this.pages, warnings: [...this.#warnings, ...leftOut], watermarkBefore: this.#watermark?.before, watermarkAfter: this.#watermark?.after };
  }
}

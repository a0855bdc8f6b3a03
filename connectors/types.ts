import type { Logger } from 'pino';
import type { IngestCounts, IngestRequest, PreparedBatch } from '../ingestion/ingest-batch.js';

/** What a batch's transaction also stores: the connector's watermark, which never moves without the data it covers. */
export interface BatchWriteOptions {
  readonly watermark?: { readonly connector: string; readonly value: string };
}

/** Writes one prepared batch in one transaction (with the options' watermark, if any); resolves with its counts. */
export type BatchWriter = (batch: PreparedBatch, options?: BatchWriteOptions) => Promise<IngestCounts>;

/** What a connector needs from the hub, and no more (never the database itself); passed in, never imported. */
export interface ConnectorDeps {
  /** The ingestion core's validation step, bound to the hub's rules. */
  readonly prepare: (request: IngestRequest) => Promise<PreparedBatch>;
  /** The ingestion core's write step: one transaction per batch, the watermark saved in it. */
  readonly write: BatchWriter;
  /** The connector's watermark as last saved with a batch; undefined before its first. */
  readonly readWatermark: (agencyCode: string, connector: string) => Promise<string | undefined>;
  readonly logger: Logger;
  /** A short-lived JWT signed by the hub for an agency API with this audience (signed-JWT auth to the agency). */
  readonly signRequestToken: (audience: string) => Promise<string>;
}

/** Totals of one connector run over all the batches it ingested. */
export interface RunTotals {
  batches: number;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** Why a run failed, as a stable code (stored on the run, usable as a metric label). */
export const RUN_FAILURE_REASONS = [
  /** The agency API could not be reached, or answered 5xx/429, after the retries. */
  'UPSTREAM_UNAVAILABLE',
  /** No answer, or a pause mid-page, longer than the source's timeout. */
  'UPSTREAM_TIMEOUT',
  /** HTTP 200 with an error code in the body (`response.status`). */
  'UPSTREAM_ERROR_CODE',
  /** A body that is not the agreed JSON, or pages out of order or unfiltered. */
  'BAD_RESPONSE',
  /** 401 or 403 from the agency API. */
  'UNAUTHORIZED',
  /** A page that broke off, or paging that disagrees with the API's own total. */
  'INCOMPLETE_PAGE',
  /** A file-drop folder or file that cannot be read. */
  'SOURCE_UNREADABLE',
  /** The hub's own failure (the database unreachable, …). */
  'HUB_ERROR',
  /** The run's process died before it finished; closed by the next run or at start-up. */
  'ABANDONED',
] as const;
export type RunFailureReason = (typeof RUN_FAILURE_REASONS)[number];

/** A connector's failure with its reason code; anything else a run throws counts as HUB_ERROR. */
export class ConnectorFailure extends Error {
  constructor(
    readonly reason: RunFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorFailure';
  }
}

/** What a running connector reports besides its batches; the run log keeps it. */
export interface RunReport {
  /** A page (or a file) was read whole. */
  pageRead(): void;
  /** Something worth an operator's eye that does not fail the run (a page larger than asked, a total that disagrees). */
  warn(code: string, message: string): void;
  /** The source's watermark as the run found it and as it leaves it. */
  watermark(before: string | undefined, after: string | undefined): void;
}

/** A RunReport that keeps nothing, for callers outside the run log (tests, benchmarks). */
export const IGNORED_REPORT: RunReport = { pageRead: () => undefined, warn: () => undefined, watermark: () => undefined };

/**
 * A source of one agency's records. `run` reads what the source has now and hands it to the
 * ingestion core in batches; it resolves with the totals. Throwing (preferably a ConnectorFailure
 * with its reason) means the source could not be read: batches already ingested stay, nothing is
 * half-written.
 */
export interface Connector {
  readonly type: string;
  /** Unique among the agency's connectors, e.g. 'file-drop-1'; names its lease and its runs. */
  readonly name: string;
  readonly agencyCode: string;
  run(report?: RunReport): Promise<RunTotals>;
}

export function emptyTotals(): RunTotals {
  return { batches: 0, received: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
}

export function addCounts(totals: RunTotals, counts: IngestCounts): void {
  totals.batches += 1;
  totals.received += counts.received;
  totals.inserted += counts.inserted;
  totals.updated += counts.updated;
  totals.unchanged += counts.unchanged;
  totals.rejected += counts.rejected;
}

export function mergeTotals(into: RunTotals, from: RunTotals): void {
  for (const key of Object.keys(into) as (keyof RunTotals)[]) into[key] += from[key];
}

/**
 * Writes batches strictly in submission order with at most one write in flight, so the caller can
 * read and validate the next batch while the database writes the current one. A failed write makes
 * the next submit() or drain() throw.
 */
export function createOrderedWriter(write: BatchWriter, totals: RunTotals) {
  let inFlight: Promise<void> = Promise.resolve();
  return {
    /** Queues a batch (with its watermark, if any) once the previous write is done. */
    async submit(batch: PreparedBatch, options?: BatchWriteOptions): Promise<void> {
      await inFlight;
      const next = write(batch, options).then((counts) => {
        addCounts(totals, counts);
      });
      next.catch(() => undefined); // observed by the next submit() or drain()
      inFlight = next;
    },
    drain: (): Promise<void> => inFlight,
  };
}

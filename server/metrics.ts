import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestCounts } from '../ingestion/ingest-batch.js';
import type { FinishedRun } from '../jobs/run-connector.js';
import type { JobRunOutcome } from '../jobs/scheduler.js';
import { LEASE_TAKEOVER_CHANNEL } from '../jobs/with-lease.js';
import type { HubDb, PoolUse } from '../store/database.js';
import { readStoreGauges } from '../store/metrics-queries.js';
import type { TokenRequestOutcome } from './auth/token-endpoint.js';
import { OperationNames } from './metrics-graphql.js';

export interface HubMetricsDeps {
  readonly db: HubDb;
  readonly clock: () => Date;
  /** The configured agencies' codes, whose open quarantine is reported. */
  readonly agencies: readonly string[];
  /** The configured sources, whose last successful run is reported. */
  readonly sources: readonly { readonly agencyCode: string; readonly connector: string }[];
  /** The database pools' use, when the engine has pools (a PostgreSQL server). */
  readonly poolUse?: (() => readonly PoolUse[]) | undefined;
}

/** The paths /metrics reports by name; any other is `other`, so a scan of made-up URLs adds no series. */
const NAMED_ROUTES = new Set([
  '/graphql',
  '/oauth/token',
  '/healthz',
  '/readyz',
  '/metrics',
  '/.well-known/jwks.json',
  '/.well-known/oauth-authorization-server',
]);
const routeOf = (path: string): string => (NAMED_ROUTES.has(path) ? path : path.startsWith('/ide/') ? '/ide' : 'other');

/** Every ingested record is one of these; `rejected` ones went to quarantine. */
const INGEST_OUTCOMES = ['inserted', 'updated', 'unchanged', 'rejected'] as const;

/**
 * prom-client's default metrics (CPU, memory, event loop lag, GC) describe the process, not a hub,
 * and their monitors cannot be stopped: one registry for the process, made on first use and merged
 * into every hub's exposition.
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RUN_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/**
 * The hub's Prometheus metrics: one registry per hub (so two hubs in one process never share series)
 * and the hooks the parts of the hub report to — the HTTP layer, the GraphQL plugin, the token
 * endpoint, the ingestion core, the connector run recorder and the scheduler. Store-wide figures
 * (audit log, quarantine, last successful runs) are read once per scrape. No label value comes from
 * a request's data: routes, operation names, codes and outcomes are bounded sets; agencies, sources
 * and jobs come from the configuration.
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly operationNames = new OperationNames();
  readonly graphqlDuration = new Histogram({
    name: 'hub_graphql_request_duration_seconds',
    help: 'GraphQL requests by operation name (unnamed, unparsable and surplus names collapsed) and outcome (ok, error, denied)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly graphqlErrors = new Counter({
    name: 'hub_graphql_errors_total',
    help: 'Errors in GraphQL responses by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly #http = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly #tokensIssued = new Counter({ name: 'hub_tokens_issued_total', help: 'Access tokens issued at /oauth/token', registers: [this.registry] });
  readonly #tokensRefused = new Counter({
    name: 'hub_tokens_refused_total',
    help: 'Token requests refused at /oauth/token, by OAuth error code',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #records = new Counter({
    name: 'hub_records_ingested_total',
    help: 'Records in committed batches by agency and outcome (inserted, updated, unchanged, rejected to quarantine)',
    labelNames: ['agency', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #quarantine = new Gauge({
    name: 'hub_quarantine_open_entries',
    help: 'Open quarantine entries by agency',
    labelNames: ['agency'] as const,
    registers: [this.registry],
  });
  readonly #runs = new Histogram({
    name: 'hub_connector_run_duration_seconds',
    help: 'Connector runs recorded by this process, by source and outcome (_count: runs)',
    labelNames: ['agency', 'connector', 'outcome'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  readonly #lastSuccess = new Gauge({
    name: 'hub_connector_last_success_timestamp_seconds',
    help: 'When each source last finished a successful run (any hub process); 0: never',
    labelNames: ['agency', 'connector'] as const,
    registers: [this.registry],
  });
  readonly #jobs = new Histogram({
    name: 'hub_job_run_duration_seconds',
    help: 'Scheduled job runs by job and outcome (succeeded, failed, skipped: another process held the lease) (_count: runs)',
    labelNames: ['job', 'outcome'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  readonly #takeovers = new Counter({
    name: 'hub_lease_takeovers_total',
    help: 'Leases this process took at once from a dead holder on this host',
    labelNames: ['lease'] as const,
    registers: [this.registry],
  });
  readonly #auditEntries = new Counter({
    name: 'hub_audit_entries_total',
    help: 'Entries appended to the audit log (by any hub process)',
    registers: [this.registry],
  });
  readonly #checkpointAge = new Gauge({
    name: 'hub_audit_checkpoint_age_seconds',
    help: 'Seconds since the latest audit checkpoint was signed; -1: none yet',
    registers: [this.registry],
  });
  readonly #pool = new Gauge({
    name: 'hub_db_pool_connections',
    help: 'Database pool connections by pool and state (total, idle, waiting: requests queued for one); absent on the embedded engine',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
  });
  #auditEntriesSeen = 0;
  readonly #onTakeover = (message: unknown) => {
    const lease = (message as { lease?: unknown }).lease;
    if (typeof lease === 'string') this.#takeovers.inc({ lease: lease.slice(0, 120) });
  };

  constructor(private readonly deps: HubMetricsDeps) {
    processRegistry();
    subscribe(LEASE_TAKEOVER_CHANNEL, this.#onTakeover);
  }

  /** Express middleware, mounted first: times every request by route, method and status. */
  readonly http: RequestHandler = (req, res, next) => {
    const end = this.#http.startTimer();
    // Read now: a mounted router (app.use('/graphql', …)) strips its prefix from the path while it runs.
    const route = routeOf(req.path);
    res.once('finish', () => end({ route, method: req.method, status: String(res.statusCode) }));
    next();
  };

  /** The token endpoint's hook. */
  readonly tokenRequest = (outcome: TokenRequestOutcome): void => {
    if (outcome === 'issued') this.#tokensIssued.inc();
    else this.#tokensRefused.inc({ reason: outcome });
  };

  /** The ingestion core's hook: a committed batch. */
  readonly batchWritten = (agency: string, counts: IngestCounts): void => {
    for (const outcome of INGEST_OUTCOMES) if (counts[outcome] > 0) this.#records.inc({ agency, outcome }, counts[outcome]);
  };

  /** The run recorder's hook: a connector run closed. */
  readonly connectorRunFinished = (run: FinishedRun): void => {
    this.#runs.observe({ agency: run.agencyCode, connector: run.connector, outcome: run.status.toLowerCase() }, run.seconds);
  };

  /** The scheduler's hook: a scheduled run ended. */
  readonly jobRunFinished = (job: string, outcome: JobRunOutcome, seconds: number): void => {
    this.#jobs.observe({ job, outcome }, seconds);
  };

  /** The Prometheus text exposition, after reading the store's gauges (one query). */
  async render(): Promise<{ contentType: string; body: string }> {
    const store = await readStoreGauges(this.deps.db, this.deps.sources);
    if (store.auditEntries > this.#auditEntriesSeen) this.#auditEntries.inc(store.auditEntries - this.#auditEntriesSeen);
    this.#auditEntriesSeen = Math.max(this.#auditEntriesSeen, store.auditEntries);
    const now = this.deps.clock().getTime();
    this.#checkpointAge.set(store.lastCheckpointAt ? Math.max(0, (now - store.lastCheckpointAt.getTime()) / 1000) : -1);
    for (const agency of this.deps.agencies) this.#quarantine.set({ agency }, store.openQuarantine.get(agency) ?? 0);
    for (const { agencyCode, connector } of this.deps.sources) {
      const at = store.lastSuccessfulRun.get(`${agencyCode}/${connector}`);
      this.#lastSuccess.set({ agency: agencyCode, connector }, at ? at.getTime() / 1000 : 0);
    }
    for (const use of this.deps.poolUse?.() ?? []) {
      this.#pool.set({ pool: use.pool, state: 'total' }, use.total);
      this.#pool.set({ pool: use.pool, state: 'idle' }, use.idle);
      this.#pool.set({ pool: use.pool, state: 'waiting' }, use.waiting);
    }
    return { contentType: this.registry.contentType, body: await Registry.merge([this.registry, processRegistry()]).metrics() };
  }

  /** Stops listening to process-wide events. */
  stop(): void {
    unsubscribe(LEASE_TAKEOVER_CHANNEL, this.#onTakeover);
  }
}

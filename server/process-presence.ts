import type { Logger } from 'pino';
import { PROCESS_ID, isDeadLocalHolder } from '../jobs/with-lease.js';
import type { HubDb } from '../store/database.js';
import { acquireLease, findLiveLeaseHolders, releaseLease } from '../store/lease-queries.js';

export const PRESENCE_PREFIX = 'hub-process:';
export const PRESENCE_TTL_MS = 30_000;

/**
 * The hub processes serving from one database, each counted by a presence lease it renews every
 * third of the lease's life and gives up when it stops. Request rates are configured for the hub as
 * a whole; each process enforces its even share, so a client whose requests a balancer spreads over
 * two processes still gets its rate, not twice it. A process that died is counted until its lease
 * expires (at once when it ran on this host), which errs on the strict side.
 */
export class ProcessPresence {
  #processes = 1;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: HubDb,
    private readonly logger: Logger,
    private readonly id = PROCESS_ID,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {}

  /** Hub processes on this database, this one included. */
  get processes(): number {
    return this.#processes;
  }

  /** This process's share of a hub-wide rate: at least 1, so a client is never shut out. */
  share(perMinute: number): number {
    return Math.max(1, Math.floor(perMinute / this.#processes));
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => {
      this.refresh().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not renew this process’s presence; keeping the last count');
      });
    }, this.ttlMs / 3);
    this.#timer.unref();
  }

  /** Renews this process's presence and counts the live ones. */
  async refresh(): Promise<void> {
    await acquireLease(this.db, PRESENCE_PREFIX + this.id, this.id, this.ttlMs);
    const holders = await findLiveLeaseHolders(this.db, PRESENCE_PREFIX);
    const processes = Math.max(1, holders.filter((holder) => !isDeadLocalHolder(holder)).length);
    if (processes !== this.#processes) {
      const message =
        processes === 1
          ? 'this is the only hub process on this database: it enforces each request rate whole'
          : `${processes} hub processes serve this database: each enforces 1/${processes} of every request rate`;
      this.logger.info({ processes }, message);
    }
    this.#processes = processes;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await releaseLease(this.db, PRESENCE_PREFIX + this.id, this.id);
  }
}

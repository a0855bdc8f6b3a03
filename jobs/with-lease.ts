import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { hostname } from 'node:os';
import type { HubDb } from '../store/database.js';
import { acquireLease, findLeaseHolder, releaseLease } from '../store/lease-queries.js';

export type LeasedResult<T> = { readonly ran: true; readonly result: T } | { readonly ran: false };

/** One id per hub process, so leases say which process, on which host, holds them. */
const HOST = hostname();
export const PROCESS_ID = `${HOST}/${process.pid}/${randomUUID().slice(0, 8)}`;

let leasesTaken = 0;
/**
 * The holder of one withLease call: its process's id and a number. A holder renews its own lease, so
 * one id for the whole process would let a second run in the same process take a lease the first holds.
 */
function nextHolder(): string {
  leasesTaken += 1;
  return `${PROCESS_ID}/${leasesTaken}`;
}

/** A holder on this host whose process no longer runs (killed, crashed): its lease need not be waited out. */
export function isDeadLocalHolder(holder: string | undefined): holder is string {
  const [host, pid] = holder?.split('/') ?? [];
  if (host !== HOST || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Published with `{ lease: name }` when this process takes a lease from a holder that died, for
 * whoever observes the process (the metrics). Leases belong to the process, so the channel does too.
 */
export const LEASE_TAKEOVER_CHANNEL = 'credit-hub:lease-takeover';
const takeovers = channel(LEASE_TAKEOVER_CHANNEL);

/**
 * Runs `work` while holding the named lease, renewing it every third of its time to live. If
 * anyone else — another process, or another call in this one — holds a live lease, nothing runs
 * and `{ ran: false }` is returned. A holder that dies stops renewing: its lease expires and the next
 * run elsewhere takes it over — at once when the dead holder ran on this host (a hub restarted after
 * a crash resumes its work right away).
 */
export async function withLease<T>(db: HubDb, name: string, work: () => Promise<T>, ttlMs = DEFAULT_LEASE_MS): Promise<LeasedResult<T>> {
  const holder = nextHolder();
  let acquired = await acquireLease(db, name, holder, ttlMs);
  if (!acquired) {
    const current = await findLeaseHolder(db, name);
    if (isDeadLocalHolder(current)) {
      acquired = await acquireLease(db, name, holder, ttlMs, current);
      if (acquired) takeovers.publish({ lease: name });
    }
  }
  if (!acquired) return { ran: false };
  const renewal = setInterval(() => void acquireLease(db, name, holder, ttlMs).catch(() => undefined), ttlMs / 3);
  try {
    return { ran: true, result: await work() };
  } finally {
    clearInterval(renewal);
    await releaseLease(db, name, holder);
  }
}

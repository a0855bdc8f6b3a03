import { randomUUID } from 'node:crypto';
import type { HubDb } from '../store/database.js';
import { acquireLease, releaseLease } from '../store/lease-queries.js';

export type LeasedResult<T> = { readonly ran: true; readonly result: T } | { readonly ran: false };

/** One id per hub process, so leases say which process holds them. */
const PROCESS_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Runs `work` while holding the named lease, renewing it every third of its time to live. If
 * another process holds a live lease, nothing runs and `{ ran: false }` is returned. A holder
 * that dies stops renewing: its lease expires and the next run elsewhere takes it over.
 */
export async function withLease<T>(db: HubDb, name: string, work: () => Promise<T>, ttlMs = DEFAULT_LEASE_MS): Promise<LeasedResult<T>> {
  if (!(await acquireLease(db, name, PROCESS_ID, ttlMs))) return { ran: false };
  const renewal = setInterval(() => void acquireLease(db, name, PROCESS_ID, ttlMs).catch(() => undefined), ttlMs / 3);
  try {
    return { ran: true, result: await work() };
  } finally {
    clearInterval(renewal);
    await releaseLease(db, name, PROCESS_ID);
  }
}

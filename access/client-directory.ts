import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { findClient, type ClientRow } from '../store/client-queries.js';

export const CLIENT_CHANGE_CHANNEL = 'api_clients_changed';

/**
 * Registered clients as every request needs them (is this client still active, what may it do),
 * cached in memory. A change to a client (revocation, new scopes, deletion) is announced by a
 * database trigger and drops the cached copy at once, in every hub process. Should that announcement
 * channel break, the cache is switched off and every lookup reads the database again.
 */
export class ClientDirectory {
  private readonly cache = new LRUCache<string, ClientRow>({ max: 10_000 });
  /** Bumped by every announcement: a lookup that raced with a change does not cache what it read. */
  private generation = 0;
  private caching = false;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.database.listen(
      CLIENT_CHANGE_CHANNEL,
      (id) => {
        this.generation += 1;
        this.cache.delete(id);
      },
      (error) => {
        this.caching = false;
        this.cache.clear();
        this.logger.warn({ err: error }, 'client change announcements lost: client lookups now always read the database');
      },
    );
    this.caching = true;
  }

  async stop(): Promise<void> {
    this.caching = false;
    await this.unsubscribe?.();
  }

  /** The client with this id as registered now, or undefined. */
  async get(id: string): Promise<ClientRow | undefined> {
    if (this.caching) {
      const cached = this.cache.get(id);
      if (cached) return cached;
    }
    const generation = this.generation;
    const row = await findClient(this.database.db, id);
    if (row && this.caching && generation === this.generation) this.cache.set(id, row);
    return row;
  }
}

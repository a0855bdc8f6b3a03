import { TokenBucket } from 'limiter';
import type { ClientDirectory } from '../../access/client-directory.js';
import type { RateShare } from '../query-limits.js';

export type RateVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number; readonly perMinute: number };

/**
 * A token bucket per client: `requestsPerMinute` (the client's own, or the default) refills over a
 * minute and bounds bursts. A request takes one unit at the door and, once priced, one more per
 * `limits.pricePerRequest` of its price beyond the first. The client's rate comes from the cached
 * client directory, so a changed registration takes effect on its next request. The rate is for the
 * whole hub: this process enforces its `share` of it (see ProcessPresence). Buckets exist only for
 * registered clients, so memory is bounded.
 */
export class ClientRates {
  private readonly buckets = new Map<string, { bucket: TokenBucket; size: number }>();

  constructor(
    private readonly clients: ClientDirectory,
    private readonly defaultPerMinute: number,
    private readonly share: RateShare,
  ) {}

  /**
   * Takes `units` from the client's bucket, or none when it holds fewer. A request never costs more
   * than a full bucket (a minute of the client's rate), so an expensive one waits, but is never
   * refused for ever.
   */
  async take(clientId: string, units: number): Promise<RateVerdict> {
    const perMinute = (await this.clients.get(clientId))?.requests_per_minute ?? this.defaultPerMinute;
    const size = this.share(perMinute);
    let entry = this.buckets.get(clientId);
    if (entry?.size !== size) {
      const bucket = new TokenBucket({ bucketSize: size, tokensPerInterval: size, interval: 'minute' });
      // A resized bucket keeps what was spent from it: a raised rate adds its difference, a lowered one caps.
      bucket.content = entry ? Math.min(size, Math.max(0, entry.bucket.content + size - entry.size)) : size;
      entry = { bucket, size };
      this.buckets.set(clientId, entry);
    }
    const charge = Math.min(units, size);
    if (entry.bucket.tryRemoveTokens(charge)) return { ok: true };
    const missing = charge - entry.bucket.content;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((missing * 60) / size)), perMinute };
  }
}

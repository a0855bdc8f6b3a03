import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { HttpJsonSourceConfig } from '../../config/hub-config.js';

export interface Page {
  readonly records: readonly Record<string, unknown>[];
  readonly nextCursor: string | null;
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 1000;
}

/**
 * Fetches one page of an agency API. Transient failures (connection refused, timeouts, 5xx, 429
 * after its Retry-After) are retried with exponential backoff and jitter; a permanent one (401,
 * 404, a body that is not the agreed JSON) fails at once with a reason naming it.
 */
export async function fetchPage(source: HttpJsonSourceConfig, query: Record<string, string>, token: string | undefined, logger: Logger): Promise<Page> {
  const url = new URL(source.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const attempt = async (): Promise<Page> => {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(source.timeoutMs),
    });
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.headers.get('retry-after'))));
      throw new Error(`agency API answered HTTP ${response.status}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AbortError(`agency API answered HTTP ${response.status} ${response.statusText}: not retried`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new AbortError('agency API sent a body that is not valid JSON');
    }
    const records = (body as Record<string, unknown> | null)?.[source.response.records];
    if (!Array.isArray(records)) throw new AbortError(`agency API response has no "${source.response.records}" array`);
    const next = (body as Record<string, unknown>)[source.response.nextCursor];
    return { records: records as Record<string, unknown>[], nextCursor: typeof next === 'string' && next !== '' ? next : null };
  };
  return pRetry(attempt, {
    retries: source.retries,
    factor: 2,
    minTimeout: 200,
    maxTimeout: 10_000,
    randomize: true,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      logger.warn({ attempt: attemptNumber, retriesLeft, reason: error.message }, 'agency API request failed');
    },
  });
}

import { JSONParser } from '@streamparser/json';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { HttpJsonSourceConfig } from '../../config/hub-config.js';

export type Row = Record<string, unknown>;

/** A page being read: its records as they arrive, then its next cursor. */
export interface PageStream {
  /** The page's records, parsed one by one from the body as it streams in: memory stays flat. */
  readonly records: AsyncGenerator<Row>;
  /** The next page's cursor, known once `records` is exhausted; null on the last page. */
  nextCursor(): string | null;
}

const MAX_RETRY_AFTER_MS = 60_000;
/** A page with no records is kept whole up to this size, to tell an empty array from a missing one. */
const SMALL_BODY_BYTES = 64 * 1024;

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 1000;
}

/**
 * Requests one page of an agency API. Transient failures (connection refused, timeouts, 5xx, 429
 * after its Retry-After) are retried with exponential backoff and jitter; a permanent one (401, 404)
 * fails at once with a reason naming it. The body is then read as a stream: `timeoutMs` bounds the
 * wait for the answer and every pause in the body, not the whole transfer of a large page. A body
 * that is not the agreed JSON fails the page (the run resumes from the last stored page).
 */
export async function openPage(source: HttpJsonSourceConfig, query: Record<string, string>, token: string | undefined, logger: Logger): Promise<PageStream> {
  const url = new URL(source.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const attempt = async () => {
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(new Error(`agency API did not answer within ${source.timeoutMs} ms`)), source.timeoutMs);
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(new Error(`agency API paused for more than ${source.timeoutMs} ms mid-page`)), source.timeoutMs);
    };
    try {
      const response = await fetch(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: abort.signal });
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.headers.get('retry-after'))));
        throw new Error(`agency API answered HTTP ${response.status}`);
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new AbortError(`agency API answered HTTP ${response.status} ${response.statusText}: not retried`);
      }
      idle();
      return { body: response.body, idle, done: () => clearTimeout(timer) };
    } catch (error) {
      clearTimeout(timer);
      // The abort reason (our timeout) says more than fetch's generic AbortError.
      throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : error;
    }
  };
  const opened = await pRetry(attempt, {
    retries: source.retries,
    factor: 2,
    minTimeout: 200,
    maxTimeout: 10_000,
    randomize: true,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      logger.warn({ attempt: attemptNumber, retriesLeft, reason: error.message }, 'agency API request failed');
    },
  });
  let nextCursor: string | null = null;
  return {
    records: parseRecords(opened.body, source, opened.idle, (cursor) => (nextCursor = cursor), opened.done),
    nextCursor: () => nextCursor,
  };
}

async function* parseRecords(
  body: ReadableStream<Uint8Array>,
  source: HttpJsonSourceConfig,
  onChunk: () => void,
  setCursor: (cursor: string | null) => void,
  done: () => void,
): AsyncGenerator<Row> {
  const { records: recordsKey, nextCursor: cursorKey } = source.response;
  const parser = new JSONParser({ paths: [`$.${recordsKey}.*`, `$.${cursorKey}`], keepStack: false });
  const ready: Row[] = [];
  let emitted = 0;
  let ended = false;
  let failure: Error | undefined;
  let small: Buffer[] | undefined = [];
  let bytes = 0;
  parser.onValue = ({ value, key, stack }) => {
    if (stack.length === 1 && key === cursorKey) setCursor(typeof value === 'string' && value !== '' ? value : null);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) ready.push(value as Row);
    else failure ??= new AbortError(`agency API sent a "${recordsKey}" item that is not an object`);
  };
  parser.onError = (error) => (failure ??= new AbortError(`agency API sent a body that is not valid JSON (${error.message.slice(0, 120)})`));
  parser.onEnd = () => (ended = true);
  try {
    for await (const chunk of body) {
      onChunk();
      bytes += chunk.byteLength;
      if (small && bytes <= SMALL_BODY_BYTES) small.push(Buffer.from(chunk));
      else small = undefined;
      if (!ended) parser.write(chunk);
      if (failure) throw failure;
      emitted += ready.length;
      yield* ready.splice(0);
    }
    if (!ended) parser.end();
    if (failure) throw failure;
  } finally {
    done();
  }
  if (emitted === 0 && !hasRecordsArray(small, recordsKey)) throw new AbortError(`agency API response has no "${recordsKey}" array`);
}

/** For a page without records: was there an empty array, or no array at all (the agency changed its format)? */
function hasRecordsArray(small: Buffer[] | undefined, recordsKey: string): boolean {
  if (!small) return false;
  try {
    const body = JSON.parse(Buffer.concat(small).toString('utf8')) as Record<string, unknown> | null;
    return Array.isArray(body?.[recordsKey]);
  } catch {
    return false;
  }
}

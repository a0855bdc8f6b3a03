import { JSONParser } from '@streamparser/json';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { HttpJsonSourceConfig } from '../../config/hub-config.js';

export type Row = Record<string, unknown>;

/** A page being read: its records as they arrive, then its next cursor. */
export interface PageStream {
  /** The page's records: parsed whole up to 8 MB, one by one as the body streams in beyond, so memory stays bounded. */
  readonly records: AsyncGenerator<Row>;
  /** The next page's cursor, known once `records` is exhausted; null on the last page. */
  nextCursor(): string | null;
}

const MAX_RETRY_AFTER_MS = 60_000;
/**
 * A page up to this size is read whole and parsed natively (several times faster); a larger one is
 * parsed as it streams in, so its size never shows in memory.
 */
const WHOLE_PAGE_BYTES = 8 * 1024 * 1024;

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
  const reader = body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const next = await reader.next();
      if (next.done) {
        yield* parseWhole(Buffer.concat(head), source, setCursor);
        return;
      }
      onChunk();
      head.push(Buffer.from(next.value));
      bytes += next.value.byteLength;
      if (bytes > WHOLE_PAGE_BYTES) break;
    }
    yield* parseStreaming(head, reader, source, onChunk, setCursor);
  } finally {
    done();
  }
}

/** The value at a dotted path of the response body ('' is the body itself). */
function valueAt(body: unknown, path: string): unknown {
  if (path === '') return body;
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), body);
}

/** How errors name the records array. */
const recordsName = (path: string) => (path === '' ? 'top-level' : `"${path}"`);

/**
 * The failure an error code in the body stands for (APIs that answer HTTP 200 with `{"code": 500,
 * "msg": "系统繁忙"}`), or undefined when the code means success or no status field is configured.
 * `read` gives the body's value at a path. The run stops with it; the next run resumes from the last stored page.
 */
function statusFailure(status: HttpJsonSourceConfig['response']['status'], read: (path: string) => unknown): Error | undefined {
  if (!status) return undefined;
  const code = read(status.field);
  if (code !== undefined && code !== null && status.ok.includes(String(code))) return undefined;
  const message = status.message === undefined ? undefined : read(status.message);
  const text = typeof message === 'string' && message !== '' ? `: ${message.slice(0, 200)}` : '';
  return new AbortError(`agency API answered ${status.field}=${code === undefined ? '(missing)' : JSON.stringify(code)}${text}`);
}

function parseWhole(text: Buffer, source: HttpJsonSourceConfig, setCursor: (cursor: string | null) => void): Row[] {
  const { records: recordsPath, nextCursor: cursorPath } = source.response;
  let body: unknown;
  try {
    body = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new AbortError(`agency API sent a body that is not valid JSON (${error instanceof Error ? error.message.slice(0, 120) : ''})`);
  }
  const refused = statusFailure(source.response.status, (path) => valueAt(body, path));
  if (refused) throw refused;
  const records = valueAt(body, recordsPath);
  if (!Array.isArray(records)) throw new AbortError(`agency API response has no ${recordsName(recordsPath)} array`);
  if (records.some((item) => item === null || typeof item !== 'object' || Array.isArray(item))) throw new AbortError(`agency API sent a ${recordsName(recordsPath)} item that is not an object`);
  const next = valueAt(body, cursorPath);
  setCursor(typeof next === 'string' && next !== '' ? next : null);
  return records as Row[];
}

async function* parseStreaming(
  head: readonly Buffer[],
  rest: AsyncIterator<Uint8Array>,
  source: HttpJsonSourceConfig,
  onChunk: () => void,
  setCursor: (cursor: string | null) => void,
): AsyncGenerator<Row> {
  const { records: recordsPath, nextCursor: cursorPath, status } = source.response;
  const fields = [cursorPath, status?.field, status?.message].filter((path) => path !== undefined);
  const parser = new JSONParser({ paths: [recordsPath === '' ? '$.*' : `$.${recordsPath}.*`, ...fields.map((path) => `$.${path}`)], keepStack: false });
  const ready: Row[] = [];
  const seen = new Map<string, unknown>();
  let emitted = 0;
  let ended = false;
  let failure: Error | undefined;
  parser.onValue = ({ value, key, stack }) => {
    // Items of the records array have an index for key; the other values are the fields asked for.
    if (typeof key === 'number') {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) ready.push(value as Row);
      else failure ??= new AbortError(`agency API sent a ${recordsName(recordsPath)} item that is not an object`);
      return;
    }
    const path = [...stack.slice(1).map((parent) => String(parent.key)), String(key)].join('.');
    seen.set(path, value);
    if (path === cursorPath) setCursor(typeof value === 'string' && value !== '' ? value : null);
  };
  parser.onError = (error) => (failure ??= new AbortError(`agency API sent a body that is not valid JSON (${error.message.slice(0, 120)})`));
  parser.onEnd = () => (ended = true);
  const feed = function* (chunk: Uint8Array) {
    if (!ended) parser.write(chunk);
    if (failure) throw failure;
    emitted += ready.length;
    yield* ready.splice(0);
  };
  for (const chunk of head) yield* feed(chunk);
  for (;;) {
    const next = await rest.next();
    if (next.done) break;
    onChunk();
    yield* feed(next.value);
  }
  if (!ended) parser.end();
  if (failure) throw failure;
  const refused = statusFailure(status, (path) => seen.get(path));
  if (refused) throw refused;
  // A body over the whole-page size with no record at all has no records array worth the name.
  if (emitted === 0) throw new AbortError(`agency API response has no ${recordsName(recordsPath)} array`);
}

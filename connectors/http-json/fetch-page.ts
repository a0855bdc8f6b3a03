import { JSONParser } from '@streamparser/json';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { HttpJsonSourceConfig } from './config.js';
import { textOf } from '../../ingestion/text.js';
import { ConnectorFailure } from '../types.js';

export type Row = Record<string, unknown>;

/** What a page says about paging besides its records, known once they are all read. */
export interface PageSummary {
  /** The next page's cursor; null on the last page (or when the body has none). */
  readonly nextCursor: string | null;
  /** The API's count of all records of the query (`response.total`): undefined when not configured, null when the body has no count there. */
  readonly total: number | null | undefined;
  /** Whether more pages follow (`response.hasMore`): undefined when not configured, null when the body has no yes or no there. */
  readonly hasMore: boolean | null | undefined;
}

/** A page being read: its records as they arrive, then what it says about paging. */
export interface PageStream {
  /** The page's records: parsed whole up to 8 MB, one by one as the body streams in beyond, so memory stays bounded. */
  readonly records: AsyncGenerator<Row>;
  /** Known once `records` is exhausted. */
  summary(): PageSummary;
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
 * A timeout that counts only while the hub waits on the agency: `start` arms it, `stop` disarms it.
 * When it fires, the check is deferred past the event loop's I/O phase, so an answer that arrived
 * while the hub was busy (a long write in the same process) is seen before the wait is called a timeout.
 */
function deadline(ms: number, expire: (message: string) => void) {
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  return {
    start(message: string): void {
      clearTimeout(timer);
      const armed = ++generation;
      timer = setTimeout(
        () =>
          setImmediate(() => {
            if (armed === generation) expire(message);
          }),
        ms,
      );
    },
    stop(): void {
      clearTimeout(timer);
      generation += 1;
    },
  };
}

/** Why a request that got no usable answer failed: our timeout, or the API out of reach. */
function requestFailure(abort: AbortController, error: unknown): ConnectorFailure {
  if (error instanceof ConnectorFailure) return error;
  // The abort reason (our timeout) says more than fetch's generic AbortError.
  if (abort.signal.aborted && abort.signal.reason instanceof ConnectorFailure) return abort.signal.reason;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return new ConnectorFailure(
    'UPSTREAM_UNAVAILABLE',
    `agency API could not be reached (${typeof code === 'string' ? code : error instanceof Error ? error.message.slice(0, 120) : 'unknown error'})`,
    { cause: error },
  );
}

/** The failure an HTTP status stands for; undefined for a success. */
function statusCodeFailure(status: number, statusText: string): ConnectorFailure | AbortError | undefined {
  if (status === 429 || status >= 500) return new ConnectorFailure('UPSTREAM_UNAVAILABLE', `agency API answered HTTP ${status}`);
  if (status === 401 || status === 403)
    return new AbortError(new ConnectorFailure('UNAUTHORIZED', `agency API answered HTTP ${status} ${statusText}: not retried`));
  if (status < 200 || status > 299)
    return new AbortError(new ConnectorFailure('BAD_RESPONSE', `agency API answered HTTP ${status} ${statusText}: not retried`));
  return undefined;
}

/**
 * Requests one page of an agency API. Transient failures (connection refused, timeouts, 5xx, 429
 * after its Retry-After) are retried with exponential backoff and jitter, then fail as
 * UPSTREAM_UNAVAILABLE or UPSTREAM_TIMEOUT; 401 and 403 fail at once as UNAUTHORIZED, other 4xx as
 * BAD_RESPONSE. The body is then read as a stream: `timeoutMs` bounds the wait for the answer and
 * every pause in the body (UPSTREAM_TIMEOUT), not the whole transfer of a large page. A body that is
 * not the agreed JSON fails the page (BAD_RESPONSE; INCOMPLETE_PAGE when it broke off), as does an
 * error code in it (UPSTREAM_ERROR_CODE): the run resumes from the last stored page.
 */
export async function openPage(source: HttpJsonSourceConfig, query: Record<string, string>, token: string | undefined, logger: Logger): Promise<PageStream> {
  const url = new URL(source.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const attempt = async () => {
    const abort = new AbortController();
    const waiting = deadline(source.timeoutMs, (message) => {
      abort.abort(new ConnectorFailure('UPSTREAM_TIMEOUT', message));
    });
    waiting.start(`agency API did not answer within ${source.timeoutMs} ms`);
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: abort.signal,
      });
      const refused =
        statusCodeFailure(response.status, response.statusText) ??
        (response.body ? undefined : new AbortError(new ConnectorFailure('BAD_RESPONSE', 'agency API answered without a body')));
      if (refused) {
        await response.body?.cancel();
        if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.headers.get('retry-after'))));
        throw refused;
      }
      waiting.stop();
      const timedOut = () => (abort.signal.aborted && abort.signal.reason instanceof ConnectorFailure ? abort.signal.reason : undefined);
      const awaitChunk = () => {
        waiting.start(`agency API paused for more than ${source.timeoutMs} ms mid-page`);
      };
      return {
        body: response.body as ReadableStream<Uint8Array>,
        awaitChunk,
        chunkArrived: () => {
          waiting.stop();
        },
        timedOut,
      };
    } catch (error) {
      waiting.stop();
      throw error instanceof AbortError ? error : requestFailure(abort, error);
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
  let summary: PageSummary = { nextCursor: null, total: undefined, hasMore: undefined };
  const body = {
    stream: opened.body,
    awaitChunk: opened.awaitChunk,
    chunkArrived: opened.chunkArrived,
    readFailure: (error: unknown) => bodyReadFailure(opened.timedOut(), error),
  };
  return {
    records: parseRecords(body, source, (read) => (summary = read)),
    summary: () => summary,
  };
}

/** Why the body stopped arriving: our timeout, or the connection dropped mid-page. */
function bodyReadFailure(timedOut: ConnectorFailure | undefined, error: unknown): ConnectorFailure {
  if (timedOut) return timedOut;
  const detail = error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
  return new ConnectorFailure('INCOMPLETE_PAGE', `agency API's answer broke off mid-page (${detail})`, { cause: error });
}

interface Body {
  readonly stream: ReadableStream<Uint8Array>;
  /** The hub now waits for the next chunk: from here the pause counts against `timeoutMs`. */
  readonly awaitChunk: () => void;
  /** A chunk (or the end) arrived: the hub's own work until the next read does not count as a pause. */
  readonly chunkArrived: () => void;
  readonly readFailure: (error: unknown) => ConnectorFailure;
}

async function* parseRecords(body: Body, source: HttpJsonSourceConfig, setSummary: (summary: PageSummary) => void): AsyncGenerator<Row> {
  const reader = body.stream[Symbol.asyncIterator]();
  const nextChunk = async () => {
    body.awaitChunk();
    try {
      return await reader.next();
    } catch (error) {
      throw body.readFailure(error);
    } finally {
      body.chunkArrived();
    }
  };
  const head: Buffer[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const next = await nextChunk();
      if (next.done) {
        yield* parseWhole(Buffer.concat(head), source, setSummary);
        return;
      }
      head.push(Buffer.from(next.value));
      bytes += next.value.byteLength;
      if (bytes > WHOLE_PAGE_BYTES) break;
    }
    yield* parseStreaming(head, nextChunk, source, setSummary);
  } finally {
    body.chunkArrived();
  }
}

/** The value at a dotted path of the response body ('' is the body itself). */
function valueAt(body: unknown, path: string): unknown {
  if (path === '') return body;
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined),
      body,
    );
}

/** How errors name the records array. */
const recordsName = (path: string) => (path === '' ? 'top-level' : `"${path}"`);

/**
 * The failure an error code in the body stands for (APIs that answer HTTP 200 with `{"code": 500,
 * "msg": "系统繁忙"}`), or undefined when the code means success or no status field is configured.
 * `read` gives the body's value at a path. The run stops with it; the next run resumes from the last stored page.
 */
function statusFailure(status: HttpJsonSourceConfig['response']['status'], read: (path: string) => unknown): ConnectorFailure | undefined {
  if (!status) return undefined;
  const code = read(status.field);
  if (code !== undefined && code !== null && status.ok.includes(textOf(code))) return undefined;
  const message = status.message === undefined ? undefined : read(status.message);
  const text = typeof message === 'string' && message !== '' ? `: ${message.slice(0, 200)}` : '';
  return new ConnectorFailure('UPSTREAM_ERROR_CODE', `agency API answered ${status.field}=${code === undefined ? '(missing)' : JSON.stringify(code)}${text}`);
}

/** A count the body gives: a non-negative whole number, or its digits; null for anything else. */
function countValue(value: unknown): number | null {
  const count = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : null;
}

/** A yes or no the body gives: true/false, 1/0 or their text; null for anything else. */
function flagValue(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return null;
}

/** The page's paging fields, from the body's value at a path. */
function summaryOf(response: HttpJsonSourceConfig['response'], read: (path: string) => unknown): PageSummary {
  const next = read(response.nextCursor);
  return {
    nextCursor: typeof next === 'string' && next !== '' ? next : null,
    total: response.total === undefined ? undefined : countValue(read(response.total)),
    hasMore: response.hasMore === undefined ? undefined : flagValue(read(response.hasMore)),
  };
}

/** The paths of the body's fields besides the records: cursor, paging and status. */
function fieldPaths(response: HttpJsonSourceConfig['response']): string[] {
  return [response.nextCursor, response.total, response.hasMore, response.status?.field, response.status?.message].filter((path) => path !== undefined);
}

/** Whether text that is not JSON is the start of some JSON (a body cut short) rather than something else. */
function brokenOff(text: string): boolean {
  const parser = new JSONParser({ paths: ['$'], keepStack: false });
  let invalid = false;
  parser.onValue = () => undefined;
  parser.onError = () => (invalid = true);
  try {
    parser.write(text);
  } catch {
    invalid = true;
  }
  return !invalid;
}

function notJson(text: string, error: unknown): ConnectorFailure {
  const detail = error instanceof Error ? error.message.slice(0, 120) : '';
  return brokenOff(text)
    ? new ConnectorFailure('INCOMPLETE_PAGE', `agency API sent a body that broke off before its end (not valid JSON: ${detail})`)
    : new ConnectorFailure('BAD_RESPONSE', `agency API sent a body that is not valid JSON (${detail})`);
}

function parseWhole(bytes: Buffer, source: HttpJsonSourceConfig, setSummary: (summary: PageSummary) => void): Row[] {
  const recordsPath = source.response.records;
  const text = bytes.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw notJson(text, error);
  }
  const refused = statusFailure(source.response.status, (path) => valueAt(body, path));
  if (refused) throw refused;
  const records = valueAt(body, recordsPath);
  if (!Array.isArray(records)) throw new ConnectorFailure('BAD_RESPONSE', `agency API response has no ${recordsName(recordsPath)} array`);
  if (records.some((item) => item === null || typeof item !== 'object' || Array.isArray(item)))
    throw new ConnectorFailure('BAD_RESPONSE', `agency API sent a ${recordsName(recordsPath)} item that is not an object`);
  setSummary(summaryOf(source.response, (path) => valueAt(body, path)));
  return records as Row[];
}

async function* parseStreaming(
  head: readonly Buffer[],
  nextChunk: () => Promise<IteratorResult<Uint8Array>>,
  source: HttpJsonSourceConfig,
  setSummary: (summary: PageSummary) => void,
): AsyncGenerator<Row> {
  const { response } = source;
  const recordsPath = response.records;
  const parser = new JSONParser({
    paths: [recordsPath === '' ? '$.*' : `$.${recordsPath}.*`, ...fieldPaths(response).map((path) => `$.${path}`)],
    keepStack: false,
  });
  const ready: Row[] = [];
  const seen = new Map<string, unknown>();
  let emitted = 0;
  // An object, not a local: the parser's onEnd callback sets it while the reads below wait for chunks.
  const parsed = { ended: false };
  let failure: ConnectorFailure | undefined;
  parser.onValue = ({ value, key, stack }) => {
    // Items of the records array have an index for key; the other values are the fields asked for.
    if (typeof key === 'number') {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) ready.push(value);
      else failure ??= new ConnectorFailure('BAD_RESPONSE', `agency API sent a ${recordsName(recordsPath)} item that is not an object`);
      return;
    }
    seen.set([...stack.slice(1).map((parent) => String(parent.key)), String(key)].join('.'), value);
  };
  let endOfBody = false;
  parser.onError = (error) => {
    const detail = error.message.slice(0, 120);
    failure ??= endOfBody
      ? new ConnectorFailure('INCOMPLETE_PAGE', `agency API sent a body that broke off before its end (not valid JSON: ${detail})`)
      : new ConnectorFailure('BAD_RESPONSE', `agency API sent a body that is not valid JSON (${detail})`);
  };
  parser.onEnd = () => {
    parsed.ended = true;
  };
  const feed = function* (chunk: Uint8Array) {
    if (!parsed.ended) parser.write(chunk);
    if (failure) throw failure;
    emitted += ready.length;
    yield* ready.splice(0);
  };
  for (const chunk of head) yield* feed(chunk);
  for (;;) {
    const next = await nextChunk();
    if (next.done) break;
    yield* feed(next.value);
  }
  endOfBody = true;
  if (!parsed.ended) parser.end();
  if (failure) throw failure;
  const refused = statusFailure(response.status, (path) => seen.get(path));
  if (refused) throw refused;
  // A body over the whole-page size with no record at all has no records array worth the name.
  if (emitted === 0) throw new ConnectorFailure('BAD_RESPONSE', `agency API response has no ${recordsName(recordsPath)} array`);
  setSummary(summaryOf(response, (path) => seen.get(path)));
}

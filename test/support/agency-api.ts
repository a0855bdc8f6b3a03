import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { defined } from './answers.js';

/**
 * What the next requests get, in order: an error status, a body cut short (`malformed`: it ends
 * mid-JSON; `cutOff`: the connection drops after a record; `stall`: it stops coming after a record),
 * a body that is not JSON, an answer that never comes, an empty page that still points to the next
 * one, a page where a field has another name (schema drift), HTTP 200 with an error code in the
 * body, or (pass) the data as usual.
 */
export type Fault =
  | { status: number; retryAfter?: string }
  | { malformed: true }
  | { cutOff: true }
  | { stall: true }
  | { notJson: true }
  | { hang: true }
  | { emptyPage: true }
  | { rename: { from: string; to: string } }
  | { businessError: { code: number; msg: string } }
  | { pass: true };

export interface AgencyApi {
  readonly url: string;
  /** Records by id; each has `updated_at`. Change them between runs, or between pages with `beforePage`. */
  readonly records: Map<string, Record<string, unknown>>;
  readonly faults: Fault[];
  /** Query strings of every request, in order. */
  readonly requests: URLSearchParams[];
  /** Called before each page is answered, with the request's number (from 0): to change data mid-run. */
  beforePage: ((request: number) => void) | undefined;
  /** Milliseconds to wait before answering each request (a slow agency). */
  delayMs: number;
  /** Checks each request's Authorization header; false answers 401. */
  authorize: ((authorization: string | undefined) => Promise<boolean>) | undefined;
  /** Compress answers with gzip when the request accepts it. */
  gzip: boolean;
  /** Content-Encoding of every answer sent, in order ('identity' when not compressed). */
  readonly encodings: string[];
  /** How pages are addressed: the opaque cursor (default), `offset`, or `page` (from 1). */
  paging: 'cursor' | 'offset' | 'page';
  /**
   * The body's shape: `{ records, next_cursor }` (default), `{ code, data: { list, next } }`, a bare
   * array, or `{ code, msg, data: { list, total } }` (`list`: no cursor, no has-more).
   */
  envelope: 'records' | 'nested' | 'bare' | 'list';
  /** The query parameters' names, as the hub's `params` names them (default: the hub's defaults). */
  params: { updatedSince: string; pageSize: string; cursor: string; offset: string; page: string };
  /** The records' change-time field, which `updated_since` filters and the pages are ordered by (default `updated_at`). */
  updatedAtField: string;
  /** A faulty API: answers without filtering by `updated_since`, or newest first. */
  ignoreSince: boolean;
  newestFirst: boolean;
  /** The most records a page holds, whatever `page_size` asks (agency APIs often cap it, e.g. at 500). */
  maxPageSize: number | undefined;
  /** Pages of this size whatever `page_size` asks, larger or smaller (an API that ignores it). */
  fixedPageSize: number | undefined;
  /** Reads `updated_since` as "after" rather than "at or after". */
  exclusiveSince: boolean;
  /** Added to the `total` the body reports (an API whose count disagrees with its pages). */
  totalSkew: number;
  close(): Promise<void>;
}

const positionBy = (updatedAtField: string) => (r: Record<string, unknown>) => `${String(r[updatedAtField])}|${String(r['id'])}`;

/**
 * A real HTTP server on 127.0.0.1 speaking the hub's pull contract: `updated_since` (inclusive),
 * `page_size`, and an opaque `cursor` (here the (updated_at, id) of the last record sent, so a record
 * that changes mid-run moves behind the cursor and is sent again, never skipping another), or an
 * `offset` or `page` number instead. Answers `{ records, next_cursor, total, has_more }` ordered by
 * (updated_at, id), streamed record by record; `total` counts every record of the `updated_since` query.
 * The parameters' names and the change-time field are settable (`params`, `updatedAtField`).
 */
export async function startAgencyApi(): Promise<AgencyApi> {
  const hanging: ServerResponse[] = [];
  const api: AgencyApi = {
    url: '',
    records: new Map(),
    faults: [],
    requests: [],
    beforePage: undefined,
    delayMs: 0,
    authorize: undefined,
    gzip: false,
    encodings: [],
    paging: 'cursor',
    envelope: 'records',
    params: { updatedSince: 'updated_since', pageSize: 'page_size', cursor: 'cursor', offset: 'offset', page: 'page' },
    updatedAtField: 'updated_at',
    ignoreSince: false,
    newestFirst: false,
    maxPageSize: undefined,
    fixedPageSize: undefined,
    exclusiveSince: false,
    totalSkew: 0,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
  const server: Server = createServer((req, res) => {
    (async () => {
      const query = new URL(req.url ?? '/', 'http://agency').searchParams;
      const number = api.requests.length;
      api.requests.push(query);
      if (api.delayMs) await new Promise((resolve) => setTimeout(resolve, api.delayMs));
      if (api.authorize && !(await api.authorize(req.headers.authorization))) return void res.writeHead(401).end('{}');
      const scripted = api.faults.shift();
      const fault = scripted && 'pass' in scripted ? undefined : scripted;
      if (fault && 'hang' in fault) return void hanging.push(res);
      if (fault && 'malformed' in fault) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"records": [ {"oops"');
      if (fault && 'notJson' in fault) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"records": [ {"oops": nope} ]}');
      if (fault && 'status' in fault) return void res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}).end('{}');
      if (fault && 'businessError' in fault)
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...fault.businessError, data: null }));
      api.beforePage?.(number);
      const { params } = api;
      const position = positionBy(api.updatedAtField);
      const since = query.get(params.updatedSince);
      const size = api.fixedPageSize ?? Math.min(Number(query.get(params.pageSize) ?? 100), api.maxPageSize ?? Number.POSITIVE_INFINITY);
      const after = query.get(params.cursor);
      const changedAt = (r: Record<string, unknown>) => String(r[api.updatedAtField]);
      const matching = [...api.records.values()].filter(
        (r) => api.ignoreSince || !since || (api.exclusiveSince ? changedAt(r) > since : changedAt(r) >= since),
      );
      const ordered = matching
        .filter((r) => api.paging !== 'cursor' || !after || position(r) > after)
        .sort((x, y) => position(x).localeCompare(position(y)) * (api.newestFirst ? -1 : 1));
      const start =
        api.paging === 'offset' ? Number(query.get(params.offset) ?? 0) : api.paging === 'page' ? (Number(query.get(params.page) ?? 1) - 1) * size : 0;
      let page = ordered.slice(start, start + size);
      const next = api.paging === 'cursor' && ordered.length > size ? position(defined(page.at(-1), 'the last row of the page')) : null;
      if (fault && 'emptyPage' in fault) page = [];
      if (fault && 'rename' in fault) page = page.map(({ [fault.rename.from]: value, ...rest }) => ({ ...rest, [fault.rename.to]: value }));
      // '0' sorts before every position: an empty first page points back to the start.
      const cursor = fault && 'emptyPage' in fault ? (after ?? '0') : next;
      const hasMore = api.paging === 'cursor' ? next !== null : start + size < ordered.length;
      const total = Math.max(0, matching.length + api.totalSkew);
      const gzip = api.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding']));
      api.encodings.push(gzip ? 'gzip' : 'identity');
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      const out = gzip ? createGzip() : res;
      if (gzip) out.pipe(res);
      const [open, close] = {
        records: ['{"records": [', `], "next_cursor": ${JSON.stringify(cursor)}, "total": ${total}, "has_more": ${hasMore}}`],
        nested: ['{"code": 0, "msg": "成功", "data": {"list": [', `], "next": ${JSON.stringify(cursor)}, "total": ${total}, "hasNext": ${hasMore ? 1 : 0}}}`],
        bare: ['[', ']'],
        list: ['{"code": 0, "msg": "成功", "data": {"list": [', `], "total": ${total}}}`],
      }[api.envelope];
      out.write(open);
      if (fault && ('cutOff' in fault || 'stall' in fault)) {
        out.write(JSON.stringify(page[0] ?? {}));
        if ('stall' in fault) return void hanging.push(res);
        // Let the first part reach the hub, then drop the connection mid-body.
        return void setTimeout(() => res.destroy(), 50);
      }
      page.forEach((record, i) => out.write(`${i ? ',' : ''}${JSON.stringify(record)}`));
      out.end(close);
    })().catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, { url: `http://127.0.0.1:${port}/api/penalties` });
}

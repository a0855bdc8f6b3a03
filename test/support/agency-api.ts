import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next requests get, in order: an error status, a broken body, or (pass) the data as usual. */
export type Fault = { status: number; retryAfter?: string } | { malformed: true } | { pass: true };

export interface AgencyApi {
  readonly url: string;
  /** Records by id; each has `updated_at`. Change them between runs to simulate agency updates. */
  readonly records: Map<string, Record<string, unknown>>;
  readonly faults: Fault[];
  /** Query strings of every request, in order. */
  readonly requests: URLSearchParams[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 speaking the hub's pull contract: `updated_since` (inclusive),
 * `page_size`, `cursor`; answers `{ records, next_cursor }` ordered by (updated_at, id).
 */
export async function startAgencyApi(): Promise<AgencyApi> {
  const records = new Map<string, Record<string, unknown>>();
  const faults: Fault[] = [];
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://agency').searchParams;
    requests.push(query);
    const scripted = faults.shift();
    const fault = scripted && 'pass' in scripted ? undefined : scripted;
    if (fault && 'malformed' in fault) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"records": [ {"oops"');
    if (fault) return void res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}).end('{}');
    const since = query.get('updated_since');
    const size = Number(query.get('page_size') ?? 100);
    const offset = Number(query.get('cursor') ?? 0);
    const ordered = [...records.entries()]
      .filter(([, r]) => !since || String(r['updated_at']) >= since)
      .sort(([a, x], [b, y]) => String(x['updated_at']).localeCompare(String(y['updated_at'])) || a.localeCompare(b))
      .map(([, r]) => r);
    const page = ordered.slice(offset, offset + size);
    const next = offset + size < ordered.length ? String(offset + size) : null;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: page, next_cursor: next }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/penalties`,
    records,
    faults,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

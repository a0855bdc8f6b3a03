import { request } from 'node:http';
import { join, resolve } from 'node:path';

/** Unix domain sockets take a path of at most 107 bytes (Linux sun_path); longer ones cannot be bound. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Where the running hub's operator channel listens: `hub.sock` in its data folder (HUB_DATA_DIR). */
export function operatorSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'hub.sock');
}

/** Why the operator channel cannot listen at `path`, or undefined when it can. */
export function unusableSocketPath(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  return bytes > MAX_SOCKET_PATH_BYTES
    ? `the socket path ${path} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES} a Unix socket may have: use a shorter HUB_DATA_DIR`
    : undefined;
}

/**
 * What is at the operator socket: a hub `answering`; `absent` (no file); `stale` (a file no process
 * listens on: a hub that was killed); or `refused` (a hub of another OS user, or a file this user may not open).
 */
export type ChannelProbe = { readonly state: 'answering'; readonly hub: string } | { readonly state: 'absent' | 'stale' | 'refused'; readonly code: string };

/** Asks the socket at `path` who is there (GET /ping), within `timeoutMs`. */
export function probeOperatorChannel(path: string, timeoutMs = 2000): Promise<ChannelProbe> {
  return new Promise((resolvePromise) => {
    const req = request({ socketPath: path, path: '/ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const hub = res.statusCode === 200 ? hubOf(body) : undefined;
        resolvePromise(typeof hub === 'string' ? { state: 'answering', hub } : { state: 'stale', code: `HTTP ${String(res.statusCode)}` });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'unknown';
      resolvePromise({ state: code === 'ENOENT' ? 'absent' : code === 'EACCES' || code === 'EPERM' ? 'refused' : 'stale', code });
    });
    req.end();
  });
}

function hubOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { hub?: unknown }).hub;
  } catch {
    return undefined;
  }
}

import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';

/** Unix domain sockets take a path of at most 107 bytes (Linux sun_path); longer ones cannot be bound. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Where the running hub's operator channel listens: `hub.sock` in its data folder (HUB_DATA_DIR). */
export function operatorSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'hub.sock');
}

/** The hub binds its socket as `hub.sock.<pid>` before moving it in place (operator-channel.ts): room for that suffix. */
const BIND_SUFFIX_BYTES = 8;

/** Why the operator channel cannot listen at `path`, or undefined when it can. */
export function unusableSocketPath(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  const max = MAX_SOCKET_PATH_BYTES - BIND_SUFFIX_BYTES;
  return bytes > max ? `the socket path ${path} is ${bytes} bytes, over the ${max} a Unix socket may have here: use a shorter HUB_DATA_DIR` : undefined;
}

/** What kind of file `stats` describe, for messages. */
function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'regular file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isFIFO()) return 'FIFO';
  return stats.isSocket() ? 'socket' : 'device';
}

/**
 * Why the file at `path` is not a socket this user's hub made, or undefined when it is one (or there
 * is none): it must be a socket (not a link to one) owned by this OS user. Checked before anything
 * connects to it or removes it, so a file planted there is neither trusted nor deleted.
 */
export async function foreignSocketFile(path: string): Promise<string | undefined> {
  const stats = await lstat(path).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return undefined;
  if (!stats.isSocket()) return `${path} is a ${kindOf(stats)}, not the hub's socket: remove it`;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) return `the socket ${path} belongs to uid ${stats.uid}, not to this user (uid ${uid})`;
  return undefined;
}

/**
 * Why the CLI must not trust the socket at `path`, or undefined when it may: besides being this user's
 * socket (foreignSocketFile), its folder is writable by nobody else, so no other user could have put
 * it there or could swap it.
 */
export async function untrustedSocket(path: string): Promise<string | undefined> {
  const foreign = await foreignSocketFile(path);
  if (foreign) return foreign;
  const folder = dirname(path);
  const stats = await lstat(folder).catch(() => undefined);
  if (!stats) return undefined;
  if (!stats.isDirectory()) return `the data folder ${folder} is a ${kindOf(stats)}, not a folder`;
  if ((stats.mode & 0o022) !== 0)
    return `the data folder ${folder} is writable by group or others (mode ${(stats.mode & 0o777).toString(8)}): another user could plant its socket; make it 0700`;
  return undefined;
}

/**
 * What is at the operator socket: a hub `answering`; `absent` (no file); `stale` (a socket no process
 * listens on: a hub that was killed); `busy` (something holds it but did not answer as a hub in time:
 * a busy hub, never taken over); or `refused` (a hub of another OS user, or a file this user may not open).
 */
export type ChannelProbe =
  { readonly state: 'answering'; readonly hub: string } | { readonly state: 'absent' | 'stale' | 'busy' | 'refused'; readonly code: string };

/** Asks the socket at `path` who is there (GET /ping), within `timeoutMs`. */
export function probeOperatorChannel(path: string, timeoutMs = 2000): Promise<ChannelProbe> {
  return new Promise((resolvePromise) => {
    const req = request({ socketPath: path, path: '/ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 1024)));
      res.on('end', () => {
        const hub = res.statusCode === 200 ? hubOf(body) : undefined;
        resolvePromise(typeof hub === 'string' ? { state: 'answering', hub } : { state: 'busy', code: `HTTP ${String(res.statusCode)}` });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolvePromise(probeOfError(error.code ?? 'unknown'));
    });
    req.end();
  });
}

/** Only a refused connection proves that no process listens: a timeout or any other failure may be a busy hub. */
function probeOfError(code: string): ChannelProbe {
  if (code === 'ENOENT') return { state: 'absent', code };
  if (code === 'ECONNREFUSED') return { state: 'stale', code };
  if (code === 'EACCES' || code === 'EPERM') return { state: 'refused', code };
  return { state: 'busy', code };
}

function hubOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { hub?: unknown }).hub;
  } catch {
    return undefined;
  }
}

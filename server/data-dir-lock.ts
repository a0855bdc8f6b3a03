import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * The embedded database may be opened by one process at a time: a second opener would corrupt it.
 * The hub and the CLI take this lock (a file naming host, pid and holder in the data folder) before
 * opening it; a lock left by a process of this host that no longer runs is taken over. The folder is
 * made private first (0700): it holds the database, the hub's signing keys among it.
 */
export function lockDataDir(dataDir: string, holder: string): () => void {
  makePrivate(dataDir);
  const file = join(dataDir, 'hub.lock');
  const mine = `${process.pid} ${hostname()} ${holder}\n`;
  for (let attempt = 0; ; attempt += 1) {
    if (publishExclusively(file, mine)) break;
    const held = parseLock(readLock(file));
    // Taken over once at most: a second loss means another process took it at the same instant.
    if (attempt > 0 || !isStale(held)) throw new Error(inUseMessage(dataDir, held), { cause: held });
    rmSync(file, { force: true });
  }
  return () => {
    if (readLock(file) === mine) rmSync(file, { force: true });
  };
}

/** Creates the folder 0700, or tightens an existing one to 0700; refuses one another user owns. */
function makePrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const stat = statSync(dataDir);
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) {
    throw new Error(
      `the data folder ${dataDir} belongs to uid ${stat.uid}, not to the user running the hub (uid ${uid}); set HUB_DATA_DIR to a folder of your own`,
    );
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dataDir, 0o700);
}

/**
 * Writes the lock complete under a private name, then links it into place: link(2) fails when the
 * lock exists, so no process ever reads a half-written lock, and of two at the same instant one wins.
 */
function publishExclusively(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.draft`;
  writeFileSync(draft, content, { mode: 0o600 });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

interface HeldLock {
  readonly pid: number | undefined;
  readonly host: string | undefined;
  readonly holder: string;
}

const parseLock = (text: string): HeldLock => {
  const [pid, host, ...holder] = text.trim().split(' ');
  const number = Number(pid);
  return { pid: Number.isInteger(number) && number > 0 ? number : undefined, host, holder: holder.join(' ') };
};

/** Only a lock of this host whose process is gone is stale; an unreadable one, or another host's, is held. */
const isStale = (held: HeldLock): boolean => held.pid !== undefined && held.host === hostname() && held.pid !== process.pid && !isRunning(held.pid);

function inUseMessage(dataDir: string, held: HeldLock): string {
  const who = `${held.holder || 'another process'}${held.pid ? ` (pid ${held.pid}${held.host && held.host !== hostname() ? ` on host ${held.host}` : ''})` : ''}`;
  return `the embedded database in ${dataDir} is in use by ${who}; stop it first, or use a PostgreSQL server (DATABASE_URL) to share the database (a lock whose process is gone for sure may be removed: ${join(dataDir, 'hub.lock')})`;
}

const readLock = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

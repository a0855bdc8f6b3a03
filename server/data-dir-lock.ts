import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded database may be opened by one process at a time: a second opener would corrupt it.
 * The hub and the CLI take this lock (a pid file in the data folder) before opening it; a lock left
 * by a process that no longer runs is taken over.
 */
export function lockDataDir(dataDir: string, holder: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'hub.lock');
  // Created exclusively ('wx'): of two processes starting at the same instant, one gets the lock.
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(file, `${process.pid} ${holder}\n`, { mode: 0o600, flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockRefusal(dataDir, file, error);
      const [pid, ...owner] = readLock(file).split(' ');
      if (pid && Number(pid) !== process.pid && isRunning(Number(pid))) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by ${owner.join(' ') || 'another process'} (pid ${pid}); stop it first, or use a PostgreSQL server (DATABASE_URL) to share the database`,
          { cause: error },
        );
      }
      // Left by a process that no longer runs (or by this one): taken over.
      rmSync(file, { force: true });
    }
  }
  return () => {
    rmSync(file, { force: true });
  };
}

const readLock = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
};

function lockRefusal(dataDir: string, file: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return error instanceof Error ? error : new Error(String(error));
  const [pid, ...owner] = readLock(file).split(' ');
  return new Error(
    `the embedded database in ${dataDir} was just locked by ${owner.join(' ') || 'another process'}${pid ? ` (pid ${pid})` : ''}; stop it first, or use a PostgreSQL server (DATABASE_URL) to share the database`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

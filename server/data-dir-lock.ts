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
  try {
    const [pid, ...owner] = readFileSync(file, 'utf8').trim().split(' ');
    if (pid && Number(pid) !== process.pid && isRunning(Number(pid))) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by ${owner.join(' ') || 'another process'} (pid ${pid}); stop it first, or use a PostgreSQL server (DATABASE_URL) to share the database`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(file, `${process.pid} ${holder}\n`, { mode: 0o600 });
  return () => {
    rmSync(file, { force: true });
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

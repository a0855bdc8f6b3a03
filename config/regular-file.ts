import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** A file refused for what it is (not a regular file) or for its size; the message names the rule, the caller names the file. */
export class FileRefusal extends Error {
  constructor(
    readonly code: 'NOT_A_REGULAR_FILE' | 'FILE_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return stats.isCharacterDevice() ? 'a character device' : 'a device';
}

/**
 * Opens `path` for reading only if it is a regular file (a link to one is followed), checked on the
 * opened file itself. Opened non-blocking, so a FIFO is refused at once instead of holding a thread
 * until something writes to it; a device such as /dev/zero is refused before a byte is read.
 * Throws FileRefusal, or the system error (ENOENT, EACCES) as it is.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new FileRefusal('NOT_A_REGULAR_FILE', `is ${kindOf(stats)}, not a regular file`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A byte count as people read limits: 65536 as "64 KiB". */
export function kibibytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * Reads a small regular file (a key, a secret) as UTF-8, reading at most `maxBytes` + 1 bytes whatever
 * the file claims: over `maxBytes` it is refused with FileRefusal naming the limit.
 */
export async function readSmallRegularFile(path: string, maxBytes: number): Promise<string> {
  const handle = await openRegularFile(path);
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new FileRefusal('FILE_TOO_LARGE', `is over the ${kibibytes(maxBytes)} limit`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createLogger } from '../../server/logger.js';

/** Where this run's service logs go (set by global-setup.ts); every line is scanned for identity numbers at the end. */
const LOG_DIR = process.env['HUB_TEST_LOG_DIR'];
const LOG_FILE = LOG_DIR ? join(LOG_DIR, `${process.pid}-${randomBytes(4).toString('hex')}.log`) : undefined;

/**
 * The service logger the hub uses in production (same serializers and redaction), at debug level,
 * writing to this run's log folder: what the suite makes the hub log is checked, not discarded.
 */
export function testLogger(): Logger {
  if (!LOG_FILE) return pino({ level: 'silent' });
  return createLogger('debug', pino.destination({ dest: LOG_FILE, sync: true, mkdir: true }));
}

/** Appends lines a hub process wrote (end-to-end tests) to this run's log folder. */
export function keepProcessOutput(text: string): void {
  if (LOG_FILE) appendFileSync(LOG_FILE, text.endsWith('\n') ? text : `${text}\n`);
}

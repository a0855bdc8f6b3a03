import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Jest loads this file outside its module mapper, so it imports no project files.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const CANDIDATE = /(?<![0-9])\d{17}[0-9Xx](?![0-9])/g;

/** An 18-character GB 11643 identity number whose check character is right. */
function isIdentityNumber(candidate: string): boolean {
  const sum = WEIGHTS.reduce((total, weight, i) => total + weight * Number(candidate[i]), 0);
  return CHECK[sum % 11] === candidate[17]?.toUpperCase();
}

/**
 * Scans every service log line the suite made the hub write (test/support/test-log.ts) for identity
 * numbers and fails the run on one: no log line may carry a natural person's number, whatever a test
 * sent. Then stops the PostgreSQL server global-setup.ts started.
 */
export default function globalTeardown(): void {
  globalThis.hubTestPostgres?.stop();
  const dir = process.env['HUB_TEST_LOG_DIR'];
  if (!dir) return;
  let lines = 0;
  const leaks: string[] = [];
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    text.split('\n').forEach((line, index) => {
      if (!line) return;
      lines += 1;
      const found = (line.match(CANDIDATE) ?? []).filter(isIdentityNumber);
      if (found.length > 0) leaks.push(`${file}:${index + 1} (${found.length} identity number${found.length > 1 ? 's' : ''}, e.g. ${found[0]?.slice(0, 4)}…)`);
    });
  }
  if (leaks.length > 0) {
    throw new Error(`identity numbers in the service log (kept in ${dir}): ${leaks.length} lines\n${leaks.slice(0, 20).join('\n')}`);
  }
  process.stdout.write(`log scan: ${lines} service log lines written by the suite, no identity number in any\n`);
  rmSync(dir, { recursive: true, force: true });
}

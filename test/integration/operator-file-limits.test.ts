import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readClientSecret, readPublicJwks } from '../../access/client-registration.js';
import { fileDropSourceSchema } from '../../connectors/file-drop/config.js';
import { readCsvRows, readJsonLines } from '../../connectors/file-drop/read-rows.js';
import { emptyTotals } from '../../connectors/types.js';
import { importFile } from '../../server/import-command.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_CONFIG } from '../support/hub.js';
import { ingestionDeps, registerTestAgencies } from '../support/ingestion.js';

let folder: string;
let database: TestDatabase;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'hub-limits-'));
  database = await createTestDatabase();
  await registerTestAgencies(database.db);
});
afterAll(async () => {
  await database.dispose();
  await rm(folder, { recursive: true, force: true });
});

/** Reads every row; resolves with how many there were. */
async function drain(rows: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const row of rows) if (row) count += 1;
  return count;
}

describe('key and secret files', () => {
  test('/dev/zero, a FIFO and a directory are refused as not regular files, at once', async () => {
    await expect(readClientSecret('/dev/zero')).rejects.toThrow('secret file /dev/zero is a character device, not a regular file');
    const fifo = join(folder, 'secret.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readClientSecret(fifo)).rejects.toThrow(`secret file ${fifo} is a FIFO, not a regular file`);
    await expect(readPublicJwks(folder)).rejects.toThrow(`public key file ${folder} is a directory, not a regular file`);
  });

  test('a file over 64 KiB is refused naming the limit', async () => {
    const big = join(folder, 'big.secret');
    await writeFile(big, 'x'.repeat(64 * 1024 + 1));
    await expect(readClientSecret(big)).rejects.toThrow(`secret file ${big} is over the 64 KiB limit of a secret file`);
  });

  test('a public key file that is not JSON is refused without showing its text', async () => {
    const secretLooking = join(folder, 'not-a-key.json');
    await writeFile(secretLooking, 'hunter2-very-secret-password');
    const refusal = readPublicJwks(secretLooking);
    await expect(refusal).rejects.toThrow(`public key file ${secretLooking} is not JSON`);
    await expect(refusal).rejects.not.toThrow('hunter2');
  });
});

describe('rows read from files', () => {
  const source = fileDropSourceSchema.parse({ type: 'file-drop', folder: '.', afterRun: 'keep', mapping: { kind: 'PENALTY' } });

  test('a .jsonl link to /dev/zero is refused before a byte is read', async () => {
    const link = join(folder, 'zero.jsonl');
    await symlink('/dev/zero', link);
    await expect(drain(readJsonLines(link, 'utf-8'))).rejects.toMatchObject({
      code: 'NOT_A_REGULAR_FILE',
      message: 'the file is a character device, not a regular file',
    });
  });

  test('a JSON Lines line or a CSV record over 1 MiB is refused naming the limit', async () => {
    const jsonl = join(folder, 'long.jsonl');
    await writeFile(jsonl, `{"a":1}\n{"a":"${'x'.repeat(1024 * 1024)}"}\n`);
    await expect(drain(readJsonLines(jsonl, 'utf-8'))).rejects.toMatchObject({
      code: 'RECORD_TOO_LONG',
      message: 'line 2 is over the 1 MiB limit of a JSON Lines record (1048576 characters)',
    });
    const endless = join(folder, 'endless.jsonl');
    await writeFile(endless, 'y'.repeat(1024 * 1024 + 10));
    await expect(drain(readJsonLines(endless, 'utf-8'))).rejects.toMatchObject({ code: 'RECORD_TOO_LONG' });
    const csv = join(folder, 'long.csv');
    await writeFile(csv, `a,b\n1,${'x'.repeat(1024 * 1024 + 10)}\n`);
    await expect(drain(readCsvRows(csv, 'utf-8'))).rejects.toMatchObject({ code: 'CSV_MAX_RECORD_SIZE', message: expect.stringContaining('1048576') });
  });

  test('import refuses such a file as an ImportError naming the file and the rule', async () => {
    const config = { ...TEST_CONFIG, agencies: TEST_CONFIG.agencies.map((agency) => (agency.code === 'SH-SAMR' ? { ...agency, sources: [source] } : agency)) };
    const deps = { config, ingestion: ingestionDeps(database.db) };
    const request = (path: string) => ({ agencyCode: 'SH-SAMR', sourceName: undefined, path });
    await expect(importFile(deps, request(join(folder, 'zero.jsonl')), emptyTotals(), () => undefined)).rejects.toThrow(
      'zero.jsonl cannot be imported: the file is a character device, not a regular file',
    );
    await expect(importFile(deps, request(join(folder, 'long.jsonl')), emptyTotals(), () => undefined)).rejects.toThrow(
      'long.jsonl cannot be imported: line 2 is over the 1 MiB limit of a JSON Lines record',
    );
  });
});

import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parse as parseJsonc } from 'jsonc-parser';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEnv } from '../../config/env.js';
import { ConfigError } from '../../config/config-error.js';
import { loadHubConfig } from '../../server/load-hub-config.js';
import { startFailureMessage } from '../../server/start-failure.js';
import { defined } from '../support/answers.js';

const folder = mkdtempSync(join(tmpdir(), 'hub-config-errors-'));

/** The demo configuration with its client key files named absolutely, so a copy of it loads from anywhere. */
type RawConfig = {
  jobs: { expireRecords: { cron: string } };
  auth: { checkpointCron?: string };
  agencies: { sources: { schedule?: string }[] }[];
  clients: { publicKeyFile?: string; secretFile?: string }[];
};
function demoConfig(): RawConfig {
  // The demo config carries comments, as any config file may.
  const raw = parseJsonc(readFileSync('config/demo.config.json', 'utf8')) as RawConfig;
  for (const client of raw.clients) if (client.publicKeyFile) client.publicKeyFile = resolve('config', client.publicKeyFile);
  return raw;
}

let written = 0;
function file(content: string): string {
  const path = join(folder, `file-${++written}`);
  writeFileSync(path, content);
  return path;
}

/** What `npm start` prints for a config file: the start-failure text of loading it. */
async function startFailureOf(raw: RawConfig): Promise<string> {
  const error = await loadHubConfig(file(JSON.stringify(raw))).then(
    () => undefined,
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return startFailureMessage(error);
}

/** A start-up failure is one line per problem, with no stack trace. */
function expectNoStack(message: string): void {
  expect(message).not.toMatch(/^\s+at /m);
  expect(message).not.toMatch(/\.(ts|js):\d+/);
}

describe('a configuration problem stops the start with one line naming its key, no stack trace', () => {
  test('bad cron expressions: the expiry job, the audit checkpoint and a source schedule', async () => {
    const raw = demoConfig();
    raw.jobs.expireRecords.cron = 'every night';
    raw.auth.checkpointCron = '0 */5 * * *  * *';
    defined(raw.agencies[0]?.sources[1], 'the first agency’s second source').schedule = '61 * * * * *';
    const message = await startFailureOf(raw);
    expect(message).toMatch(/^ {2}- jobs\.expireRecords\.cron: "every night" is not a cron expression/m);
    expect(message).toMatch(/^ {2}- auth\.checkpointCron: .* is not a cron expression/m);
    expect(message).toMatch(/^ {2}- agencies\.0\.sources\.1\.schedule: "61 \* \* \* \* \*" is not a cron expression/m);
    expectNoStack(message);
  });

  test('a client key file with key material that is not a key', async () => {
    const raw = demoConfig();
    defined(raw.clients[1], 'client 1').publicKeyFile = file(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }));
    defined(raw.clients[2], 'client 2').publicKeyFile = file(JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB' }));
    defined(raw.clients[3], 'client 3').publicKeyFile = file(JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }));
    const message = await startFailureOf(raw);
    expect(message).toMatch(/^ {2}- clients\.1\.publicKeyFile: the key in .* is not a usable OKP signing key/m);
    expect(message).toMatch(/^ {2}- clients\.2\.publicKeyFile: the key in .* is not a usable EC signing key/m);
    expect(message).toMatch(/^ {2}- clients\.3\.publicKeyFile: the key in .* is an RSA key of 24 bits; at least 2048 are required/m);
    expect(message).not.toMatch(/clients\.0/);
    expectNoStack(message);
  });

  test('a missing key file, a missing secret file', async () => {
    const raw = demoConfig();
    defined(raw.clients[0], 'client 0').publicKeyFile = join(folder, 'no-such-key.jwk.json');
    defined(raw.clients[1], 'client 1').secretFile = join(folder, 'no-such.secret');
    const message = await startFailureOf(raw);
    expect(message).toMatch(/^ {2}- clients\.0\.publicKeyFile: cannot read public key file .*no-such-key\.jwk\.json \(ENOENT\)$/m);
    expect(message).toMatch(/^ {2}- clients\.1\.secretFile: cannot read secret file .*no-such\.secret \(ENOENT\)$/m);
    expectNoStack(message);
  });

  test('the demo configuration itself loads', async () => {
    await expect(loadHubConfig(file(JSON.stringify(demoConfig())))).resolves.toMatchObject({ hub: { id: 'hub-yrd-demo' } });
  });

  test('comments and trailing commas are accepted, as README writes configuration; a syntax error names its line and column', async () => {
    const commented = JSON.stringify(demoConfig(), null, 2).replace('{\n', '{\n  // the demo hub\n  /* block\n     comment */\n').replace(/\n}$/, ',\n}');
    await expect(loadHubConfig(file(commented))).resolves.toMatchObject({ hub: { id: 'hub-yrd-demo' } });
    const error = await loadHubConfig(file('{\n  "hub": { "id": "x" }\n  "agencies": []\n}')).catch((refusal: unknown) => refusal);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/is not JSON: CommaExpected at line 3, column 3$/);
  });

  test('a *_FILE variable naming a file that cannot be read', () => {
    let error: unknown;
    try {
      readEnv({ DATABASE_URL_FILE: join(folder, 'no-such-secret'), PORT: '4000' });
    } catch (refusal) {
      error = refusal;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = startFailureMessage(error);
    expect(message).toMatch(/^ {2}- DATABASE_URL_FILE: cannot read .*no-such-secret \(ENOENT\)$/m);
    expectNoStack(message);
    expect(readEnv({ PORT_FILE: file('4100\n') }).PORT).toBe(4100);
  });

  test('anything unexpected keeps its stack trace', () => {
    expect(startFailureMessage(new Error('database exploded'))).toMatch(/^Error: database exploded\n\s+at /);
  });
});

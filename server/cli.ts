#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import pino from 'pino';
import { createLocalJWKSet } from 'jose';
import { CLIENT_KEY_ALGORITHMS, generateClientKeyPair, type ClientKeyAlgorithm } from '../access/client-key-pair.js';
import { CLIENT_TYPES, SCOPES, type ClientType, type Scope } from '../access/clients.js';
import { RegistrationError, toRegistration } from '../access/client-registration.js';
import { SigningKeys } from '../access/signing-keys.js';
import { checkAuditReceipt } from '../audit/receipts.js';
import { verifyAuditLog } from '../audit/verify-log.js';
import { readEnv } from '../config/env.js';
import { ConfigError } from '../config/config-error.js';
import { loadHubConfig } from './load-hub-config.js';
import { tokenIdentity, type HubConfig } from './hub-config.js';
import { findAgency } from '../store/agency-queries.js';
import { findClient, listClients, revokeClient, upsertClients } from '../store/client-queries.js';
import type { Database } from '../store/database.js';
import { issueAccessToken } from './auth/access-tokens.js';
import { requestToken } from './auth/request-token.js';
import { verifyDrawCommand } from './draw-verify-command.js';
import { openHubDatabase } from './open-database.js';
import { probeReadiness, readStoreStatus, statusLines, type HubStatus } from './status-command.js';
import { ImportError, importFile } from './import-command.js';
import { createLogger } from './logger.js';
import { CONSOLE_USAGE, runConsoleCommand } from './console/console-cli.js';
import { ConsoleUserError } from './console/console-users.js';

const USAGE = `Operator commands of the credit hub (database from DATABASE_URL or HUB_DATA_DIR, config from HUB_CONFIG):

  client add --id ID --name NAME --type ${CLIENT_TYPES.join('|')} [--agency CODE] [--regions 310000,320000]
             [--scopes ${Object.keys(SCOPES).join(',')}] (--public-key FILE | --jwks-url URL | --secret-file FILE)
             [--requests-per-minute N]          register a client, or update its registration
  client keygen --out PREFIX [--alg EdDSA|ES256] write a key pair for a client: PREFIX.private.jwk.json (keep it
                                                with the client) and PREFIX.public.jwk.json (for client add --public-key)
  client list [--json]                          list registered clients
  client revoke ID                              revoke a client: its tokens stop working at once
  key rotate                                    activate a new signing key (the old one keeps verifying)
  token mint ID [--scope "a b"]                 print a short-lived access token for a client (local testing)
  token request --client ID --key FILE [--hub URL] [--scope "a b"]
                                                get a token from a running hub as a client does (private_key_jwt);
                                                the hub is --hub, else HUB_URL, else http://localhost:$PORT
  import FILE --agency CODE [--source NAME] [--json]
                                                ingest a .csv/.jsonl file for an agency through the mapping of
                                                its file-drop source (--source when it has several), as a dropped file
  status [--json]                               the running hub's readiness (at HUB_URL or PORT), the audit log head and
                                                checkpoint, open quarantine, each source's last successful run; exit 0
                                                when the hub answers ready, 3 when it does not answer or is not ready
  audit verify                                  verify the whole audit log; exit code 2 names the first altered entry
  draw verify ID                                recompute a 双随机 inspection draw from its population, seed and pool:
                                                exit code 0 OK, 1 it differs (each difference printed) or is not executed
  audit check-receipt JWT                       check a receipt (X-Audit-Receipt) against the log: exit code 0 held,
                                                2 altered or dropped, 1 not a receipt of this hub
${CONSOLE_USAGE}

With the embedded database, stop the hub first (it holds the database); with DATABASE_URL, no need.
Exit codes: 0 done, 1 refused or failed (the message says why), 2 audit check found an altered log, 3 status: hub not ready.`;

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

const list = (value: unknown): string[] | undefined =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

async function withDatabase<T>(run: (database: Database, config: HubConfig) => Promise<T>): Promise<T> {
  const env = readEnv();
  const config = await loadHubConfig(env.HUB_CONFIG);
  const opened = await openHubDatabase(env, 'the hub CLI');
  try {
    return await run(opened.database, config);
  } finally {
    await opened.close();
  }
}

const signingKeys = (database: Database, config: HubConfig) =>
  new SigningKeys({ db: database.db, algorithm: config.auth.signingAlgorithm, clock: () => new Date() });

async function addClient(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string' },
      agency: { type: 'string' },
      regions: { type: 'string' },
      scopes: { type: 'string' },
      'public-key': { type: 'string' },
      'jwks-url': { type: 'string' },
      'secret-file': { type: 'string' },
      'requests-per-minute': { type: 'string' },
    },
  });
  const type = required(values, 'type');
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${CLIENT_TYPES.join(', ')}`);
  const scopes = list(values.scopes);
  const unknown = scopes?.filter((s) => !(s in SCOPES));
  if (unknown?.length) throw new UsageError(`unknown scopes: ${unknown.join(', ')}`);
  const rpm = values['requests-per-minute'] ? Number(values['requests-per-minute']) : undefined;
  if (rpm !== undefined && (!Number.isInteger(rpm) || rpm < 1)) throw new UsageError('--requests-per-minute must be a positive whole number');
  const registration = await toRegistration({
    id: required(values, 'id'),
    name: required(values, 'name'),
    type: type as ClientType,
    agency: values.agency,
    regions: list(values.regions),
    scopes: scopes as Scope[] | undefined,
    publicKeyFile: values['public-key'],
    jwksUrl: values['jwks-url'],
    secretFile: values['secret-file'],
    requestsPerMinute: rpm,
  });
  await withDatabase(async ({ db }) => {
    if (registration.agencyCode && !(await findAgency(db, registration.agencyCode))) {
      throw new UsageError(`agency ${registration.agencyCode} is not registered: add it to the config file and start the hub once`);
    }
    await upsertClients(db, [registration]);
  });
  process.stdout.write(`client ${registration.id} registered (${registration.type}; scopes ${registration.scopes.join(' ')})\n`);
}

async function writeClientKeyPair(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, alg: { type: 'string', default: 'EdDSA' } } });
  const prefix = required(values, 'out');
  const alg = values.alg;
  if (!(CLIENT_KEY_ALGORITHMS as readonly string[]).includes(alg)) throw new UsageError(`--alg must be one of ${CLIENT_KEY_ALGORITHMS.join(', ')}`);
  const kid = `${basename(prefix)}-${new Date().toISOString().slice(0, 10)}`;
  const { privateJwk, publicJwk } = await generateClientKeyPair(kid, alg as ClientKeyAlgorithm);
  // 'wx': never overwrite a key someone may already use.
  await writeFile(`${prefix}.private.jwk.json`, `${JSON.stringify(privateJwk, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  await writeFile(`${prefix}.public.jwk.json`, `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`, { flag: 'wx' });
  process.stdout.write(
    `wrote ${prefix}.private.jwk.json (keep it with the client, readable only by it) and ${prefix}.public.jwk.json (key id ${kid});\nregister it with: npm run hub -- client add ... --public-key ${prefix}.public.jwk.json\n`,
  );
}

const jsonWanted = (args: readonly string[]): boolean => args.includes('--json');

/** The hub `token request` talks to: --hub, else HUB_URL, else this machine on PORT. */
function hubUrlFor(option: string | undefined): string {
  if (option) return option;
  const env = readEnv();
  return env.HUB_URL ?? `http://localhost:${env.PORT}`;
}

/** A progress bar on standard error (drawn only on a terminal): update(done, total), then stop. */
function progressBar(what: string, unit: string): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: `${what} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) bar.start(total, done);
      started = true;
      bar.setTotal(Math.max(total, done));
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { agency: { type: 'string' }, source: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const path = positionals[0];
  if (!path) throw new UsageError('import needs the file: import FILE --agency CODE [--source NAME]');
  const agencyCode = required(values, 'agency');
  const bar = progressBar(basename(path), 'rows');
  const totals = await withDatabase((database, config) =>
    importFile(
      { db: database.db, config, clock: () => new Date(), logger: createLogger(readEnv().LOG_LEVEL, pino.destination(2)) },
      { agencyCode, sourceName: values.source, path },
      bar.update,
    ),
  ).finally(bar.stop);
  process.stdout.write(
    values.json
      ? `${JSON.stringify(totals)}\n`
      : `imported ${basename(path)} for ${agencyCode}: ${totals.received} rows in ${totals.batches} batches; ${totals.inserted} inserted, ${totals.updated} updated, ${totals.unchanged} unchanged, ${totals.rejected} quarantined\n`,
  );
  return 0;
}

/** `status`: exit 0 when the hub answers ready, 3 otherwise; the store part is read when the database can be opened. */
async function showStatus(args: readonly string[]): Promise<number> {
  const hub = await probeReadiness(hubUrlFor(undefined));
  const store = await withDatabase((database, config) => readStoreStatus(database.db, config)).catch((error: unknown) => ({
    unavailable: `not read: ${error instanceof Error ? error.message : String(error)}`,
  }));
  const status: HubStatus = { hub, store };
  process.stdout.write(jsonWanted(args) ? `${JSON.stringify(status)}\n` : `${statusLines(status).join('\n')}\n`);
  return hub.ready ? 0 : 3;
}

async function run(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return group === undefined ? 1 : 0;
  }
  if (group === 'status') return showStatus(argv.slice(1));
  if (group === 'import') return importCommand(argv.slice(1));
  switch (`${group} ${command ?? ''}`) {
    case 'client keygen':
      await writeClientKeyPair(rest);
      return 0;
    case 'client add':
      await addClient(rest);
      return 0;
    case 'client list':
      return withDatabase(async ({ db }) => {
        const clients = await listClients(db);
        if (jsonWanted(rest)) {
          const shown = clients.map((c) => ({
            id: c.id,
            name: c.name,
            type: c.type,
            agency: c.agency_code,
            scopes: c.scopes,
            regions: c.regions,
            revokedAt: c.revoked_at?.toISOString() ?? null,
          }));
          process.stdout.write(`${JSON.stringify(shown)}\n`);
          return 0;
        }
        for (const c of clients) {
          const auth = [c.public_jwks || c.jwks_url ? 'private_key_jwt' : '', c.secret_hash ? 'client_secret_basic' : ''].filter(Boolean).join('+');
          process.stdout.write(
            `${c.id}\t${c.type}\t${c.agency_code ?? '-'}\t${c.revoked_at ? `REVOKED ${c.revoked_at.toISOString()}` : 'active'}\t${auth}\t${c.scopes.join(' ')}\t${c.name}\n`,
          );
        }
        return 0;
      });
    case 'client revoke': {
      const id = rest[0];
      if (!id) throw new UsageError('client revoke needs the client id');
      const revoked = await withDatabase(({ db }) => revokeClient(db, id));
      process.stdout.write(revoked ? `client ${id} revoked: its tokens are refused from now on\n` : `no active client ${id}\n`);
      return revoked ? 0 : 1;
    }
    case 'key rotate': {
      const kid = await withDatabase((database, config) => signingKeys(database, config).rotate());
      process.stdout.write(`new signing key ${kid} is active; the previous key verifies until its tokens expire\n`);
      return 0;
    }
    case 'token mint': {
      const { values, positionals } = parseArgs({ args: rest, options: { scope: { type: 'string' } }, allowPositionals: true });
      const id = positionals[0];
      if (!id) throw new UsageError('token mint needs the client id');
      const token = await withDatabase(async (database, config) => {
        const client = await findClient(database.db, id);
        if (!client || client.revoked_at) throw new UsageError(`no active client ${id}`);
        const requested = values.scope?.split(' ').filter(Boolean) ?? client.scopes;
        const refused = requested.filter((s) => !client.scopes.includes(s));
        if (refused.length) throw new UsageError(`scopes not granted to ${id}: ${refused.join(' ')}`);
        const keys = signingKeys(database, config);
        await keys.ensureKey();
        const deps = { keys, ...tokenIdentity(config), ttlSeconds: config.auth.accessTokenTtlSeconds, clock: () => new Date() };
        return issueAccessToken(deps, client, requested);
      });
      process.stdout.write(`${token.accessToken}\n`);
      return 0;
    }
    case 'token request': {
      const { values } = parseArgs({
        args: rest,
        options: { client: { type: 'string' }, key: { type: 'string' }, hub: { type: 'string' }, scope: { type: 'string' } },
      });
      const token = await requestToken({
        hubUrl: hubUrlFor(values.hub),
        clientId: required(values, 'client'),
        privateKeyFile: required(values, 'key'),
        ...(values.scope ? { scope: values.scope } : {}),
      });
      process.stdout.write(`${token.access_token}\n`);
      return 0;
    }
    case 'audit verify': {
      const bar = progressBar('audit log', 'entries');
      const result = await withDatabase((database, config) =>
        verifyAuditLog(database.db, signingKeys(database, config), tokenIdentity(config).issuer, bar.update),
      ).finally(bar.stop);
      if (result.firstProblem) {
        process.stdout.write(
          `AUDIT LOG ALTERED: ${result.firstProblem.problem}\n(first problem at seq ${result.firstProblem.seq}; ${result.entries} entries, ${result.checkpoints} checkpoints examined)\n`,
        );
        return 2;
      }
      process.stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints verified\n`);
      return 0;
    }
    case 'audit check-receipt': {
      const receipt = rest[0];
      if (!receipt) throw new UsageError('audit check-receipt needs the receipt (the JWT from extensions.auditReceipts)');
      const check = await withDatabase(async (database, config) => {
        const jwks = createLocalJWKSet({ keys: (await signingKeys(database, config).allPublicKeys()).map((key) => key.jwk) });
        return checkAuditReceipt({ db: database.db, jwks, issuer: tokenIdentity(config).issuer }, receipt);
      });
      process.stdout.write(`${check.verdict}: ${check.message}\n`);
      return check.verdict === 'HELD' ? 0 : check.verdict === 'INVALID' ? 1 : 2;
    }
    case 'draw verify': {
      const id = rest[0];
      if (!id) throw new UsageError('draw verify needs the draw id (e.g. SJCC-2027-000001)');
      return withDatabase(({ db }) => verifyDrawCommand(db, id, (line) => process.stdout.write(`${line}\n`)));
    }
    default: {
      if (group === 'console') {
        const code = await withDatabase((database, config) =>
          runConsoleCommand(
            { db: database.db, config, clock: () => new Date(), print: (line) => process.stdout.write(`${line}\n`), defaultUrl: hubUrlFor(undefined) },
            command,
            rest,
          ),
        );
        if (code !== undefined) return code;
      }
      throw new UsageError(argv.length ? `unknown command: ${argv.slice(0, 2).join(' ')}` : 'no command given');
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof UsageError ||
      error instanceof RegistrationError ||
      error instanceof ConfigError ||
      error instanceof ConsoleUserError ||
      error instanceof ImportError;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    if (!known && error instanceof Error && process.env['HUB_CLI_DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
    process.exit(1);
  },
);

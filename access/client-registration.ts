import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { importJWK, type JWK } from 'jose';
import { FileRefusal, readSmallRegularFile } from '../config/regular-file.js';
import type { ClientRegistration } from '../store/client-queries.js';
import { SCOPES_BY_CLIENT_TYPE, grantedScopeString, type ClientType, type Scope } from './clients.js';

const scrypt = promisify(scryptCallback) as (secret: string, salt: Buffer, length: number) => Promise<Buffer>;

/** Thrown when a client cannot be registered as described; the message names the problem. */
export class RegistrationError extends Error {}

/** What an operator or the config file says about a client. */
export interface ClientDescription {
  readonly id: string;
  readonly name: string;
  readonly type: ClientType;
  readonly agency?: string | undefined;
  readonly regions?: readonly string[] | undefined;
  readonly scopes?: readonly Scope[] | undefined;
  readonly publicKeyFile?: string | undefined;
  readonly jwksUrl?: string | undefined;
  readonly secretFile?: string | undefined;
  readonly requestsPerMinute?: number | undefined;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** A key or secret file is a few hundred bytes: the cap keeps /dev/zero or a large file passed by mistake out of memory. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Reads a key or secret file (`what`, e.g. "secret file"): a regular file of at most MAX_KEY_FILE_BYTES.
 * Throws RegistrationError naming the file and the rule, or the system error code (ENOENT, EACCES).
 */
async function readKeyFile(what: string, path: string): Promise<string> {
  return readSmallRegularFile(path, MAX_KEY_FILE_BYTES).catch((error: unknown) => {
    if (error instanceof FileRefusal) throw new RegistrationError(`${what} ${path} ${error.message}${error.code === 'FILE_TOO_LARGE' ? ` of a ${what}` : ''}`);
    const code = (error as { code?: unknown } | null)?.code;
    throw new RegistrationError(`cannot read ${what} ${path} (${typeof code === 'string' ? code : 'unknown error'})`);
  });
}

/** The algorithm a key without `alg` is checked for, by its type and curve: what a client would sign with. */
function signingAlgorithmOf(key: JWK): string {
  if (key.alg) return key.alg;
  if (key.kty === 'OKP') return 'EdDSA';
  if (key.kty === 'EC') return key.crv === 'P-384' ? 'ES384' : key.crv === 'P-521' ? 'ES512' : 'ES256';
  return 'RS256';
}

/** Imports every key, so that key material that cannot verify a signature is refused at registration, not at the first token request. */
async function checkKeyMaterial(path: string, keys: readonly JWK[]): Promise<void> {
  for (const [index, key] of keys.entries()) {
    const which = keys.length > 1 ? `key ${index + 1} of ${path}` : `the key in ${path}`;
    try {
      await importJWK(key, signingAlgorithmOf(key));
    } catch (error) {
      throw new RegistrationError(`${which} is not a usable ${key.kty} signing key: ${error instanceof Error ? error.message : String(error)}`);
    }
    // jose refuses shorter RSA keys only when verifying (RFC 7518 §3.3).
    const modulusBits = key.kty === 'RSA' ? Buffer.from(key.n ?? '', 'base64url').length * 8 : Infinity;
    if (modulusBits < 2048) throw new RegistrationError(`${which} is an RSA key of ${modulusBits} bits; at least 2048 are required`);
  }
}

/**
 * Reads a JWK or JWKS file and returns it as a JWKS of public keys; refuses private or symmetric keys
 * and key material jose cannot import. Throws RegistrationError naming the file and the problem.
 */
export async function readPublicJwks(path: string): Promise<{ keys: object[] }> {
  const text = await readKeyFile('public key file', path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the file's text, which may be a secret passed by mistake.
    throw new RegistrationError(`public key file ${path} is not JSON (a JWK or a JWKS was expected; its text is not shown)`);
  }
  const keys = Array.isArray((parsed as { keys?: unknown } | null)?.keys) ? (parsed as { keys: unknown[] }).keys : [parsed];
  if (keys.length === 0) throw new RegistrationError(`public key file ${path} holds no keys`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string')
      throw new RegistrationError(`public key file ${path}: every key needs a kty`);
    if (PRIVATE_MEMBERS.some((member) => member in key))
      throw new RegistrationError(`public key file ${path} holds a private or symmetric key: register only the public half`);
  }
  await checkKeyMaterial(path, keys as JWK[]);
  return { keys: keys as object[] };
}

/** Reads a client_secret_basic secret file; throws RegistrationError when it is unreadable or too short. */
export async function readClientSecret(path: string): Promise<string> {
  const secret = (await readKeyFile('secret file', path)).trim();
  if (secret.length < 16) throw new RegistrationError(`the secret in ${path} must be at least 16 characters`);
  return secret;
}

/**
 * What is wrong with the files a client description names (its public key file, its secret file),
 * each problem with the field it concerns: checked when the config file is loaded, so a bad file
 * stops the start naming its key.
 */
export async function clientFileProblems(client: Pick<ClientDescription, 'publicKeyFile' | 'secretFile'>): Promise<{ field: string; message: string }[]> {
  const checks = [
    { field: 'publicKeyFile', path: client.publicKeyFile, read: readPublicJwks },
    { field: 'secretFile', path: client.secretFile, read: readClientSecret },
  ];
  const problems: { field: string; message: string }[] = [];
  for (const { field, path, read } of checks) {
    if (path === undefined) continue;
    try {
      await read(path);
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      problems.push({ field, message: error.message });
    }
  }
  return problems;
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * What is wrong with a client description, each problem with the field it concerns: the one set of
 * rules behind both the config file's validation and `npm run hub -- client add`.
 */
export function registrationProblems(
  client: Pick<ClientDescription, 'type' | 'agency' | 'scopes' | 'publicKeyFile' | 'jwksUrl' | 'secretFile'>,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!client.publicKeyFile && !client.jwksUrl && !client.secretFile) {
    problems.push({ field: 'publicKeyFile', message: 'set publicKeyFile, jwksUrl or secretFile: how the client authenticates' });
  }
  if (client.jwksUrl !== undefined && !isFetchableJwksUrl(client.jwksUrl)) {
    problems.push({
      field: 'jwksUrl',
      message: `${JSON.stringify(client.jwksUrl.slice(0, 100))} is not an https URL (plain http only on this machine: localhost, 127.0.0.1, [::1])`,
    });
  }
  if ((client.type === 'AGENCY') !== Boolean(client.agency))
    problems.push({ field: 'agency', message: 'an AGENCY client names its agency; other types do not' });
  const allowed = SCOPES_BY_CLIENT_TYPE[client.type];
  (client.scopes ?? []).forEach((scope, index) => {
    if (!allowed.includes(scope))
      problems.push({ field: `scopes.${index}`, message: `scope ${scope} is not allowed for a ${client.type} client (allowed: ${allowed.join(', ')})` });
  });
  return problems;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A client's key set is fetched over TLS; plain http is for a key server on the hub's own machine. */
function isFetchableJwksUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** Turns a description into the stored registration: keys read, secret hashed, scopes checked and expanded. */
export async function toRegistration(client: ClientDescription): Promise<ClientRegistration> {
  const problems = registrationProblems(client);
  if (problems.length > 0) throw new RegistrationError(`client ${client.id}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  const scopes = client.scopes ?? SCOPES_BY_CLIENT_TYPE[client.type];
  const secret = client.secretFile ? await readClientSecret(client.secretFile) : undefined;
  return {
    id: client.id,
    name: client.name,
    type: client.type,
    agencyCode: client.agency ?? null,
    regions: client.regions ?? [],
    scopes: scopes.map((scope) => grantedScopeString(scope, client.agency ?? null)),
    publicJwks: client.publicKeyFile ? await readPublicJwks(client.publicKeyFile) : null,
    jwksUrl: client.jwksUrl ?? null,
    secretHash: secret ? await hashSecret(secret) : null,
    requestsPerMinute: client.requestsPerMinute ?? null,
  };
}

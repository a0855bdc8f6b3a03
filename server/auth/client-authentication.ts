import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { hashSecret, secretMatches } from '../../access/client-registration.js';
import type { HubDb } from '../../store/database.js';
import { findClient, rememberAssertionId, type ClientRow } from '../../store/client-queries.js';
import { AuthError } from './auth-error.js';
import { describeJoseError, precheckJwt } from './jwt-checks.js';
import { ASSERTION_VALUE_RULES, BASIC_CREDENTIAL_RULES, checkValue } from './request-values.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Explicit typing of client assertions (draft-ietf-oauth-rfc7523bis): an access token is not one. */
export const CLIENT_ASSERTION_TYP = 'client-authentication+jwt';
/** Asymmetric algorithms only: an HMAC "signed" with a public key is refused. */
const CLIENT_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'PS256', 'RS256'];
const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export interface ClientAuthDeps {
  readonly db: HubDb;
  /** The `aud` a client assertion must carry: the hub's issuer (or its token endpoint URL). */
  readonly audiences: readonly string[];
  readonly allowClientSecret: boolean;
  readonly clockSkewSeconds: number;
  readonly clock: () => Date;
}

export interface TokenRequest {
  readonly clientId?: string | undefined;
  readonly clientAssertionType?: string | undefined;
  readonly clientAssertion?: string | undefined;
  readonly authorization?: string | undefined;
}

/**
 * The one answer to every failure that depends on who the client is: an unknown, revoked or keyless
 * client and a signature or secret that does not verify are indistinguishable, so client ids cannot
 * be enumerated at the token endpoint.
 */
const notAuthenticated = (logReason: string): AuthError =>
  new AuthError('invalid_client', 'client authentication failed: the client is not registered, is revoked, or its credentials do not verify', logReason);

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function keySetOf(client: ClientRow): JWTVerifyGetKey {
  if (client.public_jwks) return createLocalJWKSet(client.public_jwks as JSONWebKeySet);
  if (!client.jwks_url) throw notAuthenticated('the client has no registered key');
  let keySet = remoteKeySets.get(client.jwks_url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(client.jwks_url), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    remoteKeySets.set(client.jwks_url, keySet);
  }
  return keySet;
}

async function activeClient(db: HubDb, id: string): Promise<ClientRow | undefined> {
  const client = await findClient(db, id);
  return client && !client.revoked_at ? client : undefined;
}

/** A hash no secret matches: an unknown client's secret is checked against it, so that it costs the same time. */
let unmatchableHash: Promise<string> | undefined;
const noSecretHash = (): Promise<string> => (unmatchableHash ??= hashSecret(randomBytes(32).toString('base64url')));

/**
 * Everything about an assertion that can be checked before the client is looked up: size, headers,
 * algorithm and typ, and the claims read unverified (iss, sub, jti) as safe text. Returns the client id it claims.
 */
function claimedClient(request: TokenRequest, assertion: string): string {
  const header = precheckJwt(assertion, 'invalid_client', 'the client assertion');
  if (!CLIENT_ALGORITHMS.includes(header.alg ?? '')) throw new AuthError('invalid_client', 'the client assertion uses an algorithm that is not allowed');
  if (header.typ?.toLowerCase().replace(/^application\//, '') !== CLIENT_ASSERTION_TYP)
    throw new AuthError('invalid_client', 'the client assertion is the wrong kind of token (typ)');
  let claims: JWTPayload;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw new AuthError('invalid_client', 'the client assertion is not a well-formed JWT');
  }
  const unverified = { sub: claims.sub, iss: claims.iss, jti: claims.jti, kid: header.kid };
  for (const [name, value] of Object.entries(unverified)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new AuthError('invalid_client', `the client assertion's ${name} must be a string`);
    checkValue(`the client assertion's ${name}`, value, ASSERTION_VALUE_RULES[name as keyof typeof ASSERTION_VALUE_RULES], 'invalid_client');
  }
  if (!claims.sub || (request.clientId !== undefined && request.clientId !== claims.sub))
    throw new AuthError('invalid_client', 'client_id and the assertion’s subject differ');
  return claims.sub;
}

/** private_key_jwt (RFC 7523): a short-lived assertion signed with the client's registered key, used once. */
async function authenticateByAssertion(deps: ClientAuthDeps, request: TokenRequest, assertion: string): Promise<ClientRow> {
  const client = await activeClient(deps.db, claimedClient(request, assertion));
  if (!client) throw notAuthenticated('unknown or revoked client');
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetOf(client), {
      algorithms: CLIENT_ALGORITHMS,
      typ: CLIENT_ASSERTION_TYP,
      issuer: client.id,
      subject: client.id,
      audience: [...deps.audiences],
      clockTolerance: deps.clockSkewSeconds,
      currentDate: deps.clock(),
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (error) {
    // Claims are checked only after the signature verified: only the key's holder learns what was wrong with them.
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired)
      throw describeJoseError(error, 'the client assertion', 'invalid_client');
    throw error instanceof AuthError ? error : notAuthenticated(describeJoseError(error, 'the client assertion', 'invalid_client').message);
  }
  const now = deps.clock().getTime() / 1000;
  const expires = payload.exp ?? now;
  if (expires - now > MAX_ASSERTION_LIFETIME_SECONDS + deps.clockSkewSeconds)
    throw new AuthError('invalid_client', `the client assertion lives longer than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  const fresh = await rememberAssertionId(deps.db, client.id, String(payload.jti), new Date((expires + deps.clockSkewSeconds) * 1000), deps.clock());
  if (!fresh) throw new AuthError('invalid_client', 'the client assertion was already used (jti replay)');
  return client;
}

/** client_secret_basic (RFC 6749 §2.3.1): development only, refused unless configured. */
async function authenticateBySecret(deps: ClientAuthDeps, authorization: string): Promise<ClientRow> {
  if (!deps.allowClientSecret) throw new AuthError('invalid_client', 'client_secret_basic is disabled on this hub: authenticate with private_key_jwt');
  const decoded = Buffer.from(authorization.slice('basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new AuthError('invalid_client', 'the Basic credentials are malformed');
  let id: string;
  let secret: string;
  try {
    id = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  } catch {
    throw new AuthError('invalid_client', 'the Basic credentials are malformed');
  }
  checkValue('client_id', id, BASIC_CREDENTIAL_RULES.client_id, 'invalid_client');
  checkValue('client_secret', secret, BASIC_CREDENTIAL_RULES.client_secret, 'invalid_client');
  const client = await activeClient(deps.db, id);
  const matches = await secretMatches(secret, client?.secret_hash ?? (await noSecretHash()));
  if (!client) throw notAuthenticated('unknown or revoked client');
  if (!client.secret_hash || !matches) throw notAuthenticated('wrong client secret, or none registered');
  return client;
}

/** Authenticates the client of a token request by exactly one method; throws AuthError('invalid_client'). */
export async function authenticateClient(deps: ClientAuthDeps, request: TokenRequest): Promise<ClientRow> {
  const basic = request.authorization?.toLowerCase().startsWith('basic ') ? request.authorization : undefined;
  if (request.clientAssertion !== undefined) {
    if (basic) throw new AuthError('invalid_request', 'use one client authentication method, not two');
    if (request.clientAssertionType !== CLIENT_ASSERTION_TYPE) throw new AuthError('invalid_client', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    return authenticateByAssertion(deps, request, request.clientAssertion);
  }
  if (basic) return authenticateBySecret(deps, basic);
  throw new AuthError('invalid_client', 'client authentication is required: a client_assertion (private_key_jwt) or, where enabled, HTTP Basic');
}

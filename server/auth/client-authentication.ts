import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { secretMatches } from '../../access/client-registration.js';
import type { HubDb } from '../../store/database.js';
import { findClient, rememberAssertionId, type ClientRow } from '../../store/client-queries.js';
import { AuthError } from './auth-error.js';
import { describeJoseError, precheckJwt } from './jwt-checks.js';

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

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function keySetOf(client: ClientRow): JWTVerifyGetKey {
  if (client.public_jwks) return createLocalJWKSet(client.public_jwks as JSONWebKeySet);
  if (!client.jwks_url) throw new AuthError('invalid_client', 'the client has no registered key');
  let keySet = remoteKeySets.get(client.jwks_url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(client.jwks_url), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    remoteKeySets.set(client.jwks_url, keySet);
  }
  return keySet;
}

async function activeClient(db: HubDb, id: string): Promise<ClientRow> {
  const client = await findClient(db, id);
  if (!client || client.revoked_at) throw new AuthError('invalid_client', 'unknown or revoked client');
  return client;
}

/** private_key_jwt (RFC 7523): a short-lived assertion signed with the client's registered key, used once. */
async function authenticateByAssertion(deps: ClientAuthDeps, request: TokenRequest, assertion: string): Promise<ClientRow> {
  precheckJwt(assertion, 'invalid_client', 'the client assertion');
  let claimedId: string;
  try {
    const claims = decodeJwt(assertion);
    claimedId = String(claims.sub ?? '');
  } catch {
    throw new AuthError('invalid_client', 'the client assertion is not a well-formed JWT');
  }
  if (!claimedId || (request.clientId !== undefined && request.clientId !== claimedId)) throw new AuthError('invalid_client', 'client_id and the assertion’s subject differ');
  const client = await activeClient(deps.db, claimedId);
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
    throw describeJoseError(error, 'the client assertion', 'invalid_client');
  }
  const now = deps.clock().getTime() / 1000;
  if (payload.exp! - now > MAX_ASSERTION_LIFETIME_SECONDS + deps.clockSkewSeconds) throw new AuthError('invalid_client', `the client assertion lives longer than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  const fresh = await rememberAssertionId(deps.db, client.id, String(payload.jti).slice(0, 200), new Date((payload.exp! + deps.clockSkewSeconds) * 1000), deps.clock());
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
  const client = await activeClient(deps.db, id);
  if (!client.secret_hash || !(await secretMatches(secret, client.secret_hash))) throw new AuthError('invalid_client', 'unknown or revoked client, or wrong secret');
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

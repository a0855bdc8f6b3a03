import { randomUUID } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ClientDirectory } from '../../access/client-directory.js';
import { CLIENT_TYPES, type ClientType, type Principal } from '../../access/clients.js';
import type { SigningKeys } from '../../access/signing-keys.js';
import type { HubDb } from '../../store/database.js';
import type { ClientRow } from '../../store/client-queries.js';
import { AuthError } from './auth-error.js';
import { describeJoseError, precheckJwt } from './jwt-checks.js';

/** RFC 9068 access tokens: typed, so no other kind of JWT passes as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
const HUB_ALGORITHMS = ['EdDSA', 'ES256'];

export interface TokenDeps {
  readonly db: HubDb;
  readonly keys: SigningKeys;
  readonly clients: ClientDirectory;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly clockSkewSeconds: number;
  readonly clock: () => Date;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string;
  readonly jti: string;
}

/** Signs an access token for a client, with the scopes granted (already checked against its registration). */
export async function issueAccessToken(
  deps: Pick<TokenDeps, 'keys' | 'issuer' | 'audience' | 'ttlSeconds' | 'clock'>,
  client: ClientRow,
  scopes: readonly string[],
): Promise<IssuedToken> {
  const now = Math.floor(deps.clock().getTime() / 1000);
  const jti = randomUUID();
  const scope = scopes.join(' ');
  const accessToken = await deps.keys.sign(
    {
      iss: deps.issuer,
      sub: client.id,
      aud: deps.audience,
      client_id: client.id,
      iat: now,
      nbf: now,
      exp: now + deps.ttlSeconds,
      jti,
      scope,
      client_type: client.type,
      regions: client.regions,
      ...(client.agency_code ? { agency: client.agency_code } : {}),
    },
    ACCESS_TOKEN_TYP,
  );
  return { accessToken, expiresIn: deps.ttlSeconds, scope, jti };
}

/**
 * Tokens whose signature and claims were verified, by their exact text, until they expire: clients
 * reuse a token for its lifetime, and the signature of the same bytes need not be checked again.
 * Time claims are still checked on every use.
 */
const verified = new LRUCache<string, JWTPayload>({ max: 10_000, ttl: 3_600_000 });

function stillValid(payload: JWTPayload, deps: TokenDeps): boolean {
  const now = deps.clock().getTime() / 1000;
  return (payload.exp ?? 0) + deps.clockSkewSeconds > now && (payload.nbf ?? 0) - deps.clockSkewSeconds <= now;
}

async function verifiedPayload(deps: TokenDeps, token: string): Promise<JWTPayload> {
  const cached = verified.get(token);
  if (cached && cached['iss'] === deps.issuer && stillValid(cached, deps)) return cached;
  const header = precheckJwt(token, 'invalid_token', 'the access token');
  if (typeof header.kid !== 'string') throw new AuthError('invalid_token', 'the access token has no key id (kid)');
  const key = await deps.keys.verificationKey(header.kid, deps.ttlSeconds + deps.clockSkewSeconds);
  if (!key) throw new AuthError('invalid_token', 'the access token is signed with a key this hub does not know');
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: HUB_ALGORITHMS.filter((alg) => alg === key.alg),
      typ: ACCESS_TOKEN_TYP,
      issuer: deps.issuer,
      audience: deps.audience,
      clockTolerance: deps.clockSkewSeconds,
      currentDate: deps.clock(),
      requiredClaims: ['sub', 'exp', 'iat', 'jti', 'scope'],
    });
    verified.set(token, payload);
    return payload;
  } catch (error) {
    throw describeJoseError(error, 'the access token', 'invalid_token');
  }
}

/**
 * Verifies a bearer token (RFC 8725): size, no key-locating headers, a kid among the hub's keys still
 * in their verification window, an allowed algorithm, typ at+jwt, iss, aud, exp and nbf with a small
 * skew, and a client that is still registered and not revoked. Throws AuthError('invalid_token').
 */
export async function verifyAccessToken(deps: TokenDeps, token: string): Promise<Principal> {
  const payload = await verifiedPayload(deps, token);
  const client = await deps.clients.get(String(payload.sub));
  if (!client || client.revoked_at) throw new AuthError('invalid_token', 'the client of this access token is revoked or no longer registered');
  // A registration narrowed since the token was issued takes effect at once.
  const current = new Set(client.scopes);
  const scopes = String(payload['scope'])
    .split(' ')
    .filter((scope) => current.has(scope));
  if (!(CLIENT_TYPES as readonly string[]).includes(client.type)) throw new AuthError('invalid_token', 'the client has an unknown type');
  return {
    clientId: client.id,
    clientType: client.type as ClientType,
    scopes: new Set(scopes),
    regions: client.regions,
    agencyCode: client.agency_code,
    tokenId: String(payload.jti),
  };
}

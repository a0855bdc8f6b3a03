import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importJWK, SignJWT, type JWK } from 'jose';
import { CLIENT_ASSERTION_TYP, CLIENT_ASSERTION_TYPE } from './client-authentication.js';

/**
 * What a client does to get an access token with private_key_jwt: read the hub's issuer from its
 * metadata, sign a one-minute assertion with its private key, and post it to the token endpoint.
 * The reference for agency, bank and partner-hub developers (used by `npm run hub -- token request`).
 */
export async function requestToken(options: {
  hubUrl: string;
  clientId: string;
  privateKeyFile: string;
  scope?: string;
}): Promise<{ access_token: string; expires_in: number; scope: string }> {
  const metadataResponse = await reach(new URL('/.well-known/oauth-authorization-server', options.hubUrl));
  if (!metadataResponse.ok) throw new Error(`cannot read the hub's metadata at ${options.hubUrl}: HTTP ${metadataResponse.status}`);
  const metadata = (await metadataResponse.json()) as { issuer: string; token_endpoint: string };
  const jwk = JSON.parse(await readFile(options.privateKeyFile, 'utf8')) as JWK;
  if (!jwk.d) throw new Error(`${options.privateKeyFile} holds no private key`);
  const alg = jwk.alg ?? (jwk.kty === 'OKP' ? 'EdDSA' : 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ iss: options.clientId, sub: options.clientId, aud: metadata.issuer, iat: now, exp: now + 60, jti: randomUUID() })
    .setProtectedHeader({ alg, typ: CLIENT_ASSERTION_TYP, ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .sign(await importJWK(jwk, alg));
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: options.clientId,
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
  });
  if (options.scope) form.set('scope', options.scope);
  // The token endpoint on the URL the caller used (the metadata's host may be the hub's public name).
  const response = await reach(new URL('/oauth/token', options.hubUrl), { method: 'POST', body: form });
  const body = (await response.json()) as { access_token: string; expires_in: number; scope: string; error?: string; error_description?: string };
  if (!response.ok) throw new Error(`token request refused (${body.error ?? response.status}): ${body.error_description ?? ''}`);
  return body;
}

/** fetch, with a failure to connect named by the URL tried and the network's reason (fetch says only "fetch failed"). */
async function reach(url: URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`cannot reach the hub at ${url.origin} (${reason}): is it running there? Set --hub or HUB_URL to its address`, { cause: error });
  }
}

import express, { type Router } from 'express';
import type { SigningKeys } from '../../access/signing-keys.js';

/**
 * Public discovery documents:
 * - GET /.well-known/jwks.json: the public halves of every key the hub has signed with, so anyone
 *   can verify its tokens and audit checkpoints. Retired keys stay listed for old signatures; the hub
 *   itself accepts an access token only from a key retired less than a token lifetime ago.
 * - GET /.well-known/oauth-authorization-server (RFC 8414): the issuer a client assertion must name
 *   as its audience, the token endpoint and what it supports.
 */
export function discoveryRoutes(keys: SigningKeys, issuer: string): Router {
  const router = express.Router();
  router.get('/.well-known/jwks.json', async (_req, res) => {
    const all = await keys.allPublicKeys();
    res.set('Cache-Control', 'public, max-age=60').json({ keys: all.map((k) => k.jwk) });
  });
  router.get('/.well-known/oauth-authorization-server', (req, res) => {
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.set('Cache-Control', 'public, max-age=300').json({
      issuer,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      token_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256', 'ES384', 'PS256', 'RS256'],
    });
  });
  return router;
}

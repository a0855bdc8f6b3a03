import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** Algorithms a client key pair may use with private_key_jwt. */
export const CLIENT_KEY_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type ClientKeyAlgorithm = (typeof CLIENT_KEY_ALGORITHMS)[number];

/**
 * A new key pair for a client's private_key_jwt sign-in, as JWKs carrying `kid` and `alg`: the public
 * one is registered with the hub (`client add --public-key`), the private one stays with the client.
 */
export async function generateClientKeyPair(kid: string, alg: ClientKeyAlgorithm): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true });
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg },
  };
}

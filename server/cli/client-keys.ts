import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CLIENT_KEY_ALGORITHMS, generateClientKeyPair, type ClientKeyAlgorithm } from '../../access/client-key-pair.js';
import type { Env } from '../../config/env.js';
import { requestToken } from '../auth/request-token.js';
import { required, UsageError } from './arguments.js';
import { hubUrlOf } from './run-operator-command.js';

/** `client keygen --out PREFIX [--alg EdDSA|ES256]`: a key pair for a client; needs no database. */
export async function writeClientKeyPair(args: readonly string[]): Promise<string[]> {
  const { values } = parseArgs({ args: [...args], options: { out: { type: 'string' }, alg: { type: 'string', default: 'EdDSA' } } });
  const prefix = required(values, 'out');
  const alg = values.alg;
  if (!(CLIENT_KEY_ALGORITHMS as readonly string[]).includes(alg))
    throw new UsageError(`--alg "${alg.slice(0, 20)}" must be one of ${CLIENT_KEY_ALGORITHMS.join(', ')}`);
  const kid = `${basename(prefix)}-${new Date().toISOString().slice(0, 10)}`;
  const { privateJwk, publicJwk } = await generateClientKeyPair(kid, alg as ClientKeyAlgorithm);
  // 'wx': never overwrite a key someone may already use.
  await writeFile(`${prefix}.private.jwk.json`, `${JSON.stringify(privateJwk, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  await writeFile(`${prefix}.public.jwk.json`, `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`, { flag: 'wx' });
  return [
    `wrote ${prefix}.private.jwk.json (keep it with the client, readable only by it) and ${prefix}.public.jwk.json (key id ${kid});`,
    `register it with: npm run hub -- client add ... --public-key ${prefix}.public.jwk.json`,
  ];
}

/** `token request --client ID --key FILE [--hub URL] [--scope "a b"]`: a token from a running hub, as a client gets one (private_key_jwt). */
export async function requestClientToken(env: Env, args: readonly string[]): Promise<string[]> {
  const { values } = parseArgs({
    args: [...args],
    options: { client: { type: 'string' }, key: { type: 'string' }, hub: { type: 'string' }, scope: { type: 'string' } },
  });
  const token = await requestToken({
    hubUrl: values.hub ?? hubUrlOf(env),
    clientId: required(values, 'client'),
    privateKeyFile: required(values, 'key'),
    ...(values.scope ? { scope: values.scope } : {}),
  });
  return [token.access_token];
}

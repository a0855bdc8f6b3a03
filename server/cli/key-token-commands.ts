import { parseArgs } from 'node:util';
import { findClient } from '../../store/client-queries.js';
import { issueAccessToken } from '../auth/access-tokens.js';
import { tokenIdentity } from '../hub-config.js';
import { appendOperatorEntry } from '../operator-audit.js';
import { clientIdArgument, firstPositional, UsageError } from './arguments.js';
import { done, type OperatorCommand } from './operator-command.js';

/** `key rotate`: a new signing key signs from now on (in the running hub at once); the old one keeps verifying; audited. */
const rotateKey: OperatorCommand = {
  name: 'key rotate',
  prepare(args) {
    parseArgs({ args: [...args] });
    return async ({ keys, clock, osUser }) => {
      // The new key and its audit entry commit together: no rotation without its entry.
      const kid = await keys.rotate((trx, rotated) => appendOperatorEntry(trx, clock, 'operator key rotate', [`signing-key:${rotated}`], { osUser }));
      return done(`new signing key ${kid} is active; the previous key verifies until its tokens expire`);
    };
  },
};

/** `token mint ID [--scope "a b"]`: a short-lived access token for an active client, for local testing; audited (the token's id, never the token). */
const mintToken: OperatorCommand = {
  name: 'token mint',
  prepare(args) {
    const { values, positionals } = parseArgs({ args: [...args], options: { scope: { type: 'string' } }, allowPositionals: true });
    const id = clientIdArgument(firstPositional(positionals, 'token mint needs the client id'), 'client id');
    const scopes = values.scope?.split(' ').filter(Boolean);
    return async ({ db, keys, config, clock, osUser }) => {
      const client = await findClient(db, id);
      if (!client || client.revoked_at) throw new UsageError(`client id ${id}: no active client with this id`);
      const requested = scopes ?? client.scopes;
      const refused = requested.filter((scope) => !client.scopes.includes(scope));
      if (refused.length) throw new UsageError(`--scope: scopes not granted to ${id}: ${refused.map((s) => s.slice(0, 60)).join(' ')}`);
      await keys.ensureKey();
      const token = await issueAccessToken({ keys, ...tokenIdentity(config), ttlSeconds: config.auth.accessTokenTtlSeconds, clock }, client, requested);
      await appendOperatorEntry(db, clock, 'operator token mint', [`client:${id}`, `token:${token.jti}`], { osUser });
      return done(token.accessToken);
    };
  },
};

export const KEY_AND_TOKEN_COMMANDS: readonly OperatorCommand[] = [rotateKey, mintToken];

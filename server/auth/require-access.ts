import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { TokenBucket } from 'limiter';
import type { Logger } from 'pino';
import type { Principal } from '../../access/clients.js';
import type { PurposeConfig } from '../../config/hub-config.js';
import type { ClientDirectory } from '../../access/client-directory.js';
import type { RateShare } from '../query-limits.js';
import { AuthError } from './auth-error.js';
import { verifyAccessToken, type TokenDeps } from './access-tokens.js';
import { logRefusal } from '../refusal-log.js';

/** What the access checks leave for the GraphQL layer on res.locals. */
export interface AccessLocals {
  principal: Principal;
  purpose: string;
}

export const PURPOSE_HEADER = 'X-Purpose';

function unauthorized(res: Response, error?: AuthError): void {
  const challenge = error
    ? `Bearer realm="credit-hub", error="${error.code}", error_description="${error.message.replace(/["\\]/g, '')}"`
    : 'Bearer realm="credit-hub"';
  res
    .status(401)
    .set('WWW-Authenticate', challenge)
    .json({ error: error?.code ?? 'unauthorized', error_description: error?.message ?? 'a bearer access token is required: get one from POST /oauth/token' });
}

/** RFC 6750: a valid bearer token, or 401 with WWW-Authenticate; each refusal is logged (never the token). */
export function requireToken(deps: TokenDeps, logger: Logger): RequestHandler {
  const refuse = (req: Request, res: Response, error?: AuthError) => {
    logRefusal(logger, req, res, { status: 401, reason: error?.message ?? 'no access token' });
    unauthorized(res, error);
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) return refuse(req, res);
    const [scheme, token, ...rest] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) return refuse(req, res, new AuthError('invalid_request', 'the Authorization header must be "Bearer <token>"'));
    try {
      (res.locals as Partial<AccessLocals>).principal = await verifyAccessToken(deps, token);
      next();
    } catch (error) {
      if (!(error instanceof AuthError)) return next(error);
      refuse(req, res, error);
    }
  };
}

/** Every request states why it asks, from the configured purposes its client type may use; a refusal is logged. */
export function requirePurpose(purposes: readonly PurposeConfig[], logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const principal = (res.locals as AccessLocals).principal;
    const allowed = purposes.filter((p) => p.clientTypes.includes(principal.clientType)).map((p) => p.code);
    const stated = req.get(PURPOSE_HEADER);
    if (!stated || !allowed.includes(stated)) {
      const problem = stated ? `purpose "${stated.slice(0, 40)}" is not one a ${principal.clientType} client may state` : `the ${PURPOSE_HEADER} header is required`;
      logRefusal(logger, req, res, { status: 400, reason: stated ? 'purpose not allowed for the client type' : 'no purpose stated' });
      return void res.status(400).json({ error: 'invalid_purpose', error_description: `${problem}; state one of: ${allowed.join(', ')}` });
    }
    (res.locals as AccessLocals).purpose = stated;
    next();
  };
}

/**
 * A token bucket per client: `requestsPerMinute` (the client's own, or the default) refills over a
 * minute and bounds bursts. Over it: 429 with Retry-After. The client's rate comes from the cached
 * client directory, so a changed registration takes effect on its next request. The rate is for the
 * whole hub: this process enforces its `share` of it (see ProcessPresence). Buckets exist only for
 * registered clients, so memory is bounded. A refusal is logged as a warning.
 */
export function limitPerClient(clients: ClientDirectory, defaultPerMinute: number, share: RateShare, logger: Logger): RequestHandler {
  const buckets = new Map<string, { bucket: TokenBucket; size: number }>();
  return async (req: Request, res: Response, next: NextFunction) => {
    const { clientId } = (res.locals as AccessLocals).principal;
    const perMinute = (await clients.get(clientId))?.requests_per_minute ?? defaultPerMinute;
    const size = share(perMinute);
    let entry = buckets.get(clientId);
    if (entry?.size !== size) {
      const bucket = new TokenBucket({ bucketSize: size, tokensPerInterval: size, interval: 'minute' });
      // A resized bucket keeps what was spent from it: a raised rate adds its difference, a lowered one caps.
      bucket.content = entry ? Math.min(size, Math.max(0, entry.bucket.content + size - entry.size)) : size;
      entry = { bucket, size };
      buckets.set(clientId, entry);
    }
    if (entry.bucket.tryRemoveTokens(1)) return next();
    const retryAfter = Math.max(1, Math.ceil(((1 - entry.bucket.content) * 60) / size));
    logRefusal(logger, req, res, { status: 429, reason: `over the client rate of ${perMinute} requests per minute` });
    res.status(429).set('Retry-After', String(retryAfter)).json({ error: 'rate_limited', error_description: `more than ${perMinute} requests per minute from client ${clientId}; retry after ${retryAfter} s` });
  };
}

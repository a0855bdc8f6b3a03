import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../../access/clients.js';
import type { PurposeConfig } from '../../access/access-config-schema.js';
import type { ClientRates } from './client-rates.js';
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
    if (!header) {
      refuse(req, res);
      return;
    }
    const [scheme, token, ...rest] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      refuse(req, res, new AuthError('invalid_request', 'the Authorization header must be "Bearer <token>"'));
      return;
    }
    try {
      (res.locals as Partial<AccessLocals>).principal = await verifyAccessToken(deps, token);
      next();
    } catch (error) {
      if (!(error instanceof AuthError)) {
        next(error);
        return;
      }
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
      const problem = stated
        ? `purpose "${stated.slice(0, 40)}" is not one a ${principal.clientType} client may state`
        : `the ${PURPOSE_HEADER} header is required`;
      logRefusal(logger, req, res, { status: 400, reason: stated ? 'purpose not allowed for the client type' : 'no purpose stated' });
      return void res.status(400).json({ error: 'invalid_purpose', error_description: `${problem}; state one of: ${allowed.join(', ')}` });
    }
    (res.locals as AccessLocals).purpose = stated;
    next();
  };
}

/** One unit of the client's rate per request (more once it is priced; see ClientRates). Over it: 429 with Retry-After. */
export function limitPerClient(rates: ClientRates, logger: Logger): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { clientId } = (res.locals as AccessLocals).principal;
    const verdict = await rates.take(clientId, 1);
    if (verdict.ok) {
      next();
      return;
    }
    const { retryAfterSeconds, perMinute } = verdict;
    logRefusal(logger, req, res, { status: 429, reason: `over the client rate of ${perMinute} requests per minute` });
    res
      .status(429)
      .set('Retry-After', String(retryAfterSeconds))
      .json({
        error: 'rate_limited',
        error_description: `more than ${perMinute} requests per minute from client ${clientId}; retry after ${retryAfterSeconds} s`,
      });
  };
}

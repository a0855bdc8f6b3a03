import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { AuthError } from './auth-error.js';
import { issueAccessToken, type TokenDeps } from './access-tokens.js';
import { authenticateClient, type ClientAuthDeps } from './client-authentication.js';
import { logRefusal } from '../refusal-log.js';
import { checkedForm, TOKEN_REQUEST_RULES } from './request-values.js';

/** RFC 6749 §5.2 error response: 401 for a failed client authentication, 400 for the rest; never cached. */
function sendError(res: Response, error: AuthError): number {
  const status = error.code === 'invalid_client' ? 401 : 400;
  res.set('Cache-Control', 'no-store');
  if (error.code === 'invalid_client') res.set('WWW-Authenticate', 'Basic realm="credit-hub", charset="UTF-8"');
  res.status(status).json({ error: error.code, error_description: error.message });
  return status;
}

/** How a token request ended: a token issued, or the RFC 6749 error it was refused with. */
export type TokenRequestOutcome = 'issued' | AuthError['code'];

/**
 * POST /oauth/token: the client_credentials grant. The client proves who it is (private_key_jwt,
 * or client_secret_basic where enabled) and gets a short-lived access token for the scopes it asks,
 * all of its registered scopes by default. Every parameter is checked (length, characters) before
 * anything is looked up; a refusal is logged with its reason and the caller's address. `onOutcome`
 * hears how each request ended.
 */
export function tokenEndpoint(deps: {
  tokens: TokenDeps;
  clientAuth: ClientAuthDeps;
  logger: Logger;
  onOutcome?: ((outcome: TokenRequestOutcome) => void) | undefined;
}): Router {
  const router = express.Router();
  router.post('/oauth/token', express.urlencoded({ extended: false, limit: '16kb' }), async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      if (!req.is('application/x-www-form-urlencoded')) throw new AuthError('invalid_request', 'send the token request as application/x-www-form-urlencoded');
      const form = checkedForm(body, TOKEN_REQUEST_RULES);
      if (form.grant_type !== 'client_credentials')
        throw new AuthError('unsupported_grant_type', `grant_type must be client_credentials${form.grant_type ? '' : ' (it is missing)'}`);
      const client = await authenticateClient(deps.clientAuth, {
        clientId: form.client_id,
        clientAssertionType: form.client_assertion_type,
        clientAssertion: form.client_assertion,
        authorization: req.get('authorization'),
      });
      const requested = form.scope?.split(' ');
      const refused = (requested ?? []).filter((scope) => !client.scopes.includes(scope));
      if (refused.length > 0)
        throw new AuthError(
          'invalid_scope',
          `scope ${refused.map((s) => s.slice(0, 60)).join(', ')} is not granted to this client (granted: ${client.scopes.join(' ')})`,
        );
      const token = await issueAccessToken(deps.tokens, client, requested?.length ? requested : client.scopes);
      deps.logger.info({ client: client.id, jti: token.jti, scope: token.scope }, 'access token issued');
      deps.onOutcome?.('issued');
      res.set('Cache-Control', 'no-store').json({ access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: token.scope });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      const status = sendError(res, error);
      deps.onOutcome?.(error.code);
      logRefusal(deps.logger, req, res, { status, reason: error.logReason ?? error.message, message: 'token request refused' });
    }
  });
  return router;
}

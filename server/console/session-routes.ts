import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { ConsoleConfig } from '../../config/console-schema.js';
import { logRefusal } from '../refusal-log.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';
import { clearedSessionCookie, CSRF_HEADER, sessionCookie, sessionIdOf } from './session-cookie.js';
import { csrfTokenOf, isCsrfTokenOf } from './session-secrets.js';

/** What the pages learn about the signed-in person (never the session id: it stays in the HttpOnly cookie). */
function sessionView(sessionId: string, session: ConsoleSession) {
  const { user } = session;
  return {
    user: { name: user.name, personName: user.person_name, role: user.role, clientId: user.client_id, purpose: user.purpose },
    session: session.handle,
    expiresAt: session.expiresAt.toISOString(),
    csrfToken: csrfTokenOf(sessionId),
  };
}

const INVITE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The console's sign-in API under /console/api, behind `rateLimit` (the per-address limit):
 * POST sign-in `{ "invite": "<token from the link>" }` sets the session cookie; GET session says who
 * is signed in; POST sign-out (with X-Console-CSRF) ends the session. Everything else the pages do
 * goes through /graphql with the cookie and the CSRF header.
 */
export function consoleSessionRoutes(deps: { sessions: ConsoleSessions; config: ConsoleConfig; rateLimit: RequestHandler; logger: Logger }): Router {
  const { sessions, config, logger } = deps;
  const router = express.Router();
  router.use('/console/api', deps.rateLimit, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  const refuse = (req: Request, res: Response, status: number, error: string, description: string) => {
    logRefusal(logger, req, res, { status, reason: error });
    res.status(status).json({ error, error_description: description });
  };

  router.post('/console/api/sign-in', express.json({ limit: 1024 }), async (req, res) => {
    const invite: unknown = (req.body as { invite?: unknown } | undefined)?.invite;
    if (typeof invite !== 'string' || !INVITE.test(invite)) {
      refuse(
        req,
        res,
        400,
        'invalid_request',
        'invite: the body must be {"invite": "<the token of the sign-in link>"} (43 characters of A-Z, a-z, 0-9, - and _)',
      );
      return;
    }
    const signedIn = await sessions.signIn(invite);
    if (!signedIn) {
      refuse(
        req,
        res,
        401,
        'invalid_invite',
        'this sign-in link is used, expired or unknown: ask an operator for a new one (npm run hub -- console invite <user>)',
      );
      return;
    }
    res.set('Set-Cookie', sessionCookie(req, config, signedIn.sessionId, config.absoluteHours * 3600));
    logger.info({ user: signedIn.session.user.name, session: signedIn.session.handle }, 'console sign-in');
    res.json(sessionView(signedIn.sessionId, signedIn.session));
  });

  router.get('/console/api/session', async (req, res) => {
    const sessionId = sessionIdOf(req);
    const session = sessionId ? await sessions.resume(sessionId) : undefined;
    if (!sessionId || !session)
      return void res.status(401).json({ error: 'no_session', error_description: 'not signed in, or the session has ended: sign in with a new link' });
    res.json(sessionView(sessionId, session));
  });

  router.post('/console/api/sign-out', async (req, res) => {
    const sessionId = sessionIdOf(req);
    const csrf = req.get(CSRF_HEADER);
    if (!sessionId) {
      refuse(req, res, 401, 'no_session', 'not signed in');
      return;
    }
    if (!csrf || !isCsrfTokenOf(sessionId, csrf)) {
      refuse(req, res, 403, 'csrf', `sign-out needs the session's ${CSRF_HEADER} header`);
      return;
    }
    await sessions.signOut(sessionId);
    logger.info('console sign-out');
    res.set('Set-Cookie', clearedSessionCookie(req, config)).status(204).end();
  });
  return router;
}

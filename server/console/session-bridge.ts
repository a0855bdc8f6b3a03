import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Kind, OperationTypeNode, parse } from 'graphql';
import type { Logger } from 'pino';
import type { ClientDirectory } from '../../access/client-directory.js';
import { CLIENT_TYPES, type ClientType, type Principal } from '../../access/clients.js';
import { PURPOSE_HEADER, type AccessLocals } from '../auth/require-access.js';
import { logRefusal } from '../refusal-log.js';
import { personLabel, type ConsoleSession, type ConsoleSessions } from './console-sessions.js';
import { CSRF_HEADER, sessionIdOf } from './session-cookie.js';
import { isCsrfTokenOf } from './session-secrets.js';

export interface SessionBridgeDeps {
  readonly sessions: ConsoleSessions;
  readonly clients: ClientDirectory;
  /** The bearer-token check every other request goes through. */
  readonly requireToken: RequestHandler;
  readonly maxBodyBytes: number;
  readonly maxTokens: number;
  readonly logger: Logger;
}

/** Whether the GraphQL document of a JSON body asks for a mutation; unreadable documents are left to Apollo to refuse. */
function asksForMutation(body: unknown, maxTokens: number): boolean {
  const query = (body as { query?: unknown } | undefined)?.query;
  if (typeof query !== 'string') return false;
  try {
    return parse(query, { maxLexicalTokens: maxTokens }).definitions.some(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.MUTATION,
    );
  } catch {
    return false;
  }
}

/**
 * The principal of a console request: the user's client as registered now (all its scopes), naming the person. A
 * revoked client signs its people out too.
 */
async function principalOf(deps: SessionBridgeDeps, session: ConsoleSession): Promise<Principal | undefined> {
  const client = await deps.clients.get(session.user.client_id);
  if (!client || client.revoked_at || !(CLIENT_TYPES as readonly string[]).includes(client.type)) return undefined;
  return {
    clientId: client.id,
    clientType: client.type as ClientType,
    scopes: new Set(client.scopes),
    regions: client.regions,
    agencyCode: client.agency_code,
    tokenId: `console:${session.handle}`,
    person: personLabel(session.user),
  };
}

/**
 * /graphql accepts a console session in place of a bearer token, only on a request that carries the
 * session cookie, no Authorization header, and the session's CSRF token in X-Console-CSRF (which another
 * site cannot read or send). Such a request is the user's client, under the user's purpose (whatever
 * X-Purpose said), and names the person in its audit entry; a VIEWER may not send mutations. Every other
 * request goes to `requireToken`.
 */
export function requireTokenOrSession(deps: SessionBridgeDeps): RequestHandler {
  const readJson = express.json({ limit: deps.maxBodyBytes });
  const refuse = (req: Request, res: Response, status: number, error: string, description: string) => {
    logRefusal(deps.logger, req, res, { status, reason: error });
    res.status(status).json({ error, error_description: description });
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const sessionId = sessionIdOf(req);
    if (!sessionId || req.get('authorization')) return void deps.requireToken(req, res, next);
    const csrf = req.get(CSRF_HEADER);
    if (!csrf || !isCsrfTokenOf(sessionId, csrf)) {
      refuse(req, res, 403, 'csrf', `a console request needs the session's ${CSRF_HEADER} header (from GET /console/api/session)`);
      return;
    }
    try {
      const session = await deps.sessions.resume(sessionId);
      const principal = session ? await principalOf(deps, session) : undefined;
      if (!session || !principal) {
        refuse(req, res, 401, 'no_session', 'the console session has ended (idle, expired, signed out or revoked): sign in with a new link');
        return;
      }
      (res.locals as Partial<AccessLocals>).principal = principal;
      // The user's purpose, not the page's: a person acts under the purpose they were given.
      req.headers[PURPOSE_HEADER.toLowerCase()] = session.user.purpose;
      if (session.user.role !== 'VIEWER') {
        next();
        return;
      }
      readJson(req, res, (error?: unknown) => {
        if (error) next(error);
        else if (asksForMutation(req.body, deps.maxTokens))
          refuse(req, res, 403, 'read_only', `console user ${session.user.name} is a VIEWER: changes need an OPERATOR`);
        else next();
      });
    } catch (error) {
      next(error);
    }
  };
}

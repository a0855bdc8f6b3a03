import type { Request, Response } from 'express';
import type { Logger } from 'pino';

/** One request the hub refused before it reached GraphQL. */
export interface Refusal {
  readonly status: number;
  /** Why, in words safe to log: never the token, a secret or the body. */
  readonly reason: string;
  /** The log line's message; default "request refused before GraphQL". */
  readonly message?: string;
}

/** The request's path without its query string, which may carry a query's data. */
const pathOf = (req: Request): string => (req.originalUrl.split('?')[0] ?? '').slice(0, 200);

/**
 * Writes one service-log line for a refused request: status, reason, the caller's address, the path
 * and, once a token named it, the client. Over-the-rate refusals are warnings, the rest info.
 */
export function logRefusal(logger: Logger, req: Request, res: Response, refusal: Refusal): void {
  const clientId = (res.locals as { principal?: { clientId?: string } }).principal?.clientId;
  const line = { status: refusal.status, reason: refusal.reason, address: req.ip, method: req.method, path: pathOf(req), ...(clientId ? { clientId } : {}) };
  logger[refusal.status === 429 ? 'warn' : 'info'](line, refusal.message ?? 'request refused before GraphQL');
}

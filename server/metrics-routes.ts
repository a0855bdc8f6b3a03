import { createServer } from 'node:http';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { isAdmin } from '../access/clients.js';
import type { AccessLocals } from './auth/require-access.js';
import type { HubMetrics } from './metrics.js';
import { logRefusal } from './refusal-log.js';

/** GET /metrics: the Prometheus text exposition; a failed store read is a 503 (the scrape fails, the hub goes on). */
function exposition(metrics: HubMetrics, logger: Logger): RequestHandler {
  return async (_req: Request, res: Response) => {
    try {
      const { contentType, body } = await metrics.render();
      res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
    } catch (error) {
      logger.error({ err: error }, 'metrics not collected');
      res.status(503).json({ error: 'metrics unavailable: the database did not answer' });
    }
  };
}

/** Admin clients only (after requireToken): 403 insufficient_scope for any other, logged. */
function requireAdmin(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (isAdmin((res.locals as AccessLocals).principal)) {
      next();
      return;
    }
    logRefusal(logger, req, res, { status: 403, reason: 'metrics need an admin client' });
    res
      .status(403)
      .set('WWW-Authenticate', 'Bearer realm="credit-hub", error="insufficient_scope", scope="admin"')
      .json({ error: 'insufficient_scope', error_description: 'the metrics are for admin clients (scope admin)' });
  };
}

/**
 * /metrics on the API port, for `access: admin-token`: rate-limited per address, then a bearer token
 * checked as /graphql checks it (`requireToken`), of an admin client. No purpose header: the metrics
 * hold no one's data.
 */
export function adminMetricsRoute(metrics: HubMetrics, guards: { perAddress: RequestHandler; requireToken: RequestHandler }, logger: Logger): Router {
  const router = express.Router();
  router.get('/metrics', guards.perAddress, guards.requireToken, requireAdmin(logger), exposition(metrics, logger));
  return router;
}

/**
 * For `access: port`: /metrics alone on `port` of 127.0.0.1, without a token (only processes on this
 * host reach it). Resolves with a function that closes it.
 */
export async function startLoopbackMetrics(metrics: HubMetrics, port: number, logger: Logger): Promise<{ port: number; close: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', exposition(metrics, logger));
  app.use((_req, res) => void res.status(404).json({ error: 'not found', hint: 'this port serves GET /metrics only' }));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

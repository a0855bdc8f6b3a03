import express, { type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { ConsoleConfig } from '../../config/console-schema.js';
import type { ConsoleSessions } from './console-sessions.js';
import { consolePageRoutes } from './console-page.js';
import { consoleSessionRoutes } from './session-routes.js';

/** Everything under /console: the sign-in API, the built pages and their assets. */
export function consoleRoutes(deps: {
  sessions: ConsoleSessions;
  config: ConsoleConfig;
  bundleDir: string;
  rateLimit: RequestHandler;
  logger: Logger;
}): Router {
  const router = express.Router();
  router.use(consoleSessionRoutes(deps));
  router.use(consolePageRoutes(deps));
  return router;
}

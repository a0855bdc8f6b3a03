import express, { type RequestHandler, type Router } from 'express';
import type { Database } from '../store/database.js';
import { isFullyMigrated } from '../store/migrate.js';

/**
 * Where the hub's first load of its configured sources stands: `none` when it was started without
 * one (HUB_LOAD_ON_START=false), `running` while it goes on, `finished` after it (whatever each
 * source's outcome: see its run).
 */
export type FirstLoad = 'none' | 'running' | 'finished';

/**
 * /healthz: the process answers. /readyz: the database answers and every migration is applied; its
 * `firstLoad` says whether the start-up load of the sources is still running. A loading hub is ready
 * (200): it serves what is stored, and one hanging agency API must not take it out of service.
 * /readyz touches the database, so it sits behind `rateLimit` (the per-address limit). /healthz does
 * no I/O and costs less than the limiter itself; a liveness probe throttled during a flood from one
 * address would get a healthy hub restarted, so it stays unlimited.
 */
export function healthRoutes(database: Database, rateLimit: RequestHandler, firstLoad: () => FirstLoad): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', rateLimit, async (_req, res) => {
    try {
      await database.ping();
      const migrated = await isFullyMigrated(database.db);
      res.status(migrated ? 200 : 503).json({ status: migrated ? 'ready' : 'migrations pending', database: database.engine, firstLoad: firstLoad() });
    } catch {
      res.status(503).json({ status: 'database unreachable', database: database.engine });
    }
  });
  return router;
}

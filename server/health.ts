import express, { type RequestHandler, type Router } from 'express';
import type { Database } from '../store/database.js';
import { isFullyMigrated } from '../store/migrate.js';
import type { OverdueJob } from './metrics-readiness.js';

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
 * address would get a healthy hub restarted, so it stays unlimited. /readyz also fails (503, `jobs
 * overdue`, naming them) while a required scheduled job has not completed for too long (JobReadiness).
 */
export function healthRoutes(database: Database, rateLimit: RequestHandler, firstLoad: () => FirstLoad, overdueJobs: () => readonly OverdueJob[]): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', rateLimit, async (_req, res) => {
    try {
      await database.ping();
      const migrated = await isFullyMigrated(database.db);
      if (!migrated) return void res.status(503).json({ status: 'migrations pending', database: database.engine, firstLoad: firstLoad() });
      const overdue = overdueJobs();
      if (overdue.length > 0)
        return void res.status(503).json({ status: 'jobs overdue', database: database.engine, firstLoad: firstLoad(), overdueJobs: overdue });
      res.json({ status: 'ready', database: database.engine, firstLoad: firstLoad() });
    } catch {
      res.status(503).json({ status: 'database unreachable', database: database.engine });
    }
  });
  return router;
}

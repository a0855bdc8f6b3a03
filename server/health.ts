import express, { type Router } from 'express';
import type { Database } from '../store/database.js';
import { isFullyMigrated } from '../store/migrate.js';

/** /healthz: the process answers. /readyz: the database answers and every migration is applied. */
export function healthRoutes(database: Database): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await database.ping();
      const migrated = await isFullyMigrated(database.db);
      res.status(migrated ? 200 : 503).json({ status: migrated ? 'ready' : 'migrations pending', database: database.engine });
    } catch {
      res.status(503).json({ status: 'database unreachable', database: database.engine });
    }
  });
  return router;
}

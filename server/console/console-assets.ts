import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { ASSET_NAME } from './console-manifest.js';

/** The stored encodings of a built file, best first: brotli, gzip, then the file itself. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** Whether the request's Accept-Encoding takes `encoding` (listed, or `*`, and not with q=0). */
function accepts(req: Request, encoding: string): boolean {
  const header = req.get('accept-encoding') ?? '';
  return header.split(',').some((part) => {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const refused = params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
    return (name === encoding || name === '*') && !refused;
  });
}

const exists = async (file: string): Promise<boolean> => {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
};

/**
 * GET /console/assets/<file>.js|.css, behind `rateLimit` and `securityHeaders`: the built modules and style sheets, brotli- or
 * gzip-compressed as stored at build time when the browser takes it, else as they are. Their names carry
 * their content's hash, so browsers keep them a year without asking again (`immutable`). Any other name:
 * passed on (the hub's 404).
 */
export function consoleAssetRoutes(deps: { bundleDir: string; rateLimit: RequestHandler; securityHeaders: RequestHandler }): Router {
  const router = express.Router();
  router.get('/console/assets/:file', deps.rateLimit, deps.securityHeaders, async (req, res, next) => {
    const file = String(req.params['file']);
    if (!ASSET_NAME.test(file)) {
      next();
      return;
    }
    const path = join(deps.bundleDir, file);
    let encoding: (typeof ENCODINGS)[number] | undefined;
    for (const candidate of ENCODINGS) {
      if (accepts(req, candidate.name) && (await exists(path + candidate.suffix))) {
        encoding = candidate;
        break;
      }
    }
    res.vary('Accept-Encoding').type(file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
    if (encoding) res.set('Content-Encoding', encoding.name);
    res.sendFile(path + (encoding?.suffix ?? ''), { maxAge: '365d', immutable: true }, (error) => {
      if (error && !res.headersSent) {
        res.removeHeader('Content-Encoding');
        res.status(404).json({ error: 'not found' });
      }
    });
  });
  return router;
}

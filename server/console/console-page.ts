import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Router } from 'express';
import { consoleAssetRoutes } from './console-assets.js';
import { readConsoleManifest } from './console-manifest.js';

/** The folder the console bundle is built into (scripts/build-console.ts): dist/console at the package root. */
export function defaultBundleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'console');
}

/**
 * Scripts from the hub only; style sheets from the hub (Ant Design's, made at build time) or carrying this response's
 * nonce (styles of a component the build did not render are still written at run time, given the nonce); data only from
 * the hub; never framed. Style attributes
 * (positions the components and charts set on their own elements) are allowed: they cannot run script.
 */
const csp = (nonce: string): string =>
  `default-src 'none'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; style-src-elem 'self' 'nonce-${nonce}'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Paths that open the overview: the console's root, and the sign-in link (which lands there). */
const OPENS_OVERVIEW = /^\/console(\/(overview|sign-in)?)?\/?$/;

/**
 * The page: the style sheets (before the modules, which wait for them: Ant Design looks for its built styles once, at its
 * first render), the entry modules (run in order), and the chunks they import (with the overview's, when it opens there)
 * fetched beside them rather than after.
 */
const page = (nonce: string, styles: readonly string[], preload: readonly string[], entries: readonly string[]): string => `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="csp-nonce" content="${nonce}">
  <link rel="icon" href="data:,">
  <title>长三角信用数据共享枢纽 · 控制台</title>
${styles.map((sheet) => `  <link rel="stylesheet" href="/console/assets/${sheet}">\n`).join('')}${preload.map((chunk) => `  <link rel="modulepreload" href="/console/assets/${chunk}">\n`).join('')}${entries.map((entry) => `  <script type="module" src="/console/assets/${entry}"></script>\n`).join('')}
</head>
<body>
  <div id="root"></div>
</body>
</html>`;

/**
 * The console's page and its built assets under /console, behind `rateLimit`: every path that is not an
 * asset or the API gets the page (the pages route in the browser). 503 naming the fix when the bundle is
 * not built.
 */
export function consolePageRoutes(deps: { bundleDir: string; rateLimit: RequestHandler }): Router {
  const router = express.Router();
  const securityHeaders: RequestHandler = (_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    next();
  };
  router.use(consoleAssetRoutes({ ...deps, securityHeaders }));
  router.get(['/console', '/console/{*page}'], deps.rateLimit, securityHeaders, async (req, res, next) => {
    if (req.path.startsWith('/console/api/') || req.path.startsWith('/console/assets/')) {
      next();
      return;
    }
    const manifest = await readConsoleManifest(deps.bundleDir);
    if (!manifest) {
      res.status(503).json({ error: 'the console is not built: run npm run build' });
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    // Never stored: each response has its own nonce, and it names the build's current chunks.
    res
      .set({ 'Content-Security-Policy': csp(nonce), 'Cache-Control': 'no-store' })
      .type('html')
      .send(page(nonce, manifest.styles, OPENS_OVERVIEW.test(req.path) ? [...manifest.preload, ...manifest.firstPage] : manifest.preload, manifest.entries));
  });
  return router;
}

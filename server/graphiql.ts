import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type RequestHandler, type Response, type NextFunction, type Router } from 'express';

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/** GraphiQL and React come from npm packages and are served by the hub itself: the IDE works offline. */
const ASSETS: Readonly<Record<string, string>> = {
  'react.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
  'react-dom.js': join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
  'graphiql.js': join(packageDir('graphiql'), 'dist', 'index.umd.js'),
  'graphiql.css': join(packageDir('graphiql'), 'dist', 'style.css'),
};

const START_SCRIPT = `
const root = ReactDOM.createRoot(document.getElementById('graphiql'));
const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
const defaultQuery = '# Welcome to the Yangtze River Delta credit hub.\\n' +
  '# Search subjects by name, then open one by its 统一社会信用代码:\\n' +
  'query Search {\\n  subjects(nameContains: "科技", first: 5) {\\n    totalCount\\n    edges { node { uscc name region { name } } }\\n  }\\n}\\n';
root.render(React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true }));
`;

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>长三角信用数据共享枢纽 · GraphQL</title>
  <link rel="stylesheet" href="/ide/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/ide/react.js"></script>
  <script src="/ide/react-dom.js"></script>
  <script src="/ide/graphiql.js"></script>
  <script src="/ide/start.js"></script>
</body>
</html>`;

/** Same-origin scripts only; GraphiQL sets inline styles, hence 'unsafe-inline' for styles. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'";

/** The IDE's scripts and styles under /ide/, behind `rateLimit` (the per-address limit). */
export function graphiqlAssets(rateLimit: RequestHandler): Router {
  const router = express.Router();
  router.use('/ide', rateLimit);
  router.get('/ide/start.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(START_SCRIPT);
  });
  router.get('/ide/:asset', (req, res, next) => {
    const file = ASSETS[req.params['asset']];
    if (!file) {
      next();
      return;
    }
    res.set('Cache-Control', 'public, max-age=86400').sendFile(file);
  });
  return router;
}

/**
 * Serves the IDE page to a browser's GET of the GraphQL URL, behind `rateLimit` (the per-address
 * limit); API clients fall through to Apollo, and are counted by the limit there, not twice.
 */
export function graphiqlPage(rateLimit: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || req.query['query'] !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    void rateLimit(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      res.set('Content-Security-Policy', CSP).type('html').send(PAGE);
    });
  };
}

/**
 * The console's built files as the hub serves them: the page names the entry module and preloads the
 * chunks it imports; each content-hashed file comes brotli- or gzip-compressed as stored at build time
 * when the browser takes it, kept a year (immutable), while the page itself is never stored.
 */
import { once } from 'node:events';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { consolePageRoutes } from '../../server/console/console-page.js';

const BOOT = 'boot-7RQ2MDXA.js';
const ENTRY = 'main-4UQ3ZK2A.js';
const SHARED = 'chunk-WZ4KX2QJ.js';
const UNCOMPRESSED = 'chunk-PLAIN123.js';
const OVERVIEW = 'chunk-OVERVIEW.js';
const STYLES = 'styles-Xb3kQ9_pLm2A.css';
const CSS = `:where(.css-dev).ant-btn{color:#1677ff}.data-ant-cssinjs-cache-path{content:"a|b:c";}`;
const SOURCE = `export const shared = ${JSON.stringify('共享'.repeat(200))};`;

let bundleDir: string;
let app: express.Express;
let server: Server;

/** A response's status, headers and bytes as they came over the wire (not decompressed, unlike supertest's). */
async function raw(path: string, acceptEncoding: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server is not listening on a port');
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: address.port, path, headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) });
      });
    }).on('error', reject);
  });
}

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'console-assets-'));
  for (const file of [ENTRY, SHARED]) {
    await writeFile(join(bundleDir, file), SOURCE);
    await writeFile(join(bundleDir, `${file}.gz`), gzipSync(SOURCE));
    await writeFile(join(bundleDir, `${file}.br`), brotliCompressSync(SOURCE));
  }
  await writeFile(join(bundleDir, UNCOMPRESSED), SOURCE);
  await writeFile(join(bundleDir, STYLES), CSS);
  await writeFile(join(bundleDir, `${STYLES}.br`), brotliCompressSync(CSS));
  await writeFile(
    join(bundleDir, 'manifest.json'),
    JSON.stringify({
      entries: [BOOT, ENTRY],
      preload: [SHARED],
      firstPage: [OVERVIEW],
      styles: [STYLES],
      files: [BOOT, ENTRY, SHARED, UNCOMPRESSED, OVERVIEW, STYLES],
    }),
  );
  await writeFile(join(bundleDir, 'inputs.json'), '[]');
  app = express().use(
    consolePageRoutes({
      bundleDir,
      rateLimit: (_req, _res, next) => {
        next();
      },
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(bundleDir, { recursive: true, force: true });
});

describe('console assets', () => {
  test('the page runs the entry modules in order, preloads the chunks it imports (and those of the overview where it opens), and is never stored', async () => {
    const preloads = (html: string) => [...html.matchAll(/<link rel="modulepreload" href="\/console\/assets\/([^"]+)">/g)].map((match) => match[1]);
    for (const path of ['/console', '/console/', '/console/sign-in', '/console/overview']) {
      const page = await request(app).get(path).expect(200);
      expect(page.text).toContain(
        `<script type="module" src="/console/assets/${BOOT}"></script>\n  <script type="module" src="/console/assets/${ENTRY}"></script>`,
      );
      expect(preloads(page.text)).toEqual([SHARED, OVERVIEW]);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self';");
    }
    for (const path of ['/console/agency', '/console/enterprise/91310115MA1K000001', '/console/overview/x']) {
      const page = await request(app).get(path).expect(200);
      expect(preloads(page.text)).toEqual([SHARED]);
    }
  });

  test('brotli when the browser takes it, else gzip, else the file as it is; each kept a year as immutable', async () => {
    const brotli = await raw(`/console/assets/${ENTRY}`, 'gzip, deflate, br');
    expect(brotli.status).toBe(200);
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(brotli.body).toString()).toBe(SOURCE);

    const gzip = await raw(`/console/assets/${ENTRY}`, 'gzip, br;q=0');
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(SOURCE);

    const plain = await raw(`/console/assets/${ENTRY}`, 'identity');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SOURCE);

    for (const res of [brotli, gzip, plain]) {
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  test("the page links Ant Design's built style sheet before its modules; the sheet is served as CSS, compressed and immutable", async () => {
    for (const path of ['/console', '/console/agency']) {
      const page = await request(app).get(path).expect(200);
      const link = page.text.indexOf(`<link rel="stylesheet" href="/console/assets/${STYLES}">`);
      expect(link).toBeGreaterThan(-1);
      expect(link).toBeLessThan(page.text.indexOf('<script type="module"'));
    }
    const sheet = await raw(`/console/assets/${STYLES}`, 'gzip, br');
    expect(sheet.status).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.headers['content-encoding']).toBe('br');
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(sheet.body).toString()).toBe(CSS);
  });

  test('a file stored without compressed copies is sent as it is', async () => {
    const res = await raw(`/console/assets/${UNCOMPRESSED}`, 'gzip, br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(SOURCE);
  });

  test('only built modules are served: not the manifest, not the compressed copies by name, not a missing chunk, not a path', async () => {
    for (const path of ['manifest.json', 'inputs.json', `${ENTRY}.br`, `${ENTRY}.gz`, `${STYLES}.br`, '..%2Fsecret.js', '..%2Fsecret.css']) {
      const res = await request(app).get(`/console/assets/${path}`);
      expect(res.status).not.toBe(200);
    }
    const missing = await raw('/console/assets/chunk-GONE0000.js', 'gzip, br');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-encoding']).toBeUndefined();
  });
});

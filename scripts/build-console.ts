/**
 * Builds the web console (console/) into dist/console/ with esbuild: ES modules of npm packages only
 * (React, Ant Design, ECharts), nothing fetched at run time, split so the page first loads the shell and
 * sign-in, and each page's code (ECharts only with the pages that chart) when it is opened. Every file is
 * named by its content hash and stored also gzip- and brotli-compressed; manifest.json names the entry
 * and the chunks it needs at once. Skips the build when no input changed since the last one and every
 * output is still there (the inputs are kept in dist/console/inputs.json). Run by `npm run build`;
 * `--force` rebuilds anyway.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { MANIFEST_FILE, readConsoleManifest, type ConsoleManifest } from '../server/console/console-manifest.js';

/** The package root: the nearest folder up from this file with a package.json (source or dist/scripts). */
async function packageRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      await stat(join(dir, 'package.json'));
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('no package.json above scripts/build-console');
      dir = parent;
    }
  }
}

const mtime = async (file: string): Promise<number | undefined> => {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
};

const COMPRESSED = ['.gz', '.br'];

/** The entry modules, in the order the page runs them. */
const ENTRIES = ['console/boot.ts', 'console/main.tsx'];

/** The page a sign-in link and /console open: the page preloads its chunks with the shell's. */
const FIRST_PAGE = 'console/pages/overview.tsx';

/**
 * Ant Design's styles for the console's components as a content-named style sheet in `outDir`, made here rather than
 * in the browser: console/extract-styles.tsx is bundled for Node (as the browser's bundle, production mode, so the
 * style names match), run once, and removed. Returns the sheet's name and the source files it read.
 */
async function extractStyleSheet(root: string, outDir: string): Promise<{ sheet: string; inputs: string[] }> {
  const scratch = await mkdtemp(join(tmpdir(), 'console-styles-'));
  try {
    const script = join(scratch, 'extract-styles.cjs');
    const { metafile } = await build({
      absWorkingDir: root,
      entryPoints: [resolve(root, 'console/extract-styles.tsx')],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      jsx: 'automatic',
      tsconfig: resolve(root, 'console/tsconfig.json'),
      define: { 'process.env.NODE_ENV': '"production"' },
      metafile: true,
      logLevel: 'warning',
    });
    const extracted: unknown = await import(pathToFileURL(script).href);
    const extract = (extracted as { extractConsoleStyles?: unknown }).extractConsoleStyles;
    const css: unknown = typeof extract === 'function' ? Reflect.apply(extract, undefined, []) : undefined;
    if (typeof css !== 'string') throw new Error('console/extract-styles.tsx gave no style sheet (extractConsoleStyles)');
    const sheet = `styles-${createHash('sha256').update(css).digest('base64url').slice(0, 12)}.css`;
    await writeFile(join(outDir, sheet), css);
    return { sheet, inputs: Object.keys(metafile.inputs) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Whether the last build's outputs (each chunk and its compressed copies) exist and no recorded input (nor package-lock.json) changed since. */
async function upToDate(root: string, outDir: string): Promise<boolean> {
  const manifest = await readConsoleManifest(outDir);
  const built = await mtime(join(outDir, MANIFEST_FILE));
  if (!manifest || built === undefined) return false;
  let inputs: string[];
  try {
    inputs = JSON.parse(await readFile(join(outDir, 'inputs.json'), 'utf8')) as string[];
  } catch {
    return false;
  }
  const outputs = manifest.files.flatMap((file) => [file, ...COMPRESSED.map((suffix) => file + suffix)]);
  const [inputTimes, outputTimes] = await Promise.all([
    Promise.all([...inputs.filter((input) => input.startsWith('console/')), 'package-lock.json'].map((input) => mtime(join(root, input)))),
    Promise.all(outputs.map((output) => mtime(join(outDir, output)))),
  ]);
  return inputTimes.every((time) => time !== undefined && time <= built) && outputTimes.every((time) => time !== undefined);
}

/** The chunks an output imports statically, and theirs in turn: what must arrive before it can run. */
function staticImports(metafile: Metafile, outDir: string, output: string, seen = new Set<string>()): Set<string> {
  for (const { path, kind } of metafile.outputs[output]?.imports ?? []) {
    if (kind !== 'import-statement' || seen.has(path)) continue;
    seen.add(path);
    staticImports(metafile, outDir, path, seen);
  }
  return seen;
}

/**
 * What the first page needs: its module, the chunks it imports, and those it loads later (its charts, drawn after the
 * first paint), so all are fetched beside the shell, though the later ones run only when asked for.
 */
function firstPageOutputs(metafile: Metafile, outDir: string, page: string, shell: ReadonlySet<string>): string[] {
  const now = [page, ...staticImports(metafile, outDir, page)].filter((output) => !shell.has(output));
  const later = now.flatMap((output) => (metafile.outputs[output]?.imports ?? []).filter(({ kind }) => kind === 'dynamic-import').map(({ path }) => path));
  return [...new Set([...now, ...later.flatMap((output) => [output, ...staticImports(metafile, outDir, output)])])].filter((output) => !shell.has(output));
}

const inDir = (outDir: string, output: string): string => output.slice(outDir.length + 1);

const compressions = [
  { suffix: '.gz', compress: (data: Buffer) => promisify(gzip)(data, { level: 9 }) },
  {
    suffix: '.br',
    compress: (data: Buffer) =>
      promisify(brotliCompress)(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
  },
];

/** Writes `<file>.gz` and `<file>.br` beside each output; returns the sizes (bytes) of all, of gzip and of brotli. */
async function precompress(outDir: string, files: readonly string[]): Promise<{ plain: number; gz: number; br: number }> {
  const sizes = { plain: 0, gz: 0, br: 0 };
  await Promise.all(
    files.map(async (file) => {
      const data = await readFile(join(outDir, file));
      sizes.plain += data.length;
      for (const { suffix, compress } of compressions) {
        const packed = await compress(data);
        await writeFile(join(outDir, file + suffix), packed);
        if (suffix === '.gz') sizes.gz += packed.length;
        else sizes.br += packed.length;
      }
    }),
  );
  return sizes;
}

/** Removes what an earlier build left (old hashed chunks would otherwise pile up). */
async function clearOutputs(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const old = await readdir(outDir);
  await Promise.all(old.map((file) => rm(join(outDir, file), { force: true })));
}

async function main(): Promise<void> {
  const root = await packageRoot();
  const outDir = join(root, 'dist', 'console');
  if (!process.argv.includes('--force') && (await upToDate(root, outDir))) {
    process.stdout.write('console: up to date\n');
    return;
  }
  const started = performance.now();
  await clearOutputs(outDir);
  const result = await build({
    absWorkingDir: root,
    // boot first: the page runs it before the app, to start signing in while the app's code loads.
    entryPoints: { boot: resolve(root, 'console/boot.ts'), main: resolve(root, 'console/main.tsx') },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    tsconfig: resolve(root, 'console/tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const { metafile } = result;
  const outBase = inDir(root, outDir);
  const outputs = Object.keys(metafile.outputs);
  const entryOf = (source: string): string => {
    const output = outputs.find((candidate) => metafile.outputs[candidate]?.entryPoint === source);
    if (!output) throw new Error(`esbuild produced no module for ${source}`);
    return output;
  };
  const entries = ENTRIES.map(entryOf);
  const shell = new Set(entries.flatMap((entry) => [...staticImports(metafile, outBase, entry)]));
  const overview = entryOf(FIRST_PAGE);
  const styles = await extractStyleSheet(root, outDir);
  const manifest: ConsoleManifest = {
    entries: entries.map((entry) => inDir(outBase, entry)),
    preload: [...shell].map((output) => inDir(outBase, output)),
    firstPage: firstPageOutputs(metafile, outBase, overview, shell).map((output) => inDir(outBase, output)),
    styles: [styles.sheet],
    files: [...outputs.map((output) => inDir(outBase, output)), styles.sheet],
  };
  const sizes = await precompress(outDir, manifest.files);
  // A new console file is imported by one that changed, so the recorded inputs are enough to notice it.
  const inputs = new Set([...Object.keys(metafile.inputs), ...styles.inputs].filter((input) => !input.startsWith('node_modules/')));
  await writeFile(join(outDir, 'inputs.json'), JSON.stringify([...inputs]));
  await writeFile(join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  const bytes = (files: readonly string[]) => files.reduce((sum, file) => sum + (metafile.outputs[join(outBase, file)]?.bytes ?? 0), 0);
  const kib = (size: number) => `${Math.round(size / 1024)} KiB`;
  process.stdout.write(
    `console: built ${manifest.files.length} files into dist/console/ (${kib(sizes.plain)}; gzip ${kib(sizes.gz)}, brotli ${kib(sizes.br)}; ` +
      `shell ${kib(bytes([...manifest.entries, ...manifest.preload]))}, overview ${kib(bytes(manifest.firstPage))}) in ${Math.round(performance.now() - started)} ms\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

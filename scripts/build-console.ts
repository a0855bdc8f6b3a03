/**
 * Builds the web console (console/) into dist/console/console.js with esbuild: one minified bundle of
 * npm packages only (React, Ant Design, ECharts), nothing fetched at run time. Skips the build when no
 * input changed since the last one (the inputs and their times are kept in dist/console/inputs.json).
 * Run by `npm run build`; `--force` rebuilds anyway.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

/** Whether the bundle exists and no input recorded by the last build (nor package-lock.json) changed. */
async function upToDate(root: string, outDir: string): Promise<boolean> {
  const built = await mtime(join(outDir, 'console.js'));
  if (built === undefined) return false;
  let inputs: string[];
  try {
    inputs = JSON.parse(await readFile(join(outDir, 'inputs.json'), 'utf8')) as string[];
  } catch {
    return false;
  }
  const consoleFiles = await Promise.all(
    [...inputs.filter((input) => input.startsWith('console/')), 'package-lock.json'].map((input) => mtime(join(root, input))),
  );
  return consoleFiles.every((time) => time !== undefined && time <= built);
}

async function main(): Promise<void> {
  const root = await packageRoot();
  const outDir = join(root, 'dist', 'console');
  if (!process.argv.includes('--force') && (await upToDate(root, outDir))) {
    process.stdout.write('console: up to date\n');
    return;
  }
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(root, 'console/main.tsx')],
    outfile: join(outDir, 'console.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    tsconfig: resolve(root, 'console/tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // A new console file is imported by one that changed, so the recorded inputs are enough to notice it.
  await writeFile(join(outDir, 'inputs.json'), JSON.stringify(Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/'))));
  const size = (await stat(join(outDir, 'console.js'))).size;
  process.stdout.write(`console: built dist/console/console.js (${Math.round(size / 1024)} KiB) in ${Math.round(performance.now() - started)} ms\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** The file scripts/build-console.ts writes beside the bundle, naming what the page loads. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * A built file's name: content-hashed (`main-3FQ7ZK2A.js`, `chunk-WZ4KX2QJ.js` by esbuild, `styles-Xb3kQ9_pLm2A.css` by the
 * build's style extraction), so it never changes in place.
 */
export const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css)$/;

const assetName = z.string().regex(ASSET_NAME);
const moduleName = assetName.regex(/\.js$/);
const styleSheetName = assetName.regex(/\.css$/);

const manifestSchema = z.object({
  entries: z.array(moduleName).min(1),
  preload: z.array(moduleName),
  firstPage: z.array(moduleName),
  styles: z.array(styleSheetName),
  files: z.array(assetName),
});

/**
 * What a console build produced: `entries` are the modules the page runs, in order, `preload` the chunks they import
 * before it can start (fetched at once beside it), `firstPage` the further chunks of the overview (where
 * sign-in lands), `files` every output, each also stored gzip- and brotli-compressed (`<file>.gz`, `<file>.br`).
 */
export type ConsoleManifest = z.infer<typeof manifestSchema>;

/** The manifest in `bundleDir`; undefined when the console is not built (no manifest, or not one a build wrote). */
export async function readConsoleManifest(bundleDir: string): Promise<ConsoleManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(bundleDir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

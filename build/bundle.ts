// Bundles the Electron side into out/app/ as plain CommonJS: Electron's Node may not strip
// TypeScript types, the packaged app loads from an asar, and a sandboxed preload must be one
// script that requires nothing but 'electron'. Native modules stay external: they are loaded from
// node_modules (unpacked from the asar) at run time.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const appOutDir = join(root, 'out', 'app');

export const nativeExternals = ['electron', 'better-sqlite3-multiple-ciphers', '@node-rs/argon2'];

// Entry points and the file each becomes in out/app/.
export const nodeEntries = {
  main: 'electron/main.ts',
  'session-worker': 'db/engine/session-worker.ts',
  'job-worker': 'db/engine/job-worker.ts',
} as const;
export const preloadEntry = 'electron/preload.ts';

// The bundles are CommonJS, where import.meta does not exist; code that asks for its own URL
// (the engine, main.ts) gets the bundle file's URL instead.
const importMetaShim = "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;";

function sourceDirs(): string[] {
  return ['electron', 'db'].map((d) => join(root, d));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

// True when any bundle is missing or older than a source it may contain.
export function bundleIsStale(outDir = appOutDir): boolean {
  const outputs = [...Object.keys(nodeEntries), 'preload'].map((n) => join(outDir, `${n}.js`));
  if (!outputs.every((p) => existsSync(p))) return true;
  const oldestOut = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return sourceDirs().some((d) => newestMtime(d) > oldestOut);
}

export async function bundle(outDir = appOutDir): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const common: BuildOptions = {
    absWorkingDir: root,
    bundle: true,
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    outdir: outDir,
    entryNames: '[name]',
  };
  await build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).map(([name, src]) => [name, join(root, src)])),
    platform: 'node',
    // Electron 45 ships Node 22.
    target: 'node22',
    external: nativeExternals,
    banner: { js: importMetaShim },
    define: { 'import.meta.url': '__importMetaUrl' },
  });
  // The sandboxed preload runs in a renderer with a trimmed require(): browser platform so that no
  // Node built-in can slip in, 'electron' the only external.
  await build({
    ...common,
    entryPoints: { preload: join(root, preloadEntry) },
    platform: 'browser',
    target: 'chrome140',
    external: ['electron'],
  });
  // out/app sits under the repository's "type": "module" package.json; this marks the bundles as
  // CommonJS wherever they are loaded from (dev tree or the asar).
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  return [...Object.keys(nodeEntries), 'preload'].map((n) => relative(root, join(outDir, `${n}.js`)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await bundle();
  console.log(`Privacy Desk: собрано в out/app: ${files.map((f) => f.replace(/^out\/app\//, '')).join(', ')}`);
}

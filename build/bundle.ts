// Bundles the Electron side into out/app/ as plain CommonJS: Electron's Node may not strip
// TypeScript types, the packaged app loads from an asar, and a sandboxed preload must be one
// script that requires nothing but 'electron'. Native modules stay external: their packages are
// copied next to the bundles (out/app/node_modules) and unpacked from the asar at run time.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const appOutDir = join(root, 'out', 'app');

export const nativeExternals = ['electron', 'better-sqlite3-multiple-ciphers', '@node-rs/argon2'];
// Packages that read their own data files from __dirname at run time (pdfkit's AFM metrics,
// linebreak's and fontkit's tries, the DejaVu fonts, exceljs's templates): bundled, those paths would
// point into out/app and fail, so they stay external and travel whole with their dependencies.
export const fileReadingExternals = ['pdfkit', 'exceljs', 'dejavu-fonts-ttf'];

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

// `platform`: whose native binaries travel (the packaging target; the running OS by default).
export async function bundle(outDir = appOutDir, platform: NodeJS.Platform = process.platform): Promise<string[]> {
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
    external: [...nativeExternals, ...fileReadingExternals],
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
  copyNativePackages(outDir, platform);
  return [...Object.keys(nodeEntries), 'preload'].map((n) => relative(root, join(outDir, `${n}.js`)));
}

// The external packages, copied beside the bundles, so packaging takes exactly these files instead
// of whatever electron-builder's `npm list`-based collector makes of node_modules (in a fresh install
// it reported the tree as broken and silently dropped argon2's platform package). The native ones
// carry only their loaders and the target platform's binaries (argon2's come as per-platform
// packages that npm installs only on their own platform); the others travel whole with the closure
// of their production dependencies.
export function nativePackageDirs(platform: NodeJS.Platform): string[] {
  const nodeRs = join(root, 'node_modules', '@node-rs');
  const argonPlatforms = existsSync(nodeRs) ? readdirSync(nodeRs).filter((d) => d.startsWith(`argon2-${platform}-`)).map((d) => `@node-rs/${d}`) : [];
  return ['better-sqlite3-multiple-ciphers', '@node-rs/argon2', ...argonPlatforms];
}

// Production dependency closure, resolved the way Node does: from the requiring package's folder
// up through every enclosing node_modules to the top level (npm hoists, but keeps conflicting
// versions nested; a nested copy travels inside its parent's folder).
export function dependencyClosure(names: readonly string[]): string[] {
  const top = join(root, 'node_modules');
  const seen = new Set<string>();
  const base = join(root, '.');
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = join(from, '.'); dir.startsWith(base); dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dir === base) break;
    }
    return undefined;
  };
  const visit = (name: string, from: string) => {
    const dir = resolve(name, from);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, dir);
  };
  for (const n of names) visit(n, root);
  return [...seen].map((d) => relative(top, d)).filter((r) => !r.includes('node_modules'));
}

function copyNativePackages(outDir: string, platform: NodeJS.Platform): void {
  const target = join(outDir, 'node_modules');
  rmSync(target, { recursive: true, force: true });
  const keep = /(^|\/)(package\.json|LICENSE|index\.js|lib(\/.*)?|[^/]+\.node)$/;
  // better-sqlite3's prebuilds are named <platform>-<arch>.node (linuxmusl- too on Linux).
  const prebuild = new RegExp(`^prebuilds/${platform}(musl)?-[^/]+\\.node$`);
  for (const pkg of nativePackageDirs(platform)) {
    const from = join(root, 'node_modules', pkg);
    cpSync(from, join(target, pkg), {
      recursive: true,
      filter: (src) => {
        const rel = relative(from, src).split('\\').join('/');
        if (rel === '' || statSync(src).isDirectory()) return !/^(src|deps|test|benchmark|docs)(\/|$)/.test(rel);
        return rel.startsWith('prebuilds/') ? prebuild.test(rel) : keep.test(rel);
      },
    });
  }
  for (const pkg of dependencyClosure(fileReadingExternals)) {
    cpSync(join(root, 'node_modules', pkg), join(target, pkg), { recursive: true, filter: (src) => !/\.(md|map|ts)$/.test(src) });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await bundle();
  console.log(`Privacy Desk: собрано в out/app: ${files.map((f) => f.replace(/^out\/app\//, '')).join(', ')}`);
}

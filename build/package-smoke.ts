// Smoke packaging run: electron-builder `--linux dir` with build/electron-builder.json, against a
// stand-in Electron distribution (the real runtime cannot be downloaded here). It proves the
// packaging layout — the app's bundles, the renderer and package.json inside resources/app.asar,
// the native modules in resources/app.asar.unpacked where Electron's asar loader redirects
// require() — not that Electron runs. Fuses are switched off for the stand-in: flipping them needs
// the sentinel string inside a real Electron binary.
//
// Runs in a scratch project (a copy of package.json, node_modules linked) so it never touches
// out/ of the working tree while other builds use it. `node build/package-smoke.ts [--keep]`.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, root } from './bundle.ts';

export interface SmokeResult {
  workDir: string;
  appOutDir: string;
  asarPath: string;
  // Paths inside app.asar, '/'-separated without a leading slash.
  asarFiles: string[];
  // Files marked unpacked in the asar header.
  unpackedInHeader: string[];
  // Files that exist under app.asar.unpacked on disk.
  unpackedOnDisk: string[];
  packagedPackageJson: { name?: string; main?: string; type?: string; scripts?: unknown };
  // Files electron-builder put in its download cache during the run (should stay empty).
  downloads: string[];
  log: string;
  ms: number;
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, base));
    else out.push(p.slice(base.length + 1).split('\\').join('/'));
  }
  return out;
}

// What electron-builder copies for Linux: an `electron` executable (renamed to executableName),
// resources/ next to it, Electron's LICENSE and version file.
export function makeElectronStandIn(dir: string, version: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  writeFileSync(join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron runtime: not runnable" >&2\nexit 1\n');
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n');
  writeFileSync(join(dir, 'version'), version);
  writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
  writeFileSync(join(dir, 'locales', 'ru.pak'), '');
  return dir;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

export async function packageSmoke(o: { workDir?: string; timeoutMs?: number } = {}): Promise<SmokeResult> {
  const t0 = performance.now();
  const work = o.workDir ?? mkdtempSync(join(tmpdir(), 'pdesk-pack-'));
  const project = join(work, 'project');
  mkdirSync(project, { recursive: true });
  copyFileSync(join(root, 'package.json'), join(project, 'package.json'));
  if (existsSync(join(root, 'package-lock.json'))) copyFileSync(join(root, 'package-lock.json'), join(project, 'package-lock.json'));
  if (!existsSync(join(project, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');

  await bundle(join(project, 'out', 'app'));
  const vite = spawnSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '--outDir', join(project, 'out', 'renderer'), '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (vite.status !== 0) throw new Error(`vite build failed:\n${vite.stdout}\n${vite.stderr}`);

  const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
  const dist = makeElectronStandIn(join(work, 'electron-dist'), electronVersion);
  const config = JSON.parse(readFileSync(join(root, 'build', 'electron-builder.json'), 'utf8')) as Record<string, unknown>;
  const smokeConfig = {
    ...config,
    electronDist: dist,
    electronVersion,
    npmRebuild: false,
    // @electron/fuses rewrites a sentinel inside the real binary; the stand-in has none.
    electronFuses: null,
    directories: { ...(config.directories as object), output: join(work, 'dist') },
  };
  const configPath = join(work, 'electron-builder.smoke.json');
  writeFileSync(configPath, JSON.stringify(smokeConfig, null, 2));

  const cache = join(work, 'cache');
  mkdirSync(cache, { recursive: true });
  const env = { ...process.env, ELECTRON_BUILDER_CACHE: cache, ELECTRON_CACHE: join(cache, 'electron'), CI: '1', USE_HARD_LINKS: 'false' };
  const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
  const r = await run(process.execPath, [cli, '--linux', 'dir', '--x64', '--projectDir', project, '--config', configPath, '--publish', 'never'], project, env, o.timeoutMs ?? 120_000);
  if (r.code !== 0) throw new Error(`electron-builder failed (exit ${r.code}):\n${r.out}`);

  const appOutDir = join(work, 'dist', 'linux-unpacked');
  const asarPath = join(appOutDir, 'resources', 'app.asar');
  const asar = (await import('@electron/asar')) as typeof import('@electron/asar');
  const asarFiles = asar
    .listPackage(asarPath, { isPack: false })
    .map((p) => p.split('\\').join('/').replace(/^\//, ''))
    .filter((p) => {
      try {
        return !('files' in asar.statFile(asarPath, p));
      } catch {
        return false;
      }
    });
  const unpackedInHeader = asarFiles.filter((p) => (asar.statFile(asarPath, p) as { unpacked?: boolean }).unpacked === true);
  const packagedPackageJson = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as SmokeResult['packagedPackageJson'];
  asar.uncacheAll();
  return {
    workDir: work,
    appOutDir,
    asarPath,
    asarFiles,
    unpackedInHeader,
    unpackedOnDisk: walk(join(appOutDir, 'resources', 'app.asar.unpacked')),
    packagedPackageJson,
    downloads: walk(cache),
    log: r.out,
    ms: Math.round(performance.now() - t0),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const keep = process.argv.includes('--keep');
  const result = await packageSmoke();
  const must = ['out/app/main.js', 'out/app/preload.js', 'out/app/session-worker.js', 'out/app/job-worker.js', 'out/renderer/index.html', 'package.json'];
  const missing = must.filter((f) => !result.asarFiles.includes(f));
  const native = result.unpackedOnDisk.filter((f) => f.endsWith('.node'));
  console.log(`Privacy Desk: пробная упаковка за ${(result.ms / 1000).toFixed(1)} с → ${result.appOutDir}`);
  console.log(`  в app.asar: ${result.asarFiles.length} файлов; main = ${result.packagedPackageJson.main}`);
  console.log(`  распакованы рядом с app.asar: ${native.join(', ') || 'нет'}`);
  console.log(`  загрузок во время сборки: ${result.downloads.length}`);
  if (!keep) rmSync(result.workDir, { recursive: true, force: true });
  if (missing.length || native.length === 0) {
    console.error(`Не хватает в пакете: ${[...missing, ...(native.length ? [] : ['*.node'])].join(', ')}`);
    process.exit(1);
  }
}

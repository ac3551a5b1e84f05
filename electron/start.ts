// `npm start`: the desktop window when the Electron runtime is installed, otherwise — it cannot be
// downloaded everywhere — one line saying so and how to get it, then the same app in browser
// mode. Either way the renderer is built first when its output is missing or older than its
// sources, and the Electron side is bundled (Electron's Node does not strip types).
//
//   npm start [-- --db FILE] [--port N] [--no-open]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, bundleIsStale, root } from '../build/bundle.ts';
import { type BrowserMode, parseBrowserArgs, runBrowserMode } from './browser-main.ts';
import { electronRuntime } from './runtime.ts';

export const rendererOutDir = join(root, 'out', 'renderer');
export const rendererSources = [join(root, 'renderer'), join(root, 'vite.config.ts')];
export const bundledMain = join(root, 'out', 'app', 'main.js');

export const missingRuntimeLine =
  'Privacy Desk: среда Electron не установлена, поэтому программа откроется в браузере. Чтобы получить окно программы, выполните npm run fetch-electron на компьютере с доступом к серверу загрузки Electron (или укажите зеркало в переменной ELECTRON_MIRROR).';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

// True when out/renderer has no index.html or any renderer source is newer than it.
export function rendererIsStale(outDir = rendererOutDir, sources = rendererSources): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

export function buildRenderer(): void {
  const vite = join(root, 'node_modules', '.bin', 'vite');
  const r = spawnSync(vite, ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('Не удалось собрать интерфейс программы (vite build).');
}

export interface StartDeps {
  electronRuntime: () => string | null;
  ensureRenderer: () => void | Promise<void>;
  ensureBundle: () => void | Promise<void>;
  spawnElectron: (binary: string, args: string[]) => ChildProcess;
  runBrowser: (argv: string[]) => Promise<BrowserMode>;
  log: (line: string) => void;
}

export const defaultDeps: StartDeps = {
  electronRuntime,
  ensureRenderer: () => {
    if (rendererIsStale()) buildRenderer();
  },
  ensureBundle: async () => {
    if (bundleIsStale()) await bundle();
  },
  spawnElectron: (binary, args) => {
    const env = { ...process.env };
    // Set, it would make Electron a plain Node and ignore the app.
    delete env.ELECTRON_RUN_AS_NODE;
    return spawn(binary, args, { stdio: 'inherit', env });
  },
  runBrowser: (argv) => runBrowserMode(parseBrowserArgs(argv)),
  log: (line) => console.log(line),
};

export type StartResult = { mode: 'electron'; child: ChildProcess } | { mode: 'browser'; browser: BrowserMode };

export async function start(argv: string[], deps: StartDeps = defaultDeps): Promise<StartResult> {
  const binary = deps.electronRuntime();
  if (!binary) deps.log(missingRuntimeLine);
  await deps.ensureRenderer();
  if (binary) {
    await deps.ensureBundle();
    const args = argv.filter((a) => a !== '--no-open');
    return { mode: 'electron', child: deps.spawnElectron(binary, [bundledMain, ...args]) };
  }
  const open = !argv.includes('--no-open') && process.env.PRIVACY_DESK_NO_OPEN !== '1';
  const rest = argv.filter((a) => a !== '--no-open' && a !== '--open');
  return { mode: 'browser', browser: await deps.runBrowser(open ? ['--open', ...rest] : rest) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = await start(process.argv.slice(2));
    if (result.mode === 'electron') {
      const { child } = result;
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
      child.on('error', (err) => {
        console.error(`Privacy Desk: не удалось запустить Electron: ${err.message}`);
        process.exit(1);
      });
    } else {
      const shutdown = () => {
        result.browser.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    }
  } catch (err) {
    const code = (err as { code?: string })?.code;
    console.error(
      code === 'EADDRINUSE'
        ? 'Privacy Desk: порт занят — укажите другой (npm start -- --port N) или не указывайте порт.'
        : `Privacy Desk: не удалось запустить программу. ${(err as Error)?.message ?? ''}`.trim(),
    );
    process.exit(1);
  }
}

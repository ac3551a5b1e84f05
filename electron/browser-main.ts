// Browser mode from the command line:
//   node electron/browser-main.ts [--port N] [--db FILE] [--static DIR] [--open]
// Starts the engine and the loopback host, prints the one-time link, and opens it in the default
// browser when asked and one is available. Ctrl+C locks the register and stops.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../db/engine/engine.ts';
import { defaultDbPath } from '../db/paths.ts';
import { type BrowserHost, startBrowserHost } from './browser-host.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultStaticDir = join(repoRoot, 'out', 'renderer');

export interface BrowserModeOptions {
  port: number;
  dbPath: string;
  staticDir: string;
  open: boolean;
}

export const usage = `Использование: node electron/browser-main.ts [--port N] [--db ФАЙЛ] [--static ПАПКА] [--open]
  --port N        порт на 127.0.0.1 (по умолчанию — любой свободный)
  --db ФАЙЛ       файл реестра (по умолчанию — PRIVACY_DESK_DB или папка данных пользователя)
  --static ПАПКА  собранный интерфейс (по умолчанию out/renderer)
  --open          открыть ссылку в браузере`;

export function parseBrowserArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BrowserModeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      db: { type: 'string' },
      static: { type: 'string' },
      open: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Неверный порт: ${values.port}. Укажите число от 0 до 65535.`);
  return {
    port,
    dbPath: resolve(values.db ?? defaultDbPath({ env })),
    staticDir: resolve(values.static ?? defaultStaticDir),
    open: values.open ?? false,
  };
}

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not here.
    }
  }
  return false;
}

// The OS's own opener; false when there is none (a server without a desktop).
export function openInBrowser(url: string): boolean {
  let command: string;
  let args: string[];
  if (process.platform === 'win32') {
    // Not `cmd /c start`: cmd would parse the URL.
    command = 'rundll32';
    args = ['url.dll,FileProtocolHandler', url];
  } else if (process.platform === 'darwin') {
    command = 'open';
    args = [url];
  } else {
    const opener = ['xdg-open', 'sensible-browser', 'x-www-browser'].find(onPath);
    if (!opener) return false;
    command = opener;
    args = [url];
  }
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export interface BrowserMode {
  host: BrowserHost;
  engine: Engine;
  stop(): Promise<void>;
}

export async function runBrowserMode(o: BrowserModeOptions, log: (line: string) => void = console.log): Promise<BrowserMode> {
  mkdirSync(dirname(o.dbPath), { recursive: true, mode: 0o700 });
  if (!existsSync(join(o.staticDir, 'index.html'))) {
    log(`Интерфейс не собран (нет ${join(o.staticDir, 'index.html')}): страницы будут недоступны, API работает.`);
  }
  const engine = new Engine({ dbPath: o.dbPath });
  const host = await startBrowserHost({ engine, port: o.port, staticDir: o.staticDir });
  log(`Privacy Desk, браузерный режим: ${host.url}`);
  log('Ссылка одноразовая и действует только на этом компьютере. Остановить: Ctrl+C.');
  if (o.open && !openInBrowser(host.url)) log('Браузер не найден: откройте ссылку вручную.');
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await host.close();
      await engine.dispose();
    })();
    return stopping;
  };
  return { host, engine, stop };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(usage);
    return;
  }
  let options: BrowserModeOptions;
  try {
    options = parseBrowserArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const mode = await runBrowserMode(options);
  const shutdown = () => {
    mode.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    // The port in use is the one failure a user can fix; anything else stays terse.
    const code = (err as { code?: string })?.code;
    console.error(code === 'EADDRINUSE' ? 'Порт занят: укажите другой (--port) или не указывайте порт.' : 'Не удалось запустить браузерный режим.');
    process.exit(1);
  });
}

// Electron main process: one locked-down window over the register engine. Runs bundled
// (out/app/main.js, see build/bundle.ts); the engine's connection and key live in worker threads.
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, dialog, protocol, session } from 'electron';
import { Engine } from '../db/engine/engine.ts';
import type { WorkerConfig } from '../db/engine/protocol.ts';
import { defaultDbPath } from '../db/paths.ts';
import { createHostCore, type HostCore, type HostEngine, type HostMessage, type HostReply } from './host-core.ts';
import { createIdleLock, type IdleLock } from './idle-lock.ts';
import { notifyLocked, registerIpc } from './ipc.ts';
import { appEntryUrl, appScheme, createAppProtocolHandler, createMainWindow, focusWindow, hardenContents, hardenSession, registerAppScheme } from './window.ts';

export type MainEngine = HostEngine & { dispose(): Promise<void> };

export interface MainOptions {
  dbPath?: string;
  // Folder holding main.js, preload.js and the worker bundles (out/app); the renderer is ../renderer.
  appDir?: string;
  createEngine?: (config: WorkerConfig) => MainEngine;
  idlePollMs?: number;
}

export interface MainApp {
  window: () => BrowserWindow | null;
  engine: MainEngine;
  core: HostCore;
  idleLock: IdleLock;
  dbPath: string;
}

const here = dirname(fileURLToPath(import.meta.url));

export const texts = {
  startTitle: 'Privacy Desk не запускается',
  openTitle: 'Реестр не открывается',
  noRenderer: 'Интерфейс программы не найден. Переустановите программу (или соберите её: npm start).',
  unexpected:
    'Программа не может продолжить работу из-за внутренней ошибки. Данные реестра не изменены. Перезапустите программу; если ошибка повторится, обратитесь к администратору.',
  openAdvice:
    'Проверьте, что файл реестра и файл ключей рядом с ним на месте и доступны. Если файл повреждён, восстановите его из резервной копии (см. раздел «Резервные копии» в руководстве администратора).',
} as const;

// Failures of unlock/recover/create that mean "this file cannot be opened", as opposed to a wrong
// password: they get a dialog on top of the message the UI shows.
export const openFailureCodes = new Set(['not_a_register', 'keyring_damaged', 'newer_schema', 'io_error', 'register_missing', 'internal']);

// Checked before the window opens, so the user meets a dialog and not a blank screen when the
// register's folder or file is out of reach. Returns a Russian reason or null.
export function checkRegisterAccess(dbPath: string): string | null {
  const dir = dirname(dbPath);
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return `Не удалось создать папку для реестра: ${dir}. Проверьте права на запись в эту папку.`;
  }
  try {
    if (!statSync(dir).isDirectory()) return `Путь к папке реестра занят файлом: ${dir}.`;
  } catch {
    return `Папка реестра недоступна: ${dir}.`;
  }
  if (!existsSync(dbPath)) return null;
  try {
    if (!statSync(dbPath).isFile()) return `По пути реестра находится не файл: ${dbPath}.`;
    closeSync(openSync(dbPath, 'r+'));
  } catch {
    return `Файл реестра недоступен для чтения и записи: ${dbPath}. Возможно, нет прав доступа или файл открыт другой программой.`;
  }
  return null;
}

function workerFiles(appDir: string): WorkerConfig['workerFiles'] {
  const session = join(appDir, 'session-worker.js');
  const job = join(appDir, 'job-worker.js');
  // Run from sources (tests), the engine finds its .ts workers itself.
  return existsSync(session) && existsSync(job) ? { session, job } : undefined;
}

function dbPathFromArgs(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--db=')) return a.slice(5);
    if (a === '--db' && argv[i + 1]) return argv[i + 1];
  }
  return undefined;
}

function showStartupError(message: string): void {
  dialog.showErrorBox(texts.startTitle, message);
}

export async function main(o: MainOptions = {}): Promise<MainApp | null> {
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // The first instance gets 'second-instance' and comes to the front.
    app.quit();
    return null;
  }
  app.enableSandbox();

  let win: BrowserWindow | null = null;
  app.on('second-instance', () => focusWindow(win));
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();

  const appDir = o.appDir ?? here;
  const rendererDir = join(appDir, '..', 'renderer');
  const dbPath = o.dbPath ?? dbPathFromArgs(process.argv) ?? defaultDbPath();
  try {
    const problem = checkRegisterAccess(dbPath);
    if (problem) {
      showStartupError(problem);
      app.quit();
      return null;
    }
    if (!existsSync(join(rendererDir, 'index.html'))) {
      showStartupError(texts.noRenderer);
      app.quit();
      return null;
    }

    const config: WorkerConfig = { dbPath, workerFiles: workerFiles(appDir) };
    const engine = o.createEngine ? o.createEngine(config) : new Engine(config);
    const core = createHostCore(engine);

    hardenSession(session.defaultSession);
    protocol.handle(appScheme, createAppProtocolHandler(rendererDir));

    win = createMainWindow({ preloadPath: join(appDir, 'preload.js'), devTools: !app.isPackaged });
    const idleLock = createIdleLock({
      isUnlocked: () => engine.status().unlocked,
      // Through the core, so running jobs are cancelled and no borrowed key outlives the lock.
      lock: () => core.lock({}),
      notify: () => notifyLocked(win),
      pollMs: o.idlePollMs,
    });

    const refreshIdleLimit = async () => {
      try {
        const s = (await engine.call('settings.get', {})) as { general?: { idleLockMinutes?: number } };
        if (typeof s.general?.idleLockMinutes === 'number') idleLock.setLimitMinutes(s.general.idleLockMinutes);
      } catch {
        // Keep the current limit: a settings read must not stop the desk from working.
      }
    };

    const onReply = (message: HostMessage, reply: HostReply, payload: unknown) => {
      if (reply.ok) {
        const op = (payload as { op?: unknown } | null)?.op;
        if (message === 'unlock' || (message === 'call' && op === 'settings.setGeneral')) void refreshIdleLimit();
        return;
      }
      if ((message === 'unlock' || message === 'recover' || message === 'create') && openFailureCodes.has(reply.error.code)) {
        const options = {
          type: 'error' as const,
          title: texts.openTitle,
          message: reply.error.message,
          detail: `${texts.openAdvice}\n\nФайл реестра: ${dbPath}`,
        };
        void (win && !win.isDestroyed() ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options)).catch(() => undefined);
      }
    };
    registerIpc({ core, window: () => win, onReply });

    const current = win;
    current.on('closed', () => {
      if (win === current) win = null;
      core.cancelAll();
    });
    // A crashed renderer has lost its state; whatever it had unlocked is locked again.
    current.webContents.on('render-process-gone', () => void idleLock.lockNow('idle'));

    let disposed = false;
    app.on('will-quit', (event) => {
      if (disposed) return;
      disposed = true;
      event.preventDefault();
      idleLock.dispose();
      // Close the connection cleanly (checkpoint) before the process goes.
      void engine
        .dispose()
        .catch(() => undefined)
        .finally(() => app.quit());
    });

    await current.loadURL(appEntryUrl);
    return { window: () => win, engine, core, idleLock, dbPath };
  } catch (err) {
    console.error('[privacy-desk main]', err instanceof Error ? err.stack : err);
    showStartupError(texts.unexpected);
    app.quit();
    return null;
  }
}

// Auto-start only inside Electron; tests import this module with a mocked 'electron'.
if (process.versions.electron) {
  process.on('uncaughtException', (err) => {
    console.error('[privacy-desk main]', err?.stack ?? err);
    try {
      showStartupError(texts.unexpected);
    } finally {
      app.exit(1);
    }
  });
  void main();
}

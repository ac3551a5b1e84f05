import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, fakeEvent } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule);

const { main, checkRegisterAccess, texts } = await import('./main.ts');

const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const actor = { id: 1, login: 'admin', fullName: 'Админова Әлия', role: 'administrator' as const, disabled: false };

let dir = '';
let app: Awaited<ReturnType<typeof main>> = null;

beforeEach(() => {
  fake.reset();
  dir = mkdtempSync(join(tmpdir(), 'pdesk-main-'));
  mkdirSync(join(dir, 'app'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Privacy Desk</title>');
});
afterEach(() => {
  app?.idleLock.dispose();
  app = null;
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function fakeEngine() {
  let unlocked = false;
  const engine = {
    status: vi.fn(() => ({ registerExists: true, unlocked, actor: unlocked ? actor : null })),
    create: vi.fn(async () => ({ registerId: 'r1', recoveryCode: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE' })),
    unlock: vi.fn(async (): Promise<typeof actor> => {
      unlocked = true;
      return actor;
    }),
    recover: vi.fn(async () => undefined),
    lock: vi.fn(async () => {
      unlocked = false;
    }),
    call: vi.fn(async (op: string): Promise<unknown> => (op === 'settings.get' ? { general: { idleLockMinutes: 2 } } : { ok: true })),
    dispose: vi.fn(async () => undefined),
  };
  return engine;
}

async function start(engine = fakeEngine(), o: { idlePollMs?: number } = {}) {
  app = await main({ dbPath: join(dir, 'data', 'register.pdesk'), appDir: join(dir, 'app'), createEngine: () => engine, ...o });
  const win = fake.BrowserWindow.instances[0]!;
  const ours = () => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame });
  const invoke = (message: string, payload: unknown, event: unknown = ours()) =>
    fake.ipcMain.handlers.get(`register:${message}`)!(event, payload) as Promise<any>;
  return { engine, win, invoke };
}

describe('main process', () => {
  it('opens one hardened window on app://privacy-desk with the bundled preload', async () => {
    const { win } = await start();
    expect(app).not.toBeNull();
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const prefs = win.options.webPreferences;
    expect([prefs.contextIsolation, prefs.sandbox, prefs.nodeIntegration, prefs.webSecurity]).toEqual([true, true, false, true]);
    expect(prefs.preload).toBe(join(dir, 'app', 'preload.js'));
    expect(win.loadURL).toHaveBeenCalledExactlyOnceWith('app://privacy-desk/index.html');
    expect(fake.app.enableSandbox).toHaveBeenCalled();
    // Scheme registered before ready, served by our handler, with the CSP.
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalled();
    expect(fake.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]!).toBeLessThan(fake.app.whenReady.mock.invocationCallOrder[0]!);
    const res = await fake.protocol.handlers.get('app')!(new Request('app://privacy-desk/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(csp);
    // Session hardened: permissions denied, CSP on headers.
    const ses = fake.session.defaultSession;
    const cb = vi.fn();
    ses.permissionRequestHandler!({}, 'media', cb, {});
    expect(cb).toHaveBeenCalledWith(false);
    expect(ses.permissionCheckHandler!({}, 'notifications', 'app://privacy-desk', {})).toBe(false);
    const hcb = vi.fn();
    ses.headersReceived!({ responseHeaders: {} }, hcb);
    expect(hcb.mock.calls[0]![0].responseHeaders['Content-Security-Policy']).toEqual([csp]);
    // Navigation fenced on the window's contents, and on any contents created later.
    const nav = fakeEvent({ url: 'https://evil.example/' });
    win.webContents.emit('will-navigate', nav, nav.url);
    expect(nav.defaultPrevented).toBe(true);
    expect(win.webContents.windowOpenHandler!({ url: 'app://privacy-desk/x' })).toEqual({ action: 'deny' });
    const later = new (await import('./fake-electron.ts')).FakeWebContents();
    fake.app.emit('web-contents-created', {}, later);
    expect(later.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('quits when another instance holds the lock, without opening a window', async () => {
    fake.state.gotLock = false;
    const engine = fakeEngine();
    const result = await main({ dbPath: join(dir, 'r.pdesk'), appDir: join(dir, 'app'), createEngine: () => engine });
    expect(result).toBeNull();
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.app.whenReady).not.toHaveBeenCalled();
  });

  it('brings the first window back when a second launch happens', async () => {
    const { win } = await start();
    win.minimized = true;
    fake.app.emit('second-instance', fakeEvent(), ['privacy-desk'], '/');
    expect(win.restore).toHaveBeenCalledTimes(1);
    expect(win.focus).toHaveBeenCalledTimes(1);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
  });

  it('forwards IPC from our frame and refuses a foreign one without touching the engine', async () => {
    const { engine, win, invoke } = await start();
    expect(await invoke('unlock', { login: 'admin', password: 'pw-pw-pw-pw' })).toEqual({ ok: true, value: actor });
    const evil = { sender: win.webContents, senderFrame: { ...win.webContents.mainFrame, url: 'https://evil.example/' } };
    expect((await invoke('call', { callId: 'c1', op: 'persons.search', input: {} }, evil)).error.code).toBe('forbidden');
    expect(engine.call.mock.calls.filter((c) => c[0] === 'persons.search')).toHaveLength(0);
  });

  it('reads the idle limit after unlock and locks after that much idle time', async () => {
    vi.useFakeTimers();
    const { engine, win, invoke } = await start(fakeEngine(), { idlePollMs: 1000 });
    await invoke('unlock', { login: 'admin', password: 'pw-pw-pw-pw' });
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.call).toHaveBeenCalledWith('settings.get', {});
    expect(app!.idleLock.limitMinutes()).toBe(2);
    fake.state.idleSeconds = 119;
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.lock).not.toHaveBeenCalled();
    fake.state.idleSeconds = 120;
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.lock).toHaveBeenCalledTimes(1);
    expect(win.webContents.send).toHaveBeenCalledWith('register:locked');
  });

  it('locks at once on OS lock-screen and suspend', async () => {
    const { engine, win, invoke } = await start();
    for (const event of ['lock-screen', 'suspend']) {
      await invoke('unlock', { login: 'admin', password: 'pw-pw-pw-pw' });
      engine.lock.mockClear();
      win.webContents.send.mockClear();
      fake.powerMonitor.emit(event);
      await vi.waitFor(() => expect(win.webContents.send).toHaveBeenCalledWith('register:locked'));
      expect(engine.lock).toHaveBeenCalledTimes(1);
    }
  });

  it('shows a dialog, not a crash, when the register folder cannot be used', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where the folder should be');
    const engine = fakeEngine();
    const result = await main({ dbPath: join(dir, 'blocker', 'register.pdesk'), appDir: join(dir, 'app'), createEngine: () => engine });
    expect(result).toBeNull();
    expect(fake.dialog.showErrorBox).toHaveBeenCalledTimes(1);
    const [title, message] = fake.dialog.showErrorBox.mock.calls[0]!;
    expect(title).toBe('Privacy Desk не запускается');
    expect(message).toMatch(/^Не удалось создать папку для реестра/);
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.BrowserWindow.instances).toHaveLength(0);
  });

  it('shows a dialog when the register file is not readable or is a folder', () => {
    mkdirSync(join(dir, 'register.pdesk'));
    expect(checkRegisterAccess(join(dir, 'register.pdesk'))).toMatch(/^По пути реестра находится не файл/);
    expect(checkRegisterAccess(join(dir, 'fresh', 'register.pdesk'))).toBeNull();
  });

  it('shows a dialog, not a crash, when starting throws', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const result = await main({
      dbPath: join(dir, 'r.pdesk'),
      appDir: join(dir, 'app'),
      createEngine: () => {
        throw new Error('boom');
      },
    });
    expect(result).toBeNull();
    expect(fake.dialog.showErrorBox).toHaveBeenCalledExactlyOnceWith('Privacy Desk не запускается', texts.unexpected);
    expect(fake.app.quit).toHaveBeenCalled();
    expect(quiet).toHaveBeenCalled();
    quiet.mockRestore();
  });

  it('shows a dialog when the renderer was never built', async () => {
    rmSync(join(dir, 'renderer'), { recursive: true });
    expect(await main({ dbPath: join(dir, 'r.pdesk'), appDir: join(dir, 'app'), createEngine: () => fakeEngine() })).toBeNull();
    expect(fake.dialog.showErrorBox).toHaveBeenCalledExactlyOnceWith('Privacy Desk не запускается', texts.noRenderer);
  });

  it('shows a dialog when unlock finds the file cannot be opened, and none for a wrong password', async () => {
    const { RegisterError } = await import('../db/errors.ts');
    const engine = fakeEngine();
    const { invoke } = await start(engine);
    engine.unlock.mockRejectedValueOnce(new RegisterError('auth_failed'));
    expect((await invoke('unlock', { login: 'admin', password: 'wrong-wrong' })).error.code).toBe('auth_failed');
    expect(fake.dialog.showMessageBox).not.toHaveBeenCalled();
    engine.unlock.mockRejectedValueOnce(new RegisterError('not_a_register'));
    const reply = await invoke('unlock', { login: 'admin', password: 'pw-pw-pw-pw' });
    expect(reply).toEqual({ ok: false, error: { code: 'not_a_register', message: 'Файл не является реестром Privacy Desk или повреждён.' } });
    expect(fake.dialog.showMessageBox).toHaveBeenCalledTimes(1);
    const options = fake.dialog.showMessageBox.mock.calls[0]!.at(-1) as unknown as { type: string; title: string; message: string };
    expect(options).toMatchObject({ type: 'error', title: 'Реестр не открывается', message: 'Файл не является реестром Privacy Desk или повреждён.' });
  });

  it('closes the engine cleanly before quitting', async () => {
    const { engine } = await start();
    const e = fakeEvent();
    fake.app.emit('will-quit', e);
    expect(e.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(engine.dispose).toHaveBeenCalledTimes(1);
    const again = fakeEvent();
    fake.app.emit('will-quit', again);
    expect(again.defaultPrevented).toBe(false);
  });
});

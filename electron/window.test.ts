import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy as browserCsp } from './browser-host.ts';
import { FakeWebContents, fake, fakeEvent } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule);

const w = await import('./window.ts');

const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

let dir = '';
beforeEach(() => fake.reset());
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('window options', () => {
  it('turns on every isolation flag and loads the bundled preload', () => {
    const win = w.createMainWindow({ preloadPath: '/opt/pd/out/app/preload.js' }) as unknown as InstanceType<typeof fake.BrowserWindow>;
    const prefs = win.options.webPreferences;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.preload).toBe('/opt/pd/out/app/preload.js');
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.devTools).toBe(false);
    expect('enableRemoteModule' in prefs).toBe(false);
    expect(win.options.title).toBe('Privacy Desk');
  });

  it('keeps the page title (which may hold a name) out of the OS window title', () => {
    const win = w.createMainWindow({ preloadPath: '/p.js' }) as unknown as InstanceType<typeof fake.BrowserWindow>;
    const e = fakeEvent();
    win.emit('page-title-updated', e, 'Иванов Иван — карточка');
    expect(e.defaultPrevented).toBe(true);
  });

  it('registers app:// as a standard, secure scheme', () => {
    w.registerAppScheme();
    expect(fake.protocol.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect((fake.protocol.schemes[0] as { privileges: { bypassCSP?: boolean } }).privileges.bypassCSP).toBeUndefined();
  });

  it('has the same CSP as browser mode', () => {
    expect(w.contentSecurityPolicy).toBe(csp);
    expect(browserCsp).toBe(csp);
  });
});

describe('navigation and new windows', () => {
  function hardened() {
    const contents = new FakeWebContents();
    w.hardenContents(contents as never);
    return contents;
  }

  it('prevents navigation to a foreign URL and allows our own origin', () => {
    const contents = hardened();
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'app://other-host/index.html',
      'app://privacy-desk.evil.example/',
      'javascript:alert(1)',
      'app://user@privacy-desk/',
    ]) {
      const e = fakeEvent({ url });
      contents.emit('will-navigate', e, url);
      expect(e.defaultPrevented, url).toBe(true);
    }
    const ok = fakeEvent({ url: 'app://privacy-desk/index.html#/persons' });
    contents.emit('will-navigate', ok, ok.url);
    expect(ok.defaultPrevented).toBe(false);
  });

  it('prevents a redirect to a foreign URL and allows a same-origin one', () => {
    const contents = hardened();
    const bad = fakeEvent({ url: 'https://evil.example/x' });
    contents.emit('will-redirect', bad, bad.url);
    expect(bad.defaultPrevented).toBe(true);
    const ok = fakeEvent({ url: 'app://privacy-desk/index.html' });
    contents.emit('will-redirect', ok, ok.url);
    expect(ok.defaultPrevented).toBe(false);
  });

  it('prevents subframe navigation away and webview attachment', () => {
    const contents = hardened();
    const frameNav = fakeEvent({ url: 'https://evil.example/' });
    contents.emit('will-frame-navigate', frameNav);
    expect(frameNav.defaultPrevented).toBe(true);
    const webview = fakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });

  it('denies window.open, for foreign and own URLs alike', () => {
    const contents = hardened();
    expect(contents.setWindowOpenHandler).toHaveBeenCalledTimes(1);
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'app://privacy-desk/index.html' })).toEqual({ action: 'deny' });
  });
});

describe('session: permissions and headers', () => {
  it('denies every permission request and check', () => {
    const ses = fake.session.defaultSession;
    w.hardenSession(ses as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      const callback = vi.fn();
      ses.permissionRequestHandler!({}, permission, callback, {});
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
      expect(ses.permissionCheckHandler!({}, permission, 'app://privacy-desk', {})).toBe(false);
    }
    expect(ses.devicePermissionHandler!({})).toBe(false);
  });

  it('puts our CSP on every response and drops any other policy', () => {
    const ses = fake.session.defaultSession;
    w.hardenSession(ses as never);
    const callback = vi.fn();
    ses.headersReceived!(
      { url: 'app://privacy-desk/index.html', responseHeaders: { 'content-security-policy': ["script-src 'unsafe-inline'"], 'Content-Type': ['text/html'] } },
      callback,
    );
    const headers = callback.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([csp]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);
    const cb2 = vi.fn();
    ses.headersReceived!({ url: 'app://privacy-desk/x.js' }, cb2);
    expect(cb2.mock.calls[0]![0].responseHeaders['Content-Security-Policy']).toEqual([csp]);
  });

  it('cancels any request that is not to our own origin', () => {
    const ses = fake.session.defaultSession;
    w.hardenSession(ses as never);
    const decide = (url: string) => {
      const cb = vi.fn();
      ses.beforeRequest!({ url }, cb);
      return cb.mock.calls[0]![0].cancel as boolean;
    };
    expect(decide('https://evil.example/beacon')).toBe(true);
    expect(decide('http://127.0.0.1:8080/')).toBe(true);
    expect(decide('file:///etc/passwd')).toBe(true);
    expect(decide('app://privacy-desk/assets/index.js')).toBe(false);
    expect(decide('data:image/png;base64,AAAA')).toBe(false);
  });
});

describe('app:// protocol handler', () => {
  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'pdesk-proto-'));
    const root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Privacy Desk</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'SECRET');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'));
    return w.createAppProtocolHandler(root);
  }
  const get = (h: (r: Request) => Promise<Response>, url: string, method = 'GET') => h(new Request(url, { method }));

  it('serves the renderer with the CSP header on every response', async () => {
    const h = setup();
    const index = await get(h, 'app://privacy-desk/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(csp);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>Privacy Desk</title>');
    const js = await get(h, 'app://privacy-desk/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(csp);
    const missing = await get(h, 'app://privacy-desk/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(csp);
  });

  it('never leaves the renderer folder', async () => {
    const h = setup();
    for (const url of [
      'app://privacy-desk/..%2fsecret.txt',
      'app://privacy-desk/assets/..%2f..%2fsecret.txt',
      'app://privacy-desk/%2e%2e%2fsecret.txt',
      'app://privacy-desk/assets/link.txt',
      'app://privacy-desk/..%5csecret.txt',
      'app://privacy-desk/%00index.html',
      'app://privacy-desk/%E0%A4%A',
    ]) {
      const r = await get(h, url);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(await r.text(), url).not.toContain('SECRET');
      expect(r.headers.get('content-security-policy'), url).toBe(csp);
    }
  });

  it('answers only our host and only GET/HEAD', async () => {
    const h = setup();
    expect((await get(h, 'app://other/index.html')).status).toBe(404);
    expect((await get(h, 'app://privacy-desk/index.html', 'POST')).status).toBe(405);
    const head = await get(h, 'app://privacy-desk/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-security-policy')).toBe(csp);
  });
});

describe('second instance focus', () => {
  it('restores a minimised window and focuses it', () => {
    const win = new fake.BrowserWindow({}) as InstanceType<typeof fake.BrowserWindow>;
    win.minimized = true;
    w.focusWindow(win as never);
    expect(win.restore).toHaveBeenCalledTimes(1);
    expect(win.show).toHaveBeenCalledTimes(1);
    expect(win.focus).toHaveBeenCalledTimes(1);
  });
});

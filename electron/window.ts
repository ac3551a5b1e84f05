// The one window and everything that fences it in: the renderer is served from our own privileged
// scheme (never file://, never the network) with a strict CSP, navigation and new windows are
// refused, and every permission a page could ask for is denied. Nothing here trusts the page.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { BrowserWindow, type BrowserWindowConstructorOptions, protocol, type Session, type WebContents } from 'electron';

export const appScheme = 'app';
export const appHost = 'privacy-desk';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

// Same policy as browser mode (electron/browser-host.ts): no inline script, no remote origin.
export const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// The OS window title is visible to anyone at the desk and in task switchers: it never carries what
// the page would put there.
export const windowTitle = 'Privacy Desk';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

// Must run before the app is ready. `standard` gives the scheme a real origin (so 'self' in the CSP
// means app://privacy-desk and nothing else); `secure` makes it a secure context.
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

// Node's URL gives non-special schemes an opaque origin ("null"), so compare the parts.
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${appScheme}:` && u.hostname === appHost && u.port === '' && u.username === '' && u.password === '';
}

function securityHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

// The handler behind protocol.handle(appScheme, …): files of the built renderer only. The decoded
// path is resolved under the root and checked again after symlinks are followed, so neither
// `..`, `%2e%2e`, an encoded separator nor a link inside the folder can reach another file.
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = resolve(rendererDir);
  let realRoot: Promise<string> | null = null;
  const inside = (base: string, p: string) => p === base || p.startsWith(base.endsWith(sep) ? base : base + sep);

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method Not Allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return textResponse(400, 'Bad Request');
    }
    if (!isAppUrl(request.url)) return textResponse(404, 'Not Found');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return textResponse(400, 'Bad Request');
    }
    if (rel.includes('\0') || rel.includes('\\')) return textResponse(400, 'Bad Request');
    if (rel === '/' || rel === '') rel = '/index.html';
    const target = resolve(root, `.${rel}`);
    if (!inside(root, target)) return textResponse(403, 'Forbidden');
    try {
      realRoot ??= realpath(root);
      const real = await realpath(target);
      if (!inside(await realRoot, real) || !(await stat(real)).isFile()) return textResponse(404, 'Not Found');
      const body = await readFile(real);
      const type = contentTypes[extname(real).toLowerCase()] ?? 'application/octet-stream';
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: securityHeaders(type) });
    } catch {
      return textResponse(404, 'Not Found');
    }
  };
}

export function windowOptions(preloadPath: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    title: windowTitle,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
      // There is no `remote` module to disable: it was removed from Electron in version 14.
    },
  };
}

function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    // Drop any policy a response brings with it: ours is the only one.
    if (k.toLowerCase() === 'content-security-policy' || k.toLowerCase() === 'content-security-policy-report-only') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [contentSecurityPolicy];
  return out;
}

// Only our scheme and in-page data may be fetched; the app works offline, so any other request is
// a bug or an attack.
export function isAllowedRequestUrl(url: string): boolean {
  return isAppUrl(url) || url.startsWith('data:') || url.startsWith('blob:app://privacy-desk/') || url.startsWith('devtools:');
}

export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler?.(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders) }));
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url) }));
}

// Applied to every web contents the app creates (app 'web-contents-created'), not just the window.
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface MainWindowOptions {
  preloadPath: string;
  devTools?: boolean;
}

export function createMainWindow(o: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow(windowOptions(o.preloadPath, o.devTools ?? false));
  hardenContents(win.webContents);
  // document.title may one day hold a subject's name; the OS title stays the product name.
  win.on('page-title-updated', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  return win;
}

export function focusWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  if (!win.isVisible()) win.show();
  win.focus();
}

// Browser mode: the renderer and the register API served on 127.0.0.1 to one browser on this
// machine. Anything else that can reach the port (another local user's page, a DNS-rebinding site,
// a form on a foreign origin) must get nothing: the guard is a one-time launch token exchanged for
// a session cookie, an exact Host check and an Origin check on every POST. All API work goes
// through host-core, exactly as the Electron IPC host does.
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { accessSync, constants, createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, extname, join, resolve, sep } from 'node:path';
import {
  createHostCore,
  defaultExportsDir,
  type HostCore,
  type HostEngine,
  type HostFiles,
  type HostReply,
  isHostMessage,
  type RevealResult,
} from './host-core.ts';

export interface BrowserHostOptions {
  engine: HostEngine;
  // 0 or absent: a random free port.
  port?: number;
  // The built renderer (out/renderer).
  staticDir: string;
  // Default folder for exports (tests use a temporary one); ~/Documents/PrivacyDesk otherwise.
  exportsDir?: string;
  // Opens a folder in the file manager; the OS's own opener by default (tests pass a stand-in).
  openFolder?: (folder: string) => RevealResult | Promise<RevealResult>;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here.
    }
  }
  return null;
}

// The browser runs on this machine (loopback only), so the host can open the folder for the user
// with the desktop's own file manager, detached so it outlives nothing of ours.
export function openFolderWithOs(folder: string, platform: NodeJS.Platform = process.platform): RevealResult {
  let command: string | null;
  if (platform === 'win32') command = 'explorer.exe';
  else if (platform === 'darwin') command = 'open';
  else command = onPath('xdg-open');
  if (!command) {
    return { ok: false, message: 'На этом компьютере нет программы, которая открывает папки (xdg-open). Откройте папку в файловом менеджере сами.' };
  }
  try {
    const child = spawn(command, [folder], { detached: true, stdio: 'ignore', windowsHide: false });
    // A failed start (no such program after all) must not bring the host down.
    child.on('error', () => undefined);
    child.unref();
    return { ok: true };
  } catch {
    return { ok: false, message: 'Не удалось открыть папку. Откройте её в файловом менеджере сами.' };
  }
}

// Browser mode has no native dialogs: choosePath answers null and the page shows a path field.
export function browserFiles(o: Pick<BrowserHostOptions, 'exportsDir' | 'openFolder'> = {}): HostFiles {
  const open = o.openFolder ?? ((folder: string) => openFolderWithOs(folder));
  return {
    nativeDialogs: false,
    choosePath: async () => null,
    reveal: async ({ folder }) => open(folder),
    exportsDir: () => o.exportsDir ?? defaultExportsDir(),
  };
}

export interface BrowserHost {
  // http://127.0.0.1:<port>/?token=… — valid for one exchange.
  url: string;
  port: number;
  origin: string;
  server: Server;
  core: HostCore;
  close(): Promise<void>;
}

// Same policy as the Electron window: no inline script, no remote origin, no framing.
export const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export const sessionCookieName = 'pdesk_session';

// Bytes of request body: a consent scan (up to 20 MB) or an import file (up to 30 MB) travels
// base64-encoded inside `call`.
const bodyLimits = { call: 44 * 1024 * 1024, other: 256 * 1024 } as const;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
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
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const texts = {
  unauthorized:
    'Доступ запрещён. Откройте ссылку, которую программа Privacy Desk напечатала при запуске: она действует один раз. Если ссылка уже использована, перезапустите программу.',
  badHost: 'Запрос отклонён: неверный адрес сервера. Откройте программу по адресу 127.0.0.1.',
  badOrigin: 'Запрос отклонён: он пришёл не со страницы программы.',
  notFound: 'Не найдено.',
  badMethod: 'Метод не поддерживается.',
  badRequest: 'Неверный запрос.',
} as const;

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${text}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refusal(code: 'invalid_input' | 'unknown_operation', message: string): HostReply {
  return { ok: false, error: { code, message } };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const core = createHostCore(options.engine, { files: browserFiles(options) });
  const token = randomBytes(32).toString('base64url');
  let tokenUsed = false;
  let session: string | null = null;
  let port = 0;
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let staticRoot: string | null = null;
  try {
    staticRoot = realpathSync(resolve(options.staticDir));
  } catch {
    // Not built yet: the API still works, pages answer 404.
  }

  const authorised = (req: IncomingMessage): boolean => {
    const presented = cookieValue(req.headers.cookie, sessionCookieName);
    return session !== null && presented !== null && sameBytes(presented, session);
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'POST') return sendText(res, 405, texts.badMethod, { Allow: 'POST' });
    // Browsers send Origin on every cross-origin POST and on same-origin fetch POSTs; a request
    // without one did not come from our page.
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowedOrigins.has(origin)) return sendText(res, 403, texts.badOrigin);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return sendText(res, 415, 'Ожидается тело запроса в формате JSON.');
    if (!isHostMessage(name)) {
      req.resume();
      return sendJson(res, 404, refusal('unknown_operation', 'Неизвестный запрос к программе.'));
    }
    let payload: unknown;
    const limit = name === 'call' ? bodyLimits.call : bodyLimits.other;
    try {
      const body = await readBody(req, limit);
      payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendJson(res, 413, refusal('invalid_input', `Неверный формат запроса: запрос больше допустимого размера (${Math.round(limit / 1024)} КБ).`));
      }
      return sendJson(res, 400, refusal('invalid_input', 'Неверный формат запроса: тело не является JSON.'));
    }
    if (name !== 'call') {
      const reply = await core.handle(name, payload);
      return sendJson(res, 200, reply);
    }
    // Progress streams as NDJSON lines so the page can draw a bar; the last line is the result.
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
    res.flushHeaders();
    let finished = false;
    const callId = payload !== null && typeof payload === 'object' ? (payload as { callId?: unknown }).callId : undefined;
    res.on('close', () => {
      // The page went away mid-call: nobody will read the result, so stop the work.
      if (!finished && typeof callId === 'string') void core.cancel({ callId });
    });
    const reply = await core.call(payload, (p) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
    });
    finished = true;
    if (!res.writableEnded && !res.destroyed) res.end(`${JSON.stringify({ type: 'result', ...reply })}\n`);
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, texts.badMethod, { Allow: 'GET, HEAD' });
    if (!staticRoot) return sendText(res, 404, texts.notFound);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, texts.badRequest);
    }
    const segments = decoded.split('/').filter((s) => s !== '');
    if (decoded.includes('\0') || decoded.includes('\\') || segments.some((s) => s === '..' || s === '.' || s.includes(':'))) {
      return sendText(res, 404, texts.notFound);
    }
    const relative = segments.length === 0 ? ['index.html'] : segments;
    let file: string;
    try {
      file = realpathSync(resolve(staticRoot, ...relative));
      // A symlink inside the folder must not lead out of it either.
      if (!file.startsWith(staticRoot + sep) || !statSync(file).isFile()) return sendText(res, 404, texts.notFound);
    } catch {
      return sendText(res, 404, texts.notFound);
    }
    const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': statSync(file).size,
      'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    // DNS rebinding: a foreign name that resolves to 127.0.0.1 arrives with its own Host.
    const host = req.headers.host;
    if (typeof host !== 'string' || !allowedHosts.has(host.toLowerCase())) return sendText(res, 421, texts.badHost);
    const target = req.url ?? '/';
    if (!target.startsWith('/')) return sendText(res, 400, texts.badRequest);
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    const presentedToken = query.get('token');

    if (!authorised(req)) {
      if (req.method === 'GET' && pathname === '/' && presentedToken !== null && !tokenUsed && sameBytes(presentedToken, token)) {
        tokenUsed = true;
        session = randomBytes(32).toString('base64url');
        res.setHeader('Set-Cookie', `${sessionCookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`);
        // Drop the token from the address bar and history.
        res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      req.resume();
      return sendText(res, 401, texts.unauthorized);
    }
    if (presentedToken !== null) {
      res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (pathname.startsWith('/api/')) return handleApi(req, res, pathname.slice('/api/'.length));
    return serveStatic(req, res, pathname);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Внутренняя ошибка программы.');
      else res.destroy();
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    // Loopback only, by address: never '' or 'localhost' (which could resolve to ::1 or more).
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    port,
    origin,
    server,
    core,
    close: () =>
      new Promise<void>((resolvePromise) => {
        core.cancelAll();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}

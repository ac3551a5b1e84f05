import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../db/engine/engine.ts';
import { type BrowserHost, contentSecurityPolicy, startBrowserHost } from '../electron/browser-host.ts';
import { createHttpClient } from '../renderer/api/http-client.ts';

const operator = { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1', taxId: '7701234567' };
const admin = { login: 'admin', fullName: 'Админов Админ', password: 'admin-pass-1' };

let dir = '';
let engine: Engine | null = null;
let host: BrowserHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
  await engine?.dispose();
  engine = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

async function start(): Promise<BrowserHost> {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-bhost-'));
  const web = join(dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Privacy Desk</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(web, 'assets', 'app.css'), 'body{}');
  // Things that must never be served: a file beside the web root and a symlink pointing at it.
  writeFileSync(join(dir, 'secret.txt'), 'SECRET-OUTSIDE-ROOT');
  symlinkSync(join(dir, 'secret.txt'), join(web, 'link.txt'));
  engine = new Engine({ dbPath: join(dir, 'register.pdesk'), fixedNow: '2026-02-16T09:00:00' });
  host = await startBrowserHost({ engine, port: 0, staticDir: web });
  return host;
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

// node:http rather than fetch: the tests must set Host and Origin to whatever an attacker would.
function raw(
  port: number,
  o: { method?: string; path?: string; host?: string | null; origin?: string; cookie?: string; type?: string; body?: string } = {},
): Promise<RawReply> {
  const headers: Record<string, string> = {};
  if (o.host !== null) headers.Host = o.host ?? `127.0.0.1:${port}`;
  if (o.origin) headers.Origin = o.origin;
  if (o.cookie) headers.Cookie = o.cookie;
  if (o.body !== undefined) {
    headers['Content-Type'] = o.type ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(o.body));
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

function tokenOf(h: BrowserHost): string {
  return new URL(h.url).searchParams.get('token')!;
}

async function login(h: BrowserHost): Promise<string> {
  const res = await raw(h.port, { path: `/?token=${tokenOf(h)}` });
  const setCookie = String(res.headers['set-cookie']);
  return setCookie.split(';')[0]!;
}

function api(h: BrowserHost, cookie: string, message: string, payload: unknown, origin = h.origin): Promise<RawReply> {
  return raw(h.port, { method: 'POST', path: `/api/${message}`, origin, cookie, body: JSON.stringify(payload) });
}

describe('browser host: loopback only, token, cookie, Host and Origin', () => {
  it('gives nothing without the token, and the token once for an HttpOnly SameSite=Strict cookie', async () => {
    const h = await start();
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);

    for (const path of ['/', '/index.html', '/assets/app.js']) {
      const res = await raw(h.port, { path });
      expect(res.status).toBe(401);
      expect(res.body).toContain('Доступ запрещён');
      expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy);
    }
    const noCookieApi = await raw(h.port, { method: 'POST', path: '/api/status', origin: h.origin, body: '{}' });
    expect(noCookieApi.status).toBe(401);
    expect(noCookieApi.body).not.toContain('registerExists');

    const wrong = await raw(h.port, { path: `/?token=${'A'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await raw(h.port, { path: '/?token=' })).status).toBe(401);

    const exchange = await raw(h.port, { path: `/?token=${tokenOf(h)}` });
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/');
    const setCookie = exchange.headers['set-cookie'] as string[];
    expect(setCookie).toHaveLength(1);
    const parts = setCookie[0]!.split(';').map((s) => s.trim());
    expect(parts[0]).toMatch(/^pdesk_session=[A-Za-z0-9_-]{43}$/);
    expect(parts[0]).not.toContain(tokenOf(h));
    expect(parts).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    const cookie = parts[0]!;

    // One-time: the same link in another browser gets nothing.
    const replay = await raw(h.port, { path: `/?token=${tokenOf(h)}` });
    expect(replay.status).toBe(401);
    expect(replay.headers['set-cookie']).toBeUndefined();
    // A forged cookie is not a session.
    expect((await raw(h.port, { path: '/', cookie: `pdesk_session=${'B'.repeat(43)}` })).status).toBe(401);

    const page = await raw(h.port, { path: '/', cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Privacy Desk</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // The token still in the address bar of a signed-in tab is dropped again.
    expect((await raw(h.port, { path: `/?token=${tokenOf(h)}`, cookie })).status).toBe(303);

    const js = await raw(h.port, { path: '/assets/app.js', cookie });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("app")');
    expect((await raw(h.port, { path: '/assets/app.css', cookie })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw(h.port, { path: '/assets/none.js', cookie })).status).toBe(404);
    expect((await raw(h.port, { method: 'HEAD', path: '/assets/app.js', cookie })).status).toBe(200);
    expect((await raw(h.port, { method: 'PUT', path: '/assets/app.js', cookie, origin: h.origin, body: 'x', type: 'text/plain' })).status).toBe(405);
  });

  it('refuses a foreign Host (DNS rebinding) even with a valid cookie', async () => {
    const h = await start();
    const cookie = await login(h);
    for (const host of [
      'evil.example',
      `evil.example:${h.port}`,
      `127.0.0.1:${h.port + 1}`,
      '127.0.0.1',
      `[::1]:${h.port}`,
      `127.0.0.1:${h.port}.evil.example`,
    ]) {
      const res = await raw(h.port, { path: '/', host, cookie });
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain('Privacy Desk</title>');
    }
    // No Host at all: Node's parser already answers 400 before our handler runs.
    expect([400, 421]).toContain((await raw(h.port, { path: '/', host: null, cookie })).status);
    // The token is refused on a foreign Host too: it must not be exchangeable by a rebinding page.
    expect((await raw(h.port, { path: `/?token=${tokenOf(h)}`, host: `evil.example:${h.port}` })).status).toBe(421);
    expect((await raw(h.port, { path: '/', host: `localhost:${h.port}`, cookie })).status).toBe(200);
    expect((await raw(h.port, { path: '/', host: `LOCALHOST:${h.port}`, cookie })).status).toBe(200);
  });

  it('refuses a state-changing request without our Origin', async () => {
    const h = await start();
    const cookie = await login(h);
    const post = (origin?: string) => raw(h.port, { method: 'POST', path: '/api/status', cookie, origin, body: '{}' });
    expect((await post()).status).toBe(403);
    for (const origin of [
      'http://evil.example',
      'null',
      `http://127.0.0.1:${h.port + 1}`,
      `https://127.0.0.1:${h.port}`,
      `http://127.0.0.1:${h.port}.evil.example`,
    ]) {
      const res = await post(origin);
      expect(res.status, origin).toBe(403);
      expect(res.body).not.toContain('registerExists');
    }
    expect((await post(h.origin)).status).toBe(200);
    expect((await post(`http://localhost:${h.port}`)).status).toBe(200);
    // Not a simple form post either: JSON only.
    expect(
      (await raw(h.port, { method: 'POST', path: '/api/status', cookie, origin: h.origin, body: 'a=1', type: 'application/x-www-form-urlencoded' })).status,
    ).toBe(415);
    expect((await raw(h.port, { method: 'GET', path: '/api/status', cookie })).status).toBe(405);
  });

  it('works when used right: create, unlock, call with NDJSON result; typed errors for bad bodies', async () => {
    const h = await start();
    const cookie = await login(h);
    const status = await api(h, cookie, 'status', {});
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.headers['content-security-policy']).toBe(contentSecurityPolicy);
    expect(JSON.parse(status.body)).toEqual({ ok: true, value: { registerExists: false, unlocked: false, actor: null } });

    const created = JSON.parse((await api(h, cookie, 'create', { operator, jurisdiction: 'KZ', admin })).body);
    expect(created.ok).toBe(true);
    expect(created.value.recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(JSON.parse((await api(h, cookie, 'unlock', { login: 'admin', password: 'nope-nope' })).body)).toMatchObject({
      ok: false,
      error: { code: 'auth_failed' },
    });
    expect(JSON.parse((await api(h, cookie, 'unlock', { login: 'admin', password: admin.password })).body)).toMatchObject({
      ok: true,
      value: { login: 'admin', role: 'administrator' },
    });

    const call = await api(h, cookie, 'call', { callId: 'one', op: 'settings.get', input: {} });
    expect(call.status).toBe(200);
    expect(call.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(call.headers['cache-control']).toBe('no-store');
    const lines = call.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true, value: { jurisdiction: 'KZ', operator } });

    const garbage = await raw(h.port, { method: 'POST', path: '/api/unlock', cookie, origin: h.origin, body: '{"login":' });
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const huge = await api(h, cookie, 'unlock', { login: 'admin', password: 'x'.repeat(300 * 1024) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const unknown = await api(h, cookie, 'format-disk', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    const polluted = await raw(h.port, {
      method: 'POST',
      path: '/api/call',
      cookie,
      origin: h.origin,
      body: '{"callId":"p","op":"settings.get","input":{},"__proto__":{"admin":true}}',
    });
    expect(JSON.parse(polluted.body.trim().split('\n').at(-1)!)).toMatchObject({ type: 'result', ok: false, error: { code: 'invalid_input' } });

    expect(JSON.parse((await api(h, cookie, 'lock', {})).body)).toEqual({ ok: true, value: { ok: true } });
    const afterLock = (await api(h, cookie, 'call', { callId: 'two', op: 'settings.get', input: {} })).body.trim().split('\n');
    expect(JSON.parse(afterLock.at(-1)!)).toMatchObject({ type: 'result', ok: false, error: { code: 'locked' } });
  });

  it('the HTTP client implements RegisterClient over the same host', async () => {
    const h = await start();
    const cookie = await login(h);
    // What a browser adds by itself on a same-origin fetch.
    const browserFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('Cookie', cookie);
      headers.set('Origin', h.origin);
      return fetch(input, { ...init, headers });
    };
    const client = createHttpClient({ base: h.origin, fetch: browserFetch });
    expect(await client.status()).toEqual({ registerExists: false, unlocked: false, actor: null });
    const { recoveryCode } = await client.create({ operator, jurisdiction: 'RU', admin });
    expect(recoveryCode).toMatch(/^[0-9A-Z]{5}/);
    await expect(client.unlock('admin', 'wrong-pass-1')).rejects.toMatchObject({
      name: 'ClientError',
      code: 'auth_failed',
      message: 'Неверный логин или пароль.',
    });
    expect(await client.unlock('admin', admin.password)).toMatchObject({ login: 'admin' });
    expect(await client.call('settings.get', {})).toMatchObject({ jurisdiction: 'RU' });
    const progress: number[] = [];
    const verified = await client.call('audit.verify', {}, { onProgress: (p) => progress.push(p.done) });
    expect(verified).toMatchObject({ ok: true });
    await expect(client.call('settings.setJurisdiction', { jurisdiction: 'XX' } as never)).rejects.toMatchObject({ code: 'invalid_input' });

    let lockedEvents = 0;
    const off = client.onLocked(() => lockedEvents++);
    await client.lock();
    expect(lockedEvents).toBe(1);
    // A call that finds the register locked (idle lock by the host) tells the UI the same way.
    await expect(client.call('settings.get', {})).rejects.toMatchObject({ code: 'locked' });
    expect(lockedEvents).toBe(2);
    off();
    await expect(client.call('settings.get', {})).rejects.toMatchObject({ code: 'locked' });
    expect(lockedEvents).toBe(2);

    // Without the cookie the client reports a lost session, not a crash.
    const stranger = createHttpClient({
      base: h.origin,
      fetch: (i, init) => fetch(i, { ...init, headers: { ...(init?.headers as Record<string, string>), Origin: h.origin } }),
    });
    await expect(stranger.status()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('serves nothing outside the web root', async () => {
    const h = await start();
    const cookie = await login(h);
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      '/%00',
      '/%E0%A4%A',
      '//etc/passwd',
      '/assets',
    ]) {
      const res = await raw(h.port, { path, cookie });
      expect([400, 404], path).toContain(res.status);
      expect(res.body).not.toContain('SECRET-OUTSIDE-ROOT');
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const h = await start();
    const address = h.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === 'IPv4')
      .map((i) => i!.address);
    console.log(`non-loopback IPv4 addresses tried: ${external.join(', ') || '(none on this machine)'}`);
    for (const ip of external) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: ip, port: h.port });
        socket.setTimeout(2000, () => {
          socket.destroy();
          resolve('timeout');
        });
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(outcome, ip).not.toBe('connected');
    }
  });
});

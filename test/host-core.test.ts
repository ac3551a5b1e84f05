import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../db/engine/engine.ts';
import { RegisterError } from '../db/errors.ts';
import { checkPlainJson, createHostCore, type HostEngine, type HostProgress, toWireError } from '../electron/host-core.ts';

const operator = { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1', taxId: '7701234567' };
const admin = { login: 'admin', fullName: 'Админов Админ', password: 'admin-pass-1' };

let dir = '';
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function freshEngine(): Engine {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-core-'));
  engine = new Engine({ dbPath: join(dir, 'register.pdesk'), fixedNow: '2026-02-16T09:00:00' });
  return engine;
}

// An engine whose calls wait until the test lets them go, to see what the core does meanwhile.
function standIn() {
  const calls: Array<{
    op: string;
    input: unknown;
    signal?: AbortSignal;
    finish: (v: unknown) => void;
    fail: (e: unknown) => void;
    progress?: (p: { done: number; total?: number }) => void;
  }> = [];
  let locked = 0;
  const engine: HostEngine = {
    status: () => ({ registerExists: true, unlocked: true, actor: null }),
    create: async () => ({ registerId: 'r', recoveryCode: 'c' }),
    unlock: async () => {
      throw new Error('SQLITE_CORRUPT at /home/ivanov/register.pdesk: Иванов Иван');
    },
    recover: async () => undefined,
    lock: async () => {
      locked++;
    },
    call: (op, input, o = {}) =>
      new Promise((resolve, reject) => {
        const entry = { op, input, signal: o.signal, finish: resolve, fail: reject, progress: o.onProgress };
        calls.push(entry);
        o.signal?.addEventListener('abort', () => reject(new RegisterError('cancelled')));
      }),
  };
  return { engine, calls, locks: () => locked };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('host core: one validated path from a message to the engine', () => {
  it('drives a real engine: create, unlock, call, lock, with typed refusals on the way', async () => {
    const core = createHostCore(freshEngine());
    expect(await core.status({})).toEqual({ ok: true, value: { registerExists: false, unlocked: false, actor: null } });
    expect(await core.status(undefined)).toMatchObject({ ok: true });
    expect(await core.status({ extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // Strict: a dbPath smuggled into create is refused, not silently used.
    const smuggled = await core.create({ operator, jurisdiction: 'RU', admin, dbPath: '/tmp/elsewhere.pdesk' });
    expect(smuggled).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const created = await core.create({ operator, jurisdiction: 'RU', admin });
    expect(created.ok && created.value.recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);

    expect(await core.unlock({ login: 'admin' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.unlock({ login: 'admin', password: 'wrong-password' })).toEqual({
      ok: false,
      error: { code: 'auth_failed', message: 'Неверный логин или пароль.' },
    });
    expect(await core.call({ callId: 'c1', op: 'settings.get', input: {} })).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(await core.unlock({ login: 'admin', password: admin.password })).toMatchObject({ ok: true, value: { login: 'admin', role: 'administrator' } });

    expect(await core.call({ callId: 'c2', op: 'settings.get', input: {} })).toMatchObject({ ok: true, value: { jurisdiction: 'RU', operator } });
    expect(await core.call({ callId: 'c3', op: 'settings.setJurisdiction', input: { jurisdiction: 'XX' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await core.call({ callId: 'c4', op: 'no.such.op', input: {} })).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    expect(await core.call({ callId: 'c5', op: 'settings.get' })).toMatchObject({ ok: true });
    expect(await core.call({ op: 'settings.get', input: {} })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.call({ callId: 'bad id with spaces', op: 'settings.get', input: {} })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.handle('call', { callId: 'c6', op: 'user.me', input: {} })).toMatchObject({ ok: true, value: { login: 'admin' } });
    expect(await core.handle('format', {})).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });

    expect(await core.lock({})).toEqual({ ok: true, value: { ok: true } });
    expect(await core.status()).toMatchObject({ ok: true, value: { unlocked: false } });
    expect(await core.call({ callId: 'c7', op: 'settings.get', input: {} })).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(await core.recover({ code: 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA', login: 'admin', newPassword: 'new-pass-123' })).toMatchObject({
      ok: false,
      error: { code: 'auth_failed' },
    });
  });

  it('tracks calls by id: progress carries the id, duplicates are refused, cancel aborts, lock cancels all', async () => {
    const s = standIn();
    const core = createHostCore(s.engine);
    const progress: HostProgress[] = [];
    const first = core.call({ callId: 'job-1', op: 'audit.verify', input: {} }, (p) => progress.push(p));
    await tick();
    expect(core.inFlight()).toBe(1);
    s.calls[0]!.progress?.({ done: 5, total: 10 });
    s.calls[0]!.progress?.({ done: 7 });
    expect(progress).toEqual([
      { callId: 'job-1', done: 5, total: 10 },
      { callId: 'job-1', done: 7 },
    ]);
    expect(await core.call({ callId: 'job-1', op: 'settings.get', input: {} })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(s.calls).toHaveLength(1);

    expect(await core.cancel({ callId: 'job-1' })).toEqual({ ok: true, value: { ok: true } });
    expect(s.calls[0]!.signal?.aborted).toBe(true);
    expect(await first).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(core.inFlight()).toBe(0);
    // Cancelling something already finished is not an error; a malformed cancel is.
    expect(await core.cancel({ callId: 'job-1' })).toMatchObject({ ok: true });
    expect(await core.cancel({ callId: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // The id is free again once the call ended.
    const again = core.call({ callId: 'job-1', op: 'settings.get', input: {} });
    await tick();
    s.calls[1]!.finish({ fine: true });
    expect(await again).toEqual({ ok: true, value: { fine: true } });

    const a = core.call({ callId: 'a', op: 'audit.verify', input: {} });
    const b = core.call({ callId: 'b', op: 'audit.verify', input: {} });
    await tick();
    expect(await core.lock()).toMatchObject({ ok: true });
    expect(s.locks()).toBe(1);
    expect(await a).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(await b).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('a listener that throws does not fail the call', async () => {
    const s = standIn();
    const core = createHostCore(s.engine);
    const pending = core.call({ callId: 'x', op: 'audit.verify', input: {} }, () => {
      throw new Error('window closed');
    });
    await tick();
    s.calls[0]!.progress?.({ done: 1 });
    s.calls[0]!.finish(7);
    expect(await pending).toEqual({ ok: true, value: 7 });
  });

  it('never lets an internal message, path or stack out', async () => {
    const s = standIn();
    const core = createHostCore(s.engine);
    const reply = await core.unlock({ login: 'admin', password: 'whatever-1' });
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'Внутренняя ошибка программы.' } });
    expect(JSON.stringify(reply)).not.toMatch(/SQLITE|ivanov|Иванов|at /);
    const pending = core.call({ callId: 'y', op: 'settings.get', input: {} });
    await tick();
    s.calls[0]!.fail(Object.assign(new TypeError('Cannot read properties of undefined (reading "full_name")'), { code: 'not_found' }));
    expect(await pending).toEqual({ ok: false, error: { code: 'internal', message: 'Внутренняя ошибка программы.' } });
    expect(toWireError(new RegisterError('not_found', 'Субъект №5 не найден.', { id: 5 }))).toEqual({
      code: 'not_found',
      message: 'Субъект №5 не найден.',
      details: { id: 5 },
    });
    expect(toWireError('string thrown')).toEqual({ code: 'internal', message: 'Внутренняя ошибка программы.' });
  });

  it('refuses what is not small plain JSON before any schema or engine sees it', async () => {
    const s = standIn();
    const core = createHostCore(s.engine);
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(await core.call({ callId: 'd', op: 'person.add', input: deep })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('вложенность') },
    });
    expect(await core.call({ callId: 'm', op: 'person.add', input: new Map([['a', 1]]) })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.call({ callId: 'f', op: 'person.add', input: { x: () => 1 } })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.call({ callId: 'n', op: 'person.add', input: { x: Number.NaN } })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await core.unlock({ login: 'admin', password: 'p'.repeat(70_000) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('размера') },
    });
    expect(await core.unlock(JSON.parse('{"login":"admin","password":"abcdefgh","__proto__":{"polluted":true}}'))).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A scan-sized input is fine for `call`, and the engine receives it untouched.
    const big = 'A'.repeat(28 * 1024 * 1024);
    const pending = core.call({ callId: 'big', op: 'consent.attachScan', input: { content: big } });
    await tick();
    expect((s.calls[0]!.input as { content: string }).content.length).toBe(big.length);
    s.calls[0]!.finish(null);
    expect(await pending).toEqual({ ok: true, value: null });
    expect(s.calls).toHaveLength(1);
    expect(checkPlainJson({ a: [1, 'b', null, true, { c: 'd' }] }, 1000)).toBeNull();
    expect(checkPlainJson(new Date(), 1000)).toMatch(/простым JSON/);
  });
});

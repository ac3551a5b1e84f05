import { readFileSync } from 'node:fs';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake } from './fake-electron.ts';
import type { RegisterClient } from './preload.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule);

function interfaceMembers(file: URL): string[] {
  const body = readFileSync(file, 'utf8').match(/export interface RegisterClient \{([\s\S]*?)\n\}/)?.[1] ?? '';
  return [...body.matchAll(/^\s+(\w+)\s*[<(]/gm)].map((m) => m[1]!).sort();
}

let register: RegisterClient;
let exposeCalls: unknown[][] = [];
const invoke = fake.ipcRenderer.invoke;

beforeAll(async () => {
  fake.reset();
  await import('./preload.ts');
  register = fake.contextBridge.exposed.register as RegisterClient;
  exposeCalls = fake.contextBridge.exposeInMainWorld.mock.calls.map((c) => [...c]);
});
beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation(async () => ({ ok: true, value: null }));
});

describe('preload', () => {
  it('exposes exactly one key, register, with the RegisterClient methods and nothing else', () => {
    expect(exposeCalls).toHaveLength(1);
    expect(exposeCalls[0]![0]).toBe('register');
    expect(Object.keys(fake.contextBridge.exposed)).toEqual(['register']);
    expect(Object.keys(register).sort()).toEqual(['call', 'choosePath', 'create', 'defaults', 'lock', 'onLocked', 'recover', 'reveal', 'status', 'unlock']);
    // …the members of RegisterClient in renderer/api/client.ts (read as text: electron/ may not import renderer/).
    expect(Object.keys(register).sort()).toEqual(interfaceMembers(new URL('../renderer/api/client.ts', import.meta.url)));
    expect(interfaceMembers(new URL('./preload.ts', import.meta.url))).toEqual(interfaceMembers(new URL('../renderer/api/client.ts', import.meta.url)));
    for (const v of Object.values(register)) expect(typeof v).toBe('function');
    expect(JSON.stringify(Object.keys(register))).not.toMatch(/ipc|send|invoke/i);
  });

  it('maps each method to its wire message', async () => {
    invoke.mockImplementation(async (channel: string) => ({ ok: true, value: channel === 'register:unlock' ? { login: 'admin' } : { registerExists: false } }));
    await register.status();
    await register.unlock('admin', 'pw-pw-pw-pw');
    await register.recover('CODE', 'admin', 'new-pw-pw-pw');
    await register.lock();
    const input = {
      operator: { name: 'ООО', address: 'Москва', taxId: '7700000000' },
      jurisdiction: 'RU',
      admin: { login: 'a', fullName: 'А', password: 'pw-pw-pw-pw' },
    };
    await register.create(input as never);
    expect(invoke.mock.calls).toEqual([
      ['register:status', {}],
      ['register:unlock', { login: 'admin', password: 'pw-pw-pw-pw' }],
      ['register:recover', { code: 'CODE', login: 'admin', newPassword: 'new-pw-pw-pw' }],
      ['register:lock', {}],
      ['register:create', input],
    ]);
    await expect(register.unlock('admin', 'x')).resolves.toEqual({ login: 'admin' });
    await expect(register.lock()).resolves.toBeUndefined();
  });

  it('rejects with the register error code (as a plain object, which survives contextBridge)', async () => {
    invoke.mockImplementation(async () => ({ ok: false, error: { code: 'auth_failed', message: 'Неверный логин или пароль.' } }));
    const err = await register.unlock('admin', 'bad').catch((e: unknown) => e);
    expect(err).toEqual({ name: 'ClientError', code: 'auth_failed', message: 'Неверный логин или пароль.' });
    invoke.mockImplementation(async () => undefined);
    await expect(register.status()).rejects.toMatchObject({ code: 'internal' });
  });

  it('routes progress events by callId and cancels through the wire when aborted', async () => {
    let finish: (v: unknown) => void = () => undefined;
    invoke.mockImplementation((channel: string) =>
      channel === 'register:call' ? new Promise((r) => (finish = r)) : Promise.resolve({ ok: true, value: { ok: true } }),
    );
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    const controller = new AbortController();
    const a = register.call('audit.verify', {} as never, { onProgress: (p) => seenA.push(p), signal: controller.signal });
    const callIdA = (invoke.mock.calls[0]![1] as { callId: string }).callId;
    expect(invoke.mock.calls[0]).toEqual(['register:call', { callId: callIdA, op: 'audit.verify', input: {} }]);
    expect(callIdA).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
    const finishA = finish;
    const b = register.call('audit.verify', {} as never, { onProgress: (p) => seenB.push(p) });
    const callIdB = (invoke.mock.calls[1]![1] as { callId: string }).callId;
    expect(callIdB).not.toBe(callIdA);

    fake.ipcRenderer.emit('register:progress', {}, { callId: callIdA, done: 10, total: 100 });
    fake.ipcRenderer.emit('register:progress', {}, { callId: callIdB, done: 5 });
    fake.ipcRenderer.emit('register:progress', {}, { callId: 'someone-else', done: 1 });
    expect(seenA).toEqual([{ done: 10, total: 100 }]);
    expect(seenB).toEqual([{ done: 5 }]);

    controller.abort();
    expect(invoke).toHaveBeenCalledWith('register:cancel', { callId: callIdA });
    finishA({ ok: false, error: { code: 'cancelled', message: 'Операция отменена; реестр не изменён.' } });
    await expect(a).rejects.toMatchObject({ code: 'cancelled' });
    finish({ ok: true, value: { rows: 1 } });
    await expect(b).resolves.toEqual({ rows: 1 });
    // Finished calls get no more progress.
    fake.ipcRenderer.emit('register:progress', {}, { callId: callIdA, done: 11 });
    expect(seenA).toHaveLength(1);
  });

  it('accepts the bridge-safe signal shape (own aborted/addEventListener) and an already aborted signal', async () => {
    const listeners: Array<() => void> = [];
    let finish: (v: unknown) => void = () => undefined;
    invoke.mockImplementation((channel: string) =>
      channel === 'register:call' ? new Promise((r) => (finish = r)) : Promise.resolve({ ok: true, value: { ok: true } }),
    );
    const signal = { aborted: false, addEventListener: (_t: string, l: () => void) => listeners.push(l), removeEventListener: () => undefined };
    const p = register.call('audit.verify', {} as never, { signal: signal as unknown as AbortSignal });
    const callId = (invoke.mock.calls[0]![1] as { callId: string }).callId;
    for (const l of listeners) l();
    expect(invoke).toHaveBeenCalledWith('register:cancel', { callId });
    finish({ ok: true, value: 1 });
    await p;

    invoke.mockClear();
    await expect(register.call('audit.verify', {} as never, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('tells listeners when the host locked the register, until they unsubscribe', () => {
    const a = vi.fn();
    const b = vi.fn();
    const offA = register.onLocked(a);
    register.onLocked(b);
    fake.ipcRenderer.emit('register:locked', {});
    offA();
    fake.ipcRenderer.emit('register:locked', {});
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
  });
});

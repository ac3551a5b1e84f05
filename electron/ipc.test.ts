import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebContents, FakeWebFrameMain, fake } from './fake-electron.ts';
import { createHostCore } from './host-core.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule);

const { registerIpc, channelFor, progressChannel, lockedChannel, notifyLocked } = await import('./ipc.ts');

const actor = { id: 1, login: 'admin', fullName: 'Админова Әлия', role: 'administrator' as const, disabled: false };

function fakeEngine() {
  return {
    status: vi.fn(() => ({ registerExists: true, unlocked: true, actor })),
    create: vi.fn(async () => ({ registerId: 'r1', recoveryCode: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE' })),
    unlock: vi.fn(async () => actor),
    recover: vi.fn(async () => undefined),
    lock: vi.fn(async () => undefined),
    call: vi.fn(async (_op: string, _input: unknown, o: { onProgress?: (p: { done: number; total?: number }) => void } = {}) => {
      o.onProgress?.({ done: 1, total: 2 });
      o.onProgress?.({ done: 2, total: 2 });
      return { rows: 2 };
    }),
  };
}

function setup() {
  const engine = fakeEngine();
  const win = new fake.BrowserWindow({}) as InstanceType<typeof fake.BrowserWindow>;
  win.webContents.mainFrame.url = 'app://privacy-desk/index.html';
  const onReply = vi.fn();
  const dispose = registerIpc({ core: createHostCore(engine as never), window: () => win as never, onReply });
  const invoke = (channel: string, event: unknown, payload: unknown) => fake.ipcMain.handlers.get(channel)!(event, payload) as Promise<any>;
  const ours = () => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame });
  return { engine, win, invoke, ours, onReply, dispose };
}

beforeEach(() => fake.reset());

describe('IPC host', () => {
  it('registers one handler per wire message', () => {
    setup();
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      [
        'register:call',
        'register:cancel',
        'register:create',
        'register:lock',
        'register:recover',
        'register:status',
        'register:unlock',
        'register:choosePath',
        'register:reveal',
        'register:defaults',
      ].sort(),
    );
  });

  it('forwards calls from our main frame to the engine and streams progress to our window only', async () => {
    const { engine, win, invoke, ours, onReply } = setup();
    const other = new fake.BrowserWindow({}) as InstanceType<typeof fake.BrowserWindow>;
    const reply = await invoke(channelFor('call'), ours(), { callId: 'c1', op: 'audit.verify', input: {} });
    expect(reply).toEqual({ ok: true, value: { rows: 2 } });
    expect(engine.call).toHaveBeenCalledTimes(1);
    expect(engine.call.mock.calls[0]![0]).toBe('audit.verify');
    expect(win.webContents.send.mock.calls).toEqual([
      [progressChannel, { callId: 'c1', done: 1, total: 2 }],
      [progressChannel, { callId: 'c1', done: 2, total: 2 }],
    ]);
    expect(other.webContents.send).not.toHaveBeenCalled();
    expect(onReply).toHaveBeenCalledWith('call', reply, { callId: 'c1', op: 'audit.verify', input: {} });

    expect(await invoke(channelFor('unlock'), ours(), { login: 'admin', password: 'pw-pw-pw-pw' })).toEqual({ ok: true, value: actor });
    expect(engine.unlock).toHaveBeenCalledWith('admin', 'pw-pw-pw-pw');
    expect(await invoke(channelFor('status'), ours(), {})).toEqual({ ok: true, value: { registerExists: true, unlocked: true, actor } });
    expect(await invoke(channelFor('lock'), ours(), {})).toEqual({ ok: true, value: { ok: true } });
    expect(engine.lock).toHaveBeenCalledTimes(1);
  });

  it('passes malformed payloads to the core, which refuses them with a typed error', async () => {
    const { engine, invoke, ours } = setup();
    const reply = await invoke(channelFor('unlock'), ours(), { login: 'admin' });
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('invalid_input');
    expect(engine.unlock).not.toHaveBeenCalled();
  });

  const foreign: Array<[string, (s: ReturnType<typeof setup>) => unknown]> = [
    ['another web contents', (s) => ({ sender: new FakeWebContents(), senderFrame: s.win.webContents.mainFrame })],
    [
      'a subframe of our window',
      (s) => ({
        sender: s.win.webContents,
        senderFrame: new FakeWebFrameMain('app://privacy-desk/frame.html', s.win.webContents.mainFrame as FakeWebFrameMain),
      }),
    ],
    [
      'our main frame showing https://evil.example',
      (s) => {
        s.win.webContents.mainFrame.url = 'https://evil.example/';
        return { sender: s.win.webContents, senderFrame: s.win.webContents.mainFrame };
      },
    ],
    [
      'a frame with a look-alike host',
      (s) => {
        s.win.webContents.mainFrame.url = 'app://privacy-desk.evil.example/index.html';
        return { sender: s.win.webContents, senderFrame: s.win.webContents.mainFrame };
      },
    ],
    ['a frame that is gone (senderFrame null)', (s) => ({ sender: s.win.webContents, senderFrame: null })],
    [
      'a destroyed window',
      (s) => {
        s.win.destroyed = true;
        return s.ours();
      },
    ],
  ];

  for (const [name, makeEvent] of foreign) {
    it(`rejects ${name} with 'forbidden' and never calls the engine`, async () => {
      const s = setup();
      const event = makeEvent(s);
      const payloads: Record<string, unknown> = {
        status: {},
        create: { operator: {}, jurisdiction: 'RU', admin: {} },
        unlock: { login: 'admin', password: 'pw-pw-pw-pw' },
        recover: { code: 'x', login: 'admin', newPassword: 'pw-pw-pw-pw' },
        lock: {},
        call: { callId: 'c9', op: 'persons.search', input: {} },
        cancel: { callId: 'c9' },
      };
      for (const [message, payload] of Object.entries(payloads)) {
        const reply = await s.invoke(`register:${message}`, event, payload);
        expect(reply, message).toEqual({ ok: false, error: { code: 'forbidden', message: 'Запрос отклонён: он пришёл не из окна программы.' } });
      }
      for (const fn of Object.values(s.engine)) expect(fn).not.toHaveBeenCalled();
      expect(s.win.webContents.send).not.toHaveBeenCalled();
      expect(s.onReply).not.toHaveBeenCalled();
    });
  }

  it('sends the lock notice to our window', () => {
    const win = new fake.BrowserWindow({}) as InstanceType<typeof fake.BrowserWindow>;
    notifyLocked(win as never);
    expect(win.webContents.send).toHaveBeenCalledExactlyOnceWith(lockedChannel);
    win.destroyed = true;
    notifyLocked(win as never);
    expect(win.webContents.send).toHaveBeenCalledTimes(1);
  });

  it('removes its handlers on dispose', () => {
    const { dispose } = setup();
    dispose();
    expect(fake.ipcMain.handlers.size).toBe(0);
  });
});

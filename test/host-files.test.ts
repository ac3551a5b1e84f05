// The host's file extras (exports, packs and prints write on the machine running the host):
// choosePath, reveal and defaults. The rule that matters: a page may open the folder of a file
// this session chose or wrote, never of a path it makes up; and nothing answers while locked.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BrowserHost, browserFiles, startBrowserHost } from '../electron/browser-host.ts';
import { createHostCore, defaultExportsDir, type HostEngine, type HostFiles } from '../electron/host-core.ts';
import { createHttpClient } from '../renderer/api/http-client.ts';

let dir = '';
let host: BrowserHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function tempDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-files-'));
  return dir;
}

function fakeEngine(written: () => unknown) {
  let unlocked = true;
  const engine: HostEngine = {
    status: () => ({ registerExists: true, unlocked, actor: unlocked ? { id: 2, login: 'manager', fullName: 'М', role: 'manager' } : null }),
    create: async () => ({ registerId: 'r', recoveryCode: 'c' }),
    unlock: async () => {
      unlocked = true;
      return { id: 2, login: 'manager', fullName: 'М', role: 'manager' };
    },
    recover: async () => undefined,
    lock: async () => {
      unlocked = false;
    },
    call: async () => written(),
  };
  return { engine, setUnlocked: (v: boolean) => (unlocked = v) };
}

function fakeFiles(exportsDir: string, chosen: string | null) {
  const files = {
    nativeDialogs: true,
    choosePath: vi.fn(async () => chosen),
    reveal: vi.fn(async () => ({ ok: true })),
    exportsDir: () => exportsDir,
  } satisfies HostFiles;
  return files;
}

describe('defaultExportsDir', () => {
  it('is Documents/PrivacyDesk on each OS, following xdg-user-dirs on Linux', () => {
    expect(defaultExportsDir({ platform: 'win32', env: { USERPROFILE: 'C:\\Users\\reg' }, home: 'C:\\Users\\reg' })).toBe(
      'C:\\Users\\reg\\Documents\\PrivacyDesk',
    );
    expect(defaultExportsDir({ platform: 'darwin', env: {}, home: '/Users/reg' })).toBe('/Users/reg/Documents/PrivacyDesk');
    const none = () => null;
    expect(defaultExportsDir({ platform: 'linux', env: {}, home: '/home/reg', readText: none })).toBe('/home/reg/Documents/PrivacyDesk');
    const russian = (p: string) =>
      p === '/home/reg/.config/user-dirs.dirs' ? '# comment\nXDG_DESKTOP_DIR="$HOME/Рабочий стол"\nXDG_DOCUMENTS_DIR="$HOME/Документы"\n' : null;
    expect(defaultExportsDir({ platform: 'linux', env: {}, home: '/home/reg', readText: russian })).toBe('/home/reg/Документы/PrivacyDesk');
    const own = (p: string) => (p === '/cfg/user-dirs.dirs' ? 'XDG_DOCUMENTS_DIR="/srv/docs"' : null);
    expect(defaultExportsDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '/cfg' }, home: '/home/reg', readText: own })).toBe('/srv/docs/PrivacyDesk');
    // "$HOME/" means the user has no documents folder: fall back rather than write into home itself.
    const disabled = () => 'XDG_DOCUMENTS_DIR="$HOME/"';
    expect(defaultExportsDir({ platform: 'linux', env: {}, home: '/home/reg', readText: disabled })).toBe('/home/reg/Documents/PrivacyDesk');
  });
});

describe('host core: choosePath, reveal, defaults', () => {
  it('reveals only what this session chose or wrote, and forgets it on lock', async () => {
    const root = tempDir();
    const exportsDir = join(root, 'exports');
    const chosen = join(root, 'chosen.xlsx');
    const written = join(root, 'written.csv');
    writeFileSync(chosen, 'x');
    writeFileSync(written, 'y');
    const { engine } = fakeEngine(() => ({ path: written, rows: 1, sha256: 'ab' }));
    const files = fakeFiles(exportsDir, chosen);
    const core = createHostCore(engine, { files });

    // Any path the page names is refused before the desktop is asked.
    for (const path of [written, chosen, '/etc/passwd', 'relative.csv', root]) {
      expect(await core.handle('reveal', { path }), path).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(files.reveal).not.toHaveBeenCalled();

    const request = { kind: 'save', defaultName: 'persons.xlsx', filters: [{ name: 'Excel', extensions: ['xlsx'] }] };
    expect(await core.handle('choosePath', request)).toEqual({ ok: true, value: chosen });
    expect(files.choosePath).toHaveBeenCalledWith(request, exportsDir);
    expect(await core.handle('reveal', { path: chosen })).toEqual({ ok: true, value: { ok: true } });
    expect(files.reveal).toHaveBeenLastCalledWith({ path: chosen, folder: root });

    // An operation's written file ({path} in its result) becomes revealable too.
    expect(await core.handle('reveal', { path: written })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await core.handle('call', { callId: 'x1', op: 'register.export', input: {} })).toMatchObject({ ok: true });
    expect(await core.handle('reveal', { path: written })).toEqual({ ok: true, value: { ok: true } });
    expect(await core.handle('reveal', { path: `${root}/./written.csv` })).toEqual({ ok: true, value: { ok: true } });
    // An operation that only reads a path the page named does not make it revealable.
    const named = join(root, 'named');
    mkdirSync(named);
    const reader = createHostCore(fakeEngine(() => ({ ok: false, path: named })).engine, { files });
    await reader.handle('call', { callId: 'v1', op: 'pack.verify', input: {} });
    expect(await reader.handle('reveal', { path: named })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // A folder is opened itself; a file that is gone gets a message, not an error.
    rmSync(chosen);
    expect(await core.handle('reveal', { path: chosen })).toMatchObject({
      ok: true,
      value: { ok: false, message: expect.stringContaining('Файла больше нет') },
    });

    await core.handle('lock', {});
    expect(await core.handle('reveal', { path: written })).toMatchObject({ ok: false, error: { code: 'locked' } });
    await engine.unlock('manager', 'x');
    expect(await core.handle('reveal', { path: written })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('opens a written folder (an inspection pack) itself', async () => {
    const root = tempDir();
    const pack = join(root, 'pack-2026');
    mkdirSync(pack);
    const { engine } = fakeEngine(() => ({ path: pack, files: 7, manifestSha256: 'cd' }));
    const files = fakeFiles(root, null);
    const core = createHostCore(engine, { files });
    await core.handle('call', { callId: 'p1', op: 'pack.create', input: {} });
    expect(await core.handle('reveal', { path: pack })).toEqual({ ok: true, value: { ok: true } });
    expect(files.reveal).toHaveBeenLastCalledWith({ path: pack, folder: pack });
  });

  it('refuses malformed requests and answers nothing while locked', async () => {
    const root = tempDir();
    const { engine, setUnlocked } = fakeEngine(() => null);
    const files = fakeFiles(join(root, 'e'), join(root, 'a.csv'));
    const core = createHostCore(engine, { files });
    for (const payload of [
      {},
      { kind: 'delete' },
      { kind: 'save', defaultName: '../../.bashrc' },
      { kind: 'save', defaultName: 'C:\\Windows\\x.csv' },
      { kind: 'save', defaultName: '' },
      { kind: 'save', filters: [{ name: 'x', extensions: ['.exe;rm'] }] },
      { kind: 'save', extra: 1 },
      null,
      'save',
    ]) {
      expect(await core.handle('choosePath', payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    for (const payload of [{}, { path: '' }, { path: 1 }, { path: '/a', extra: 1 }]) {
      expect(await core.handle('reveal', payload)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    expect(await core.handle('defaults', { x: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(files.choosePath).not.toHaveBeenCalled();

    setUnlocked(false);
    expect(await core.handle('choosePath', { kind: 'folder' })).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(await core.handle('defaults', {})).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(files.choosePath).not.toHaveBeenCalled();
  });

  it('a cancelled or relative dialog answer is null and makes nothing revealable', async () => {
    const root = tempDir();
    const { engine } = fakeEngine(() => null);
    const files = fakeFiles(root, null);
    const core = createHostCore(engine, { files });
    expect(await core.handle('choosePath', { kind: 'folder' })).toEqual({ ok: true, value: null });
    files.choosePath.mockImplementation(async () => 'relative/place' as never);
    expect(await core.handle('choosePath', { kind: 'open' })).toEqual({ ok: true, value: null });
    expect(await core.handle('reveal', { path: join(process.cwd(), 'relative/place') })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('defaults creates the exports folder on first use, owner-only, and says whether dialogs exist', async () => {
    const root = tempDir();
    const exportsDir = join(root, 'Documents', 'PrivacyDesk');
    const { engine } = fakeEngine(() => null);
    const core = createHostCore(engine, { files: fakeFiles(exportsDir, null) });
    expect(await core.handle('defaults', {})).toEqual({ ok: true, value: { exportsDir, pathSeparator: '/', nativeDialogs: true } });
    expect(statSync(exportsDir).isDirectory()).toBe(true);
    if (process.platform !== 'win32') expect(statSync(exportsDir).mode & 0o777).toBe(0o700);
    // Headless (no files plugged in): no dialogs.
    const headless = createHostCore(engine);
    expect(await headless.handle('defaults', {})).toMatchObject({ ok: true, value: { nativeDialogs: false } });
    expect(await headless.handle('choosePath', { kind: 'save', defaultName: 'a.csv' })).toEqual({ ok: true, value: null });
  });
});

describe('browser mode', () => {
  it('over HTTP: no dialogs, a default folder, and the OS opener only for written files', async () => {
    const root = tempDir();
    const exportsDir = join(root, 'exports');
    const out = join(exportsDir, 'persons.csv');
    const opened: string[] = [];
    const { engine } = fakeEngine(() => {
      writeFileSync(out, 'x');
      return { path: out, rows: 1, sha256: 'ab' };
    });
    host = await startBrowserHost({
      engine,
      staticDir: join(root, 'no-web'),
      exportsDir,
      openFolder: (folder) => {
        opened.push(folder);
        return { ok: true };
      },
    });
    const exchange = await fetch(host.url, { redirect: 'manual' });
    const cookie = exchange.headers.get('set-cookie')!.split(';')[0]!;
    const h = host;
    const client = createHttpClient({
      base: h.origin,
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Cookie: cookie, Origin: h.origin } }),
    });
    expect(await client.defaults()).toEqual({ exportsDir, pathSeparator: '/', nativeDialogs: false });
    expect(statSync(exportsDir).isDirectory()).toBe(true);
    expect(await client.choosePath({ kind: 'save', defaultName: 'persons.csv' })).toBeNull();
    await expect(client.reveal({ path: out })).rejects.toMatchObject({ code: 'forbidden' });
    await client.call('register.export' as never, {} as never);
    expect(await client.reveal({ path: out })).toEqual({ ok: true });
    expect(opened).toEqual([exportsDir]);
  });

  it('says so when this machine has no way to open folders', async () => {
    const files = browserFiles({ exportsDir: '/x', openFolder: () => ({ ok: false, message: 'нет xdg-open' }) });
    expect(files.nativeDialogs).toBe(false);
    expect(await files.choosePath({ kind: 'save' }, '/x')).toBeNull();
    expect(await files.reveal({ path: '/x/a.csv', folder: '/x' })).toEqual({ ok: false, message: 'нет xdg-open' });
  });
});

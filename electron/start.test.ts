import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { root } from '../build/bundle.ts';
import { runBrowserMode } from './browser-main.ts';
import { bundledMain, missingRuntimeLine, rendererIsStale, type StartDeps, start } from './start.ts';

let dir = '';
let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function deps(runtime: string | null) {
  const order: string[] = [];
  const child = { pid: 1 } as never;
  const browser = { stop: vi.fn(async () => undefined) } as never;
  const d = {
    electronRuntime: vi.fn(() => runtime),
    ensureRenderer: vi.fn(() => void order.push('renderer')),
    ensureBundle: vi.fn(() => void order.push('bundle')),
    spawnElectron: vi.fn(() => {
      order.push('electron');
      return child;
    }),
    runBrowser: vi.fn(async () => {
      order.push('browser');
      return browser;
    }),
    log: vi.fn(),
  } satisfies StartDeps;
  return { d, order, child, browser };
}

describe('npm start', () => {
  it('launches Electron with the bundled main when the runtime is present', async () => {
    const { d, order, child } = deps('/opt/electron/electron');
    const result = await start(['--db', '/srv/r.pdesk'], d);
    expect(result).toEqual({ mode: 'electron', child });
    expect(d.spawnElectron).toHaveBeenCalledExactlyOnceWith('/opt/electron/electron', [join(root, 'out', 'app', 'main.js'), '--db', '/srv/r.pdesk']);
    expect(bundledMain).toBe(join(root, 'out', 'app', 'main.js'));
    expect(order).toEqual(['renderer', 'bundle', 'electron']);
    expect(d.runBrowser).not.toHaveBeenCalled();
    expect(d.log).not.toHaveBeenCalled();
  });

  it('without the runtime prints one line saying so and how to get it, then starts browser mode with --open', async () => {
    const { d, order, browser } = deps(null);
    const result = await start(['--port', '8123'], d);
    expect(result).toEqual({ mode: 'browser', browser });
    expect(d.log).toHaveBeenCalledExactlyOnceWith(missingRuntimeLine);
    expect(missingRuntimeLine).not.toContain('\n');
    expect(missingRuntimeLine).toContain('Electron');
    expect(missingRuntimeLine).toContain('npm run fetch-electron');
    expect(missingRuntimeLine).toContain('ELECTRON_MIRROR');
    expect(d.runBrowser).toHaveBeenCalledExactlyOnceWith(['--open', '--port', '8123']);
    expect(order).toEqual(['renderer', 'browser']);
    expect(d.spawnElectron).not.toHaveBeenCalled();
    expect(d.ensureBundle).not.toHaveBeenCalled();
  });

  it('--no-open starts browser mode without opening a browser', async () => {
    const { d } = deps(null);
    await start(['--no-open'], d);
    expect(d.runBrowser).toHaveBeenCalledExactlyOnceWith([]);
  });

  it('browser mode really serves: the printed one-time link answers on 127.0.0.1', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdesk-start-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Privacy Desk</title>');
    const lines: string[] = [];
    const { d } = deps(null);
    const result = await start(['--no-open', '--db', join(dir, 'data', 'register.pdesk'), '--static', join(dir, 'renderer')], {
      ...d,
      log: (l) => lines.push(l),
      runBrowser: async (argv) => {
        const { parseBrowserArgs } = await import('./browser-main.ts');
        return runBrowserMode(parseBrowserArgs(argv), (l) => lines.push(l));
      },
    });
    if (result.mode !== 'browser') throw new Error('expected browser mode');
    stop = result.browser.stop;
    expect(lines[0]).toBe(missingRuntimeLine);
    const url = lines.map((l) => l.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/)?.[0]).find(Boolean);
    expect(url).toBeDefined();
    expect(result.browser.host.server.address()).toMatchObject({ address: '127.0.0.1' });
    const res = await fetch(url!, { redirect: 'manual' });
    expect(res.status).toBeLessThan(400);
    expect(res.headers.get('set-cookie') ?? '').toMatch(/HttpOnly/i);
  });
});

describe('renderer build check', () => {
  it('is stale when out/renderer is missing or older than a source, fresh otherwise', () => {
    dir = mkdtempSync(join(tmpdir(), 'pdesk-stale-'));
    const src = join(dir, 'renderer');
    const out = join(dir, 'out');
    mkdirSync(src);
    mkdirSync(out);
    writeFileSync(join(src, 'main.tsx'), 'x');
    expect(rendererIsStale(out, [src])).toBe(true);
    writeFileSync(join(out, 'index.html'), '<!doctype html>');
    const t = (s: string) => new Date(s);
    utimesSync(join(src, 'main.tsx'), t('2026-01-01'), t('2026-01-01'));
    utimesSync(join(out, 'index.html'), t('2026-01-02'), t('2026-01-02'));
    expect(rendererIsStale(out, [src])).toBe(false);
    utimesSync(join(src, 'main.tsx'), t('2026-01-03'), t('2026-01-03'));
    expect(rendererIsStale(out, [src])).toBe(true);
  });
});

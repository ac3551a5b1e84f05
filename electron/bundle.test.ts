import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, bundleIsStale, fileReadingExternals, nativeExternals, root } from '../build/bundle.ts';

let out = '';
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'pdesk-bundle-'));
  await bundle(out);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const requires = (file: string) => [...readFileSync(join(out, file), 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);

describe('bundles for Electron (build/bundle.ts)', () => {
  it('makes the sandboxed preload one CommonJS file that requires only electron', () => {
    expect([...new Set(requires('preload.js'))]).toEqual(['electron']);
    const text = readFileSync(join(out, 'preload.js'), 'utf8');
    expect(text).not.toMatch(/\bimport\s|\bexport\s|import\.meta/);
    expect(text).toContain('exposeInMainWorld("register"');
  });

  it('leaves only electron, the native and file-reading packages and Node built-ins external in main and the workers', () => {
    for (const file of ['main.js', 'session-worker.js', 'job-worker.js']) {
      const external = new Set(requires(file).filter((m) => !m.startsWith('node:') && !builtinModules.includes(m)));
      for (const m of external) expect([...nativeExternals, ...fileReadingExternals], `${file}: ${m}`).toContain(m);
      const text = readFileSync(join(out, file), 'utf8');
      expect(text, file).not.toMatch(/\bimport\.meta\b/);
    }
    expect(requires('session-worker.js')).toContain('better-sqlite3-multiple-ciphers');
    expect(requires('main.js')).toContain('electron');
    expect(requires('session-worker.js')).not.toContain('electron');
  });

  it('marks out/app as CommonJS despite the repository being "type": "module"', () => {
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('knows when the bundles are older than the sources', () => {
    expect(bundleIsStale(out)).toBe(false);
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(join(out, 'main.js'), old, old);
    expect(bundleIsStale(out)).toBe(true);
    expect(bundleIsStale(join(out, 'missing'))).toBe(true);
    expect(root.endsWith('/')).toBe(true);
  });
});

// The electron-builder configuration, checked against electron-builder's own JSON schema, and a
// smoke packaging run (stand-in Electron, `--linux dir`) proving where the files land.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../build/bundle.ts';
import { packageSmoke, type SmokeResult } from '../build/package-smoke.ts';
import { Engine } from '../db/engine/engine.ts';

const config = JSON.parse(readFileSync(join(root, 'build', 'electron-builder.json'), 'utf8'));
const schema = JSON.parse(readFileSync(join(root, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'));
// ajv comes with electron-builder (app-builder-lib uses it for this very schema); not a direct dependency.
const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('electron-builder configuration', () => {
  it('is valid against app-builder-lib/scheme.json', () => {
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the validator does reject a misspelt option (so the check above means something)', () => {
    expect(validate({ ...config, nsis: { ...config.nsis, perMachin: true } })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsnode: false } })).toBe(false);
  });

  it('builds a per-machine NSIS installer in Russian and English', () => {
    expect(config.appId).toMatch(/^[a-z0-9.]+$/);
    expect(config.productName).toBe('Privacy Desk');
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true, installerLanguages: ['ru_RU', 'en_US'], language: '1049' });
  });

  it('builds AppImage and deb for Linux', () => {
    expect(config.linux.target.map((t: { target: string }) => t.target)).toEqual(['AppImage', 'deb']);
  });

  it('never publishes and ships no updater (the reception PCs are offline)', () => {
    expect(config.publish).toBeNull();
    for (const section of ['win', 'nsis', 'linux', 'deb', 'appImage']) expect(config[section]?.publish ?? null).toBeNull();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).not.toContain('electron-updater');
  });

  it('sets the Electron fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into an asar, unpacks the native modules and starts at the bundled main', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['out/app/node_modules/**/*.node']);
    expect(config.extraMetadata.main).toBe('out/app/main.js');
    expect(config.npmRebuild).toBe(false);
  });
});

describe('smoke packaging (electron-builder --linux dir, stand-in Electron)', () => {
  let result: SmokeResult | null = null;
  let extracted = '';
  afterAll(() => {
    if (result) rmSync(result.workDir, { recursive: true, force: true });
    if (extracted) rmSync(extracted, { recursive: true, force: true });
  });

  it('puts the app in resources/app.asar and the native modules beside it, downloading nothing', { timeout: 180_000 }, async () => {
    result = await packageSmoke();
    for (const f of [
      'out/app/main.js',
      'out/app/preload.js',
      'out/app/session-worker.js',
      'out/app/job-worker.js',
      'out/app/package.json',
      'out/renderer/index.html',
      'package.json',
    ]) {
      expect(result.asarFiles, f).toContain(f);
    }
    // The bundles are self-contained: no sources and no bundled-in packages travel along.
    expect(result.asarFiles.filter((f) => f.endsWith('.ts'))).toEqual([]);
    for (const gone of ['node_modules/zod/', 'node_modules/react/', 'node_modules/commander/', 'node_modules/electron/']) {
      expect(
        result.asarFiles.some((f) => f.startsWith(gone)),
        gone,
      ).toBe(false);
    }
    expect(result.packagedPackageJson.main).toBe('out/app/main.js');
    expect(result.packagedPackageJson.scripts).toBeUndefined();
    // The .node files are flagged unpacked in the asar header (so Electron redirects require()
    // to app.asar.unpacked) and really are there on disk.
    const sqlite = 'out/app/node_modules/better-sqlite3-multiple-ciphers/prebuilds/linux-x64.node';
    const argon = 'out/app/node_modules/@node-rs/argon2-linux-x64-gnu/argon2.linux-x64-gnu.node';
    for (const f of [sqlite, argon]) {
      expect(result.unpackedInHeader, f).toContain(f);
      expect(result.unpackedOnDisk, f).toContain(f);
    }
    // Only native binaries are unpacked; their loaders stay in the asar.
    expect(result.unpackedOnDisk.length).toBeGreaterThan(0);
    expect(result.unpackedOnDisk.every((f) => /^out\/app\/node_modules\/.+\.node$/.test(f))).toBe(true);
    // Root node_modules never travels: the bundles carry everything but the native packages.
    expect(result.asarFiles.some((f) => f.startsWith('node_modules/'))).toBe(false);
    // Linux package: no Windows or macOS binaries.
    expect(result.asarFiles.some((f) => /prebuilds\/(win32|darwin)-/.test(f))).toBe(false);
    expect(result.downloads).toEqual([]);
    expect(result.log).not.toMatch(/downloading/i);
  });

  it('the packaged files alone run the register (workers from the extracted asar, on Node)', { timeout: 120_000 }, async () => {
    expect(result).not.toBeNull();
    const asar = (await import('@electron/asar')) as typeof import('@electron/asar');
    // Outside the repository, so nothing can resolve from the working tree's node_modules.
    extracted = mkdtempSync(join(tmpdir(), 'pdesk-asar-'));
    asar.extractAll(result!.asarPath, join(extracted, 'app'));
    cpSync(join(result!.appOutDir, 'resources', 'app.asar.unpacked'), join(extracted, 'app'), { recursive: true });
    const appDir = join(extracted, 'app', 'out', 'app');
    // main.ts creates the register's folder before the engine starts (checkRegisterAccess).
    mkdirSync(join(extracted, 'data'));
    const engine = new Engine({
      dbPath: join(extracted, 'data', 'register.pdesk'),
      workerFiles: { session: join(appDir, 'session-worker.js'), job: join(appDir, 'job-worker.js') },
    });
    try {
      const operator = { name: 'ООО «Клиника»', address: 'г. Москва, ул. Тверская, 1', taxId: '7701234567' };
      const created = await engine.create({ operator, jurisdiction: 'RU', admin: { login: 'admin', fullName: 'Админов Админ', password: 'admin-pass-1' } });
      expect(created.recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
      expect(await engine.unlock('admin', 'admin-pass-1')).toMatchObject({ login: 'admin', role: 'administrator' });
      expect(await engine.call('settings.get', {})).toMatchObject({ jurisdiction: 'RU', operator });
      // A long operation runs in the job worker bundle.
      expect(await engine.call('audit.verify', {})).toMatchObject({ ok: true });
      // pdfkit, its fonts and exceljs read data files beside their own code: they must travel.
      const person = (await engine.call('person.add', { fullName: 'Пакетова Әлия', phone: '+79161234567', source: 'walk_in' })) as { id: number };
      const pdf = join(extracted, 'data', 'consent.pdf');
      await engine.call('print.consent', { personId: person.id, purpose: 'appointment', outPath: pdf });
      expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await engine.dispose();
    }
  });
});

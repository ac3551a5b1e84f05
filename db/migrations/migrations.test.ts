import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyKey, type DB, openDatabase } from '../connection.ts';
import { RegisterError } from '../errors.ts';
import { latestVersion, type Migration, migrate, migrations } from './index.ts';

// The migration framework itself; each numbered migration has its own NNNN-name.test.ts.

let dir: string;
let path: string;
const key = randomBytes(32);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-migr-'));
  path = join(dir, 'register.pdesk');
});
afterEach(() => {
  vi.doUnmock('./0001-initial.ts');
  vi.resetModules();
  rmSync(dir, { recursive: true, force: true });
});

function userVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function objects(db: DB): string[] {
  return (db.prepare("SELECT type || ' ' || name AS o FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1").all() as { o: string }[]).map((r) => r.o);
}

// A file as a newer program would leave it: our schema, a higher version number.
function makeNewerFile(by: number): void {
  openDatabase(path, key, { create: true }).close();
  const db = new Database(path);
  applyKey(db, key);
  db.pragma(`user_version = ${latestVersion + by}`);
  db.close();
}

function snapshot(): { files: string[]; bytes: Buffer } {
  return { files: readdirSync(dir).sort(), bytes: readFileSync(path) };
}

describe('the migration list', () => {
  it('is numbered 1..n without gaps, each in its own NNNN-name.ts file with a test beside it', () => {
    expect(latestVersion).toBe(migrations.length);
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.name).toMatch(/^[a-z0-9-]+$/);
      const base = `${String(m.version).padStart(4, '0')}-${m.name}`;
      expect(existsSync(new URL(`./${base}.ts`, import.meta.url)), `${base}.ts`).toBe(true);
      expect(existsSync(new URL(`./${base}.test.ts`, import.meta.url)), `${base}.test.ts`).toBe(true);
    });
  });
});

describe('a database from a newer version', () => {
  it('is refused with a clear message and left byte-for-byte untouched', () => {
    makeNewerFile(1);
    const before = snapshot();
    let err: unknown;
    try {
      openDatabase(path, key);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegisterError);
    expect((err as RegisterError).code).toBe('newer_schema');
    expect((err as RegisterError).message).toContain(`версии схемы ${latestVersion + 1}`);
    expect((err as RegisterError).message).toMatch(/Файл не изменён/);
    const after = snapshot();
    expect(after.files).toEqual(before.files);
    expect(after.bytes.equals(before.bytes)).toBe(true);
  });

  it('is refused read-only too, and far-future versions as well', () => {
    makeNewerFile(40);
    const before = snapshot();
    expect(() => openDatabase(path, key, { readonly: true })).toThrow(expect.objectContaining({ code: 'newer_schema' }));
    expect(() => openDatabase(path, key, { targetVersion: 1 })).toThrow(expect.objectContaining({ code: 'newer_schema' }));
    expect(snapshot().bytes.equals(before.bytes)).toBe(true);
  });

  it('is refused by migrate() itself, which changes nothing', () => {
    openDatabase(path, key, { create: true }).close();
    const db = new Database(path);
    try {
      applyKey(db, key);
      db.pragma(`user_version = ${latestVersion + 1}`);
      const schema = objects(db);
      expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'newer_schema' }));
      expect(userVersion(db)).toBe(latestVersion + 1);
      expect(objects(db)).toEqual(schema);
    } finally {
      db.close();
    }
  });
});

describe('stepping through versions', () => {
  it('a new file can stop at version 0 (empty) and then climbs one version at a time', () => {
    let db = openDatabase(path, key, { create: true, targetVersion: 0 });
    expect(userVersion(db)).toBe(0);
    expect(objects(db)).toEqual([]);
    db.close();
    let previous: string[] = [];
    for (let v = 1; v <= latestVersion; v++) {
      db = openDatabase(path, key, { targetVersion: v });
      expect(userVersion(db)).toBe(v);
      const now = objects(db);
      // Each step adds its own objects and keeps what was there.
      expect(now.length).toBeGreaterThan(previous.length);
      expect(now).toEqual(expect.arrayContaining(previous));
      previous = now;
      db.close();
    }
    // Opening at the latest version again is a no-op.
    db = openDatabase(path, key);
    expect(userVersion(db)).toBe(latestVersion);
    expect(objects(db)).toEqual(previous);
    db.close();
  });

  it('opening a file never moves it backwards to a lower target', () => {
    openDatabase(path, key, { create: true }).close();
    const db = openDatabase(path, key, { targetVersion: 0 });
    expect(userVersion(db)).toBe(latestVersion);
    db.close();
  });

  it('the file is encrypted from version 0 on: a wrong key cannot read it', () => {
    openDatabase(path, key, { create: true, targetVersion: 0 }).close();
    expect(() => openDatabase(path, randomBytes(32))).toThrow(expect.objectContaining({ code: 'not_a_register' }));
    expect(readFileSync(path).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  });
});

describe('a failing migration', () => {
  it('rolls back wholly: no half schema, version unchanged, earlier data intact', () => {
    // The real 0001 fails midway when a table it creates late already exists.
    let db = openDatabase(path, key, { create: true, targetVersion: 0 });
    db.exec("CREATE TABLE audit (x TEXT); INSERT INTO audit VALUES ('kept')");
    db.close();
    expect(() => openDatabase(path, key)).toThrow(/audit already exists/);
    db = openDatabase(path, key, { targetVersion: 0 });
    try {
      expect(userVersion(db)).toBe(0);
      // persons, users, register_info... are created before audit in 0001: none survived.
      expect(objects(db)).toEqual(['table audit']);
      expect(db.prepare('SELECT x FROM audit').all()).toEqual([{ x: 'kept' }]);
    } finally {
      db.close();
    }
  });

  it('rolls back the DDL and data of a migration that throws after doing work', async () => {
    vi.resetModules();
    vi.doMock('./0001-initial.ts', () => ({
      m0001: {
        version: 1,
        name: 'initial',
        up: (db: DB) => {
          db.exec('CREATE TABLE half_done (x INTEGER) STRICT; INSERT INTO half_done VALUES (1), (2)');
          db.exec('CREATE INDEX half_done_x ON half_done(x)');
          throw new Error('migration failed midway');
        },
      } satisfies Migration,
    }));
    const fake = await import('./index.ts');
    expect(fake.latestVersion).toBe(1);
    const db = openDatabase(path, key, { create: true, targetVersion: 0 });
    try {
      expect(() => fake.migrate(db, 1)).toThrow('migration failed midway');
      expect(userVersion(db)).toBe(0);
      expect(objects(db)).toEqual([]);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });
});

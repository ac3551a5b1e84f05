import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRegister, passwords, type TestRegister } from '../test/helpers.ts';
import { dispatch } from './api.ts';
import { openDatabase } from './connection.ts';
import { RegisterError } from './errors.ts';
import { keyringPathFor } from './keyring.ts';
import { latestVersion } from './migrations/index.ts';
import { openRegister, recoverAccess } from './register.ts';

let reg: TestRegister;
afterEach(() => reg?.cleanup());

describe('register file and key slots', () => {
  it('creates an encrypted SQLCipher file with WAL, foreign keys, secure_delete and the latest schema', async () => {
    reg = await makeRegister();
    const head = readFileSync(reg.dbPath).subarray(0, 16).toString('latin1');
    expect(head).not.toBe('SQLite format 3\0');
    const db = reg.admin.ctx.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    const notStrict = db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'person_names%' AND name NOT LIKE 'person_phones%' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%) STRICT'",
      )
      .all();
    expect(notStrict).toEqual([]);
  });

  it('a wrong password or unknown login says only that, and is audited at the next unlock', async () => {
    reg = await makeRegister();
    const attempt = openRegister({ dbPath: reg.dbPath, login: 'desk', password: 'wrong-password' });
    await expect(attempt).rejects.toMatchObject({ code: 'auth_failed', message: 'Неверный логин или пароль.' });
    await expect(openRegister({ dbPath: reg.dbPath, login: 'nobody', password: 'whatever1' })).rejects.toMatchObject({
      code: 'auth_failed',
      message: 'Неверный логин или пароль.',
    });
    const s = await reg.open('manager', passwords.manager);
    const failed = await dispatch(s.ctx, 'audit.list', { action: 'login.failed' });
    expect(failed).toHaveLength(2);
    expect(failed.map((r) => r.login).sort()).toEqual(['desk', null].sort());
  });

  it('changing a password or adding/removing a user rewrites only the keyring, never the database', async () => {
    reg = await makeRegister();
    reg.admin.close();
    reg.manager.close();
    reg.desk.close();
    const mgr = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    // Read the page that holds the file's first bytes: SQLCipher re-encrypts every page on rekey.
    const before = readFileSync(reg.dbPath).subarray(0, 4096);
    const sizeBefore = statSync(reg.dbPath).size;
    await dispatch(mgr.ctx, 'user.add', { login: 'desk2', fullName: 'Новая Сотрудница', role: 'receptionist', password: 'desk2-pass' });
    await dispatch(mgr.ctx, 'user.passwd', { login: 'desk', newPassword: 'desk-new-pass' });
    await dispatch(mgr.ctx, 'user.disable', { login: 'desk2' });
    mgr.close();
    expect(readFileSync(reg.dbPath).subarray(0, 4096).equals(before)).toBe(true);
    expect(statSync(reg.dbPath).size).toBeGreaterThanOrEqual(sizeBefore);
    await expect(openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).rejects.toMatchObject({ code: 'auth_failed' });
    (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: 'desk-new-pass' })).close();
    await expect(openRegister({ dbPath: reg.dbPath, login: 'desk2', password: 'desk2-pass' })).rejects.toMatchObject({ code: 'auth_failed' });
  });

  it('the recovery code resets a password when every password is lost', async () => {
    reg = await makeRegister();
    await expect(
      recoverAccess({ dbPath: reg.dbPath, code: 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA', login: 'manager', newPassword: 'x-new-pass' }),
    ).rejects.toMatchObject({ code: 'auth_failed' });
    await recoverAccess({ dbPath: reg.dbPath, code: reg.recoveryCode.toLowerCase(), login: 'manager', newPassword: 'recovered-pass' });
    const s = await reg.open('manager', 'recovered-pass');
    const used = await dispatch(s.ctx, 'audit.list', { action: 'recovery.used' });
    expect(used).toHaveLength(1);
  });

  it('refuses a database written by a newer schema without touching it', async () => {
    reg = await makeRegister();
    const key = Buffer.from(reg.manager.ctx.rawKey);
    const dbPath = reg.dbPath;
    reg.admin.ctx.db.pragma(`user_version = ${latestVersion + 1}`);
    reg.admin.close();
    reg.manager.close();
    reg.desk.close();
    const bytes = readFileSync(dbPath);
    const walExists = existsSync(`${dbPath}-wal`);
    expect(() => openDatabase(dbPath, key)).toThrow(RegisterError);
    try {
      openDatabase(dbPath, key);
    } catch (err) {
      expect((err as RegisterError).code).toBe('newer_schema');
      expect((err as RegisterError).message).toContain('не изменён');
    }
    expect(readFileSync(dbPath).equals(bytes)).toBe(true);
    expect(existsSync(`${dbPath}-wal`)).toBe(walExists);
    await expect(openRegister({ dbPath, login: 'manager', password: passwords.manager })).rejects.toMatchObject({ code: 'newer_schema' });
  });

  it('a damaged keyring gets a clear error, not a crash', async () => {
    reg = await makeRegister();
    // Without its previous version (test/hostile/keyring.test.ts covers the fallback to it).
    rmSync(`${keyringPathFor(reg.dbPath)}.prev`, { force: true });
    writeFileSync(keyringPathFor(reg.dbPath), '{"format":"privacy-desk-keyring", "slots": [');
    await expect(openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager })).rejects.toMatchObject({
      code: 'keyring_damaged',
      message: expect.stringContaining('privacy-desk keyring restore <копия файла ключей>'),
    });
  });
});

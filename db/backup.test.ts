import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, passwords, type TestRegister } from '../test/helpers.ts';
import { verifyAudit } from './audit.ts';
import { restoreBackup, unlockForRestore } from './backup.ts';
import { applyKey } from './connection.ts';
import { keyringPathFor, readKeyring } from './keyring.ts';
import { latestVersion } from './migrations/index.ts';

const regs: TestRegister[] = [];
afterEach(() => {
  for (const r of regs.splice(0)) r.cleanup();
});

async function fresh(): Promise<TestRegister> {
  const r = await makeRegister();
  regs.push(r);
  return r;
}

function openWithKey(path: string, key: Buffer): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  applyKey(db, key);
  return db;
}

function purposeCodes(path: string, key: Buffer): string[] {
  const db = openWithKey(path, key);
  try {
    return (db.prepare('SELECT code FROM purposes ORDER BY id').all() as { code: string }[]).map((r) => r.code);
  } finally {
    db.close();
  }
}

const addPurpose = (reg: TestRegister, code: string) =>
  call(reg.manager.ctx, 'purpose.add', { code, title: { ru: 'Тест', kk: 'Тест', en: 'Test' }, dataCategories: ['phone'] });

// Snapshot of every file of the register (db, WAL, keyring) to prove a refusal touched nothing.
function snapshot(reg: TestRegister): Map<string, Buffer> {
  return new Map(
    readdirSync(reg.dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, readFileSync(join(reg.dir, e.name))]),
  );
}

function closeOthers(reg: TestRegister): void {
  reg.admin.close();
  reg.desk.close();
}

describe('backup.create', () => {
  it('writes an encrypted copy under the same key, with the keyring beside it, and audits the chain head', async () => {
    const reg = await fresh();
    const key = Buffer.from(reg.manager.ctx.rawKey);
    const result = await call(reg.manager.ctx, 'backup.create', {});
    expect(result.path).toBe(join(reg.dir, 'backups', 'register-20260216-090000.pdesk'));
    expect(result.keyringPath).toBe(`${result.path}.keyring`);
    const bytes = readFileSync(result.path);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from('Руководова Мария Петровна'))).toBe(false);
    expect(bytes.includes(Buffer.from('Клиника Здоровье'))).toBe(false);
    expect(result.size).toBe(bytes.length);

    const db = openWithKey(result.path, key);
    try {
      expect((db.prepare('SELECT full_name FROM users WHERE login = ?').get('manager') as { full_name: string }).full_name).toBe('Руководова Мария Петровна');
      const chain = verifyAudit(db, reg.manager.ctx.registerId);
      expect(chain).toMatchObject({ ok: true, rows: result.auditRows, head: result.auditHead });
    } finally {
      db.close();
    }
    const wrong = openWithKey(result.path, randomBytes(32));
    expect(() => wrong.pragma('user_version')).toThrow();
    wrong.close();

    expect(readKeyring(result.keyringPath)).toEqual(readKeyring(keyringPathFor(reg.dbPath)));
    const [row] = await call(reg.manager.ctx, 'audit.list', { action: 'backup.create' });
    expect(row.details).toMatchObject({
      file: 'register-20260216-090000.pdesk',
      auditHead: result.auditHead,
      auditRows: result.auditRows,
      sha256: result.sha256,
    });

    // A second backup in the same second does not overwrite the first.
    const second = await call(reg.manager.ctx, 'backup.create', {});
    expect(basename(second.path)).toBe('register-20260216-090000-2.pdesk');
    expect(readdirSync(dirname(result.path)).sort()).toEqual([
      'register-20260216-090000-2.pdesk',
      'register-20260216-090000-2.pdesk.keyring',
      'register-20260216-090000.pdesk',
      'register-20260216-090000.pdesk.keyring',
    ]);
  });

  it('writes into a chosen folder or file, and a receptionist may not run it', async () => {
    const reg = await fresh();
    const intoDir = await call(reg.admin.ctx, 'backup.create', { path: `${reg.dir}/` });
    expect(intoDir.path).toBe(join(reg.dir, 'register-20260216-090000.pdesk'));
    const named = await call(reg.admin.ctx, 'backup.create', { path: join(reg.dir, 'copy.pdesk') });
    expect(named.path).toBe(join(reg.dir, 'copy.pdesk'));
    await expect(call(reg.admin.ctx, 'backup.create', { path: join(reg.dir, 'copy.pdesk') })).rejects.toMatchObject({ code: 'conflict' });
    await expect(call(reg.desk.ctx, 'backup.create', {})).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('restore', () => {
  it('round-trips: the register returns to the backup, the replaced file is kept, the restore is audited', async () => {
    const reg = await fresh();
    const key = Buffer.from(reg.manager.ctx.rawKey);
    await addPurpose(reg, 'before_backup');
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    await addPurpose(reg, 'after_backup');
    closeOthers(reg);

    const result = await restoreBackup({
      dbPath: reg.dbPath,
      backupPath: backup.path,
      auth: { session: reg.manager },
      now: () => new Date('2026-02-17T10:30:00'),
    });
    expect(reg.manager.ctx.db.open).toBe(false);
    expect(result.replacedPath).toBe(`${reg.dbPath}.replaced-20260217-103000`);
    expect(purposeCodes(reg.dbPath, key)).toContain('before_backup');
    expect(purposeCodes(reg.dbPath, key)).not.toContain('after_backup');
    expect(purposeCodes(result.replacedPath!, key)).toContain('after_backup');
    expect(existsSync(`${reg.dbPath}-wal`) && readFileSync(`${reg.dbPath}-wal`).length > 0).toBe(false);
    expect(readdirSync(reg.dir).filter((n) => n.includes('.restoring-'))).toEqual([]);

    const s = await reg.open('manager', passwords.manager);
    const [row] = await call(s.ctx, 'audit.list', { action: 'backup.restore' });
    expect(row).toMatchObject({
      login: 'manager',
      details: { backupFile: basename(backup.path), backupAuditHead: backup.auditHead, replacedFile: basename(result.replacedPath!) },
    });
    expect(await call(s.ctx, 'audit.verify')).toMatchObject({ ok: true });
  });

  it('restores with the raw key when the current file is lost, checking the role in the backup', async () => {
    const reg = await fresh();
    const key = Buffer.from(reg.manager.ctx.rawKey);
    await addPurpose(reg, 'kept');
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    reg.admin.close();
    reg.manager.close();
    reg.desk.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${reg.dbPath}${suffix}`, { force: true });

    await expect(unlockForRestore({ dbPath: reg.dbPath, backupPath: backup.path, login: 'manager', password: 'wrong-pass' })).rejects.toMatchObject({
      code: 'auth_failed',
    });
    const deskKey = await unlockForRestore({ dbPath: reg.dbPath, backupPath: backup.path, login: 'desk', password: passwords.desk });
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { rawKey: deskKey, login: 'desk' } })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(existsSync(reg.dbPath)).toBe(false);

    const managerKey = await unlockForRestore({ dbPath: reg.dbPath, backupPath: backup.path, login: 'manager', password: passwords.manager });
    const result = await restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { rawKey: managerKey, login: 'manager' } });
    expect(result.replacedPath).toBeNull();
    expect(purposeCodes(reg.dbPath, key)).toContain('kept');
    (await reg.open('manager', passwords.manager)).close();
  });

  it('brings back a damaged keyring from the copy beside the backup, keeping the damaged one aside', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    reg.admin.close();
    reg.manager.close();
    reg.desk.close();
    writeFileSync(keyringPathFor(reg.dbPath), '{"format": "privacy-desk-keyring", "slots": [');
    rmSync(reg.dbPath);
    const key = await unlockForRestore({ dbPath: reg.dbPath, backupPath: backup.path, login: 'admin', password: passwords.admin });
    const result = await restoreBackup({
      dbPath: reg.dbPath,
      backupPath: backup.path,
      auth: { rawKey: key, login: 'admin' },
      now: () => new Date('2026-02-18T08:00:00'),
    });
    expect(result.keyringRestored).toBe(true);
    expect(readFileSync(`${keyringPathFor(reg.dbPath)}.replaced-20260218-080000`, 'utf8')).toContain('"slots": [');
    (await reg.open('desk', passwords.desk)).close();
  });

  it("refuses another register's backup, with or without its keyring copy, touching nothing", async () => {
    const reg = await fresh();
    const other = await fresh();
    const foreign = await call(other.manager.ctx, 'backup.create', {});
    closeOthers(reg);
    const before = snapshot(reg);

    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: foreign.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'backup_foreign',
      message: expect.stringContaining('другому реестру'),
    });
    rmSync(foreign.keyringPath);
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: foreign.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'backup_invalid',
      message: expect.stringContaining('не открывается ключом этого реестра'),
    });
    expect(reg.manager.ctx.db.open).toBe(true);
    expect(snapshot(reg)).toEqual(before);
  });

  it('refuses a backup written by a newer schema', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    const db = new Database(backup.path);
    applyKey(db, reg.manager.ctx.rawKey);
    db.pragma(`user_version = ${latestVersion + 1}`);
    db.close();
    closeOthers(reg);
    const before = snapshot(reg);
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'newer_schema',
      message: expect.stringContaining(`версия схемы ${latestVersion + 1}`),
    });
    expect(snapshot(reg)).toEqual(before);
  });

  it('refuses a corrupted backup without touching the current file', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    const bytes = readFileSync(backup.path);
    expect(bytes.length).toBeGreaterThan(4096 * 4);
    // Flip bytes inside a page past the header: SQLCipher's per-page HMAC must catch it.
    const at = 4096 * 3 + 700;
    for (let i = 0; i < 8; i++) bytes[at + i] = (bytes[at + i] ?? 0) ^ 0xff;
    writeFileSync(backup.path, bytes);
    closeOthers(reg);
    const before = snapshot(reg);
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'backup_invalid',
    });
    expect(snapshot(reg)).toEqual(before);
    expect(reg.manager.ctx.db.open).toBe(true);
    expect(await call(reg.manager.ctx, 'audit.verify')).toMatchObject({ ok: true });
  });

  it('refuses a backup whose audit chain was tampered with', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    const db = new Database(backup.path);
    applyKey(db, reg.manager.ctx.rawKey);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit SET action = 'x' WHERE id = 2").run();
    db.close();
    closeOthers(reg);
    const before = snapshot(reg);
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'backup_invalid',
      message: expect.stringContaining('№2'),
    });
    expect(snapshot(reg)).toEqual(before);
  });

  it('refuses while another connection still has the register open', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    reg.admin.close();
    const before = readFileSync(reg.dbPath);
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.manager } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('открыт в другой программе'),
    });
    expect(readFileSync(reg.dbPath).equals(before)).toBe(true);
    expect(readdirSync(reg.dir).filter((n) => n.includes('.restoring-') || n.includes('.replaced-'))).toEqual([]);
    // The desk's session was never disturbed.
    expect(await call(reg.desk.ctx, 'audit.verify')).toMatchObject({ ok: true });
  });

  it('a receptionist session may not restore', async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    await expect(restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.desk } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(reg.desk.ctx.db.open).toBe(true);
  });
});

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, passwords, type TestRegister } from '../test/helpers.ts';
import { verifyAudit } from './audit.ts';
import { backupDue, restoreBackup, runScheduledBackup, unlockForRestore } from './backup.ts';
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

// A pid that certainly belonged to a process that has ended.
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

async function clocked(start = '2026-03-01T02:00:00') {
  let at = new Date(start);
  const r = await makeRegister({ now: () => at });
  regs.push(r);
  return { reg: r, advance: (hours: number) => (at = new Date(at.getTime() + hours * 3_600_000)), at: () => at };
}

describe('scheduled backups and rotation', () => {
  it('is due by the newest automatic copy and the interval; 0 turns it off', async () => {
    const { reg, advance, at } = await clocked();
    const ctx = reg.admin.ctx;
    expect(backupDue(ctx, at())).toMatchObject({ due: true, lastAutomatic: null, settings: { intervalHours: 24, keep: 14 } });
    const first = await runScheduledBackup(ctx);
    expect(basename(first.path)).toBe('register-20260301-020000.pdesk');
    advance(23.9);
    // A manual copy elsewhere does not count as the scheduled one.
    await call(ctx, 'backup.create', { path: join(reg.dir, 'elsewhere.pdesk') });
    expect(backupDue(ctx, at())).toMatchObject({ due: false, lastAutomatic: { name: 'register-20260301-020000.pdesk' } });
    advance(0.1);
    expect(backupDue(ctx, at()).due).toBe(true);
    // The clock set back after that copy: a copy less than one interval ahead waits as usual, one
    // further ahead does not hold the schedule back.
    advance(-47);
    expect(backupDue(ctx, at()).due).toBe(false);
    advance(-2);
    expect(backupDue(ctx, at()).due).toBe(true);
    advance(49);
    await call(ctx, 'backup.setSettings', { intervalHours: 0 });
    advance(1000);
    expect(backupDue(ctx, at()).due).toBe(false);
    const [row] = await call(ctx, 'audit.list', { action: 'backup.create' });
    expect(row.details).toMatchObject({ file: 'elsewhere.pdesk' });
    expect((await call(ctx, 'audit.list', { action: 'backup.create' })).filter((r: any) => r.details.automatic === true)).toHaveLength(1);
  });

  it("keeps the newest N automatic copies and never touches manual, renamed or another register's files", async () => {
    const { reg, advance } = await clocked();
    const other = await fresh();
    const ctx = reg.manager.ctx;
    const folder = join(reg.dir, 'backups');
    mkdirSync(folder);
    // Another register's automatic copy under this register's name pattern, with its keyring.
    const foreign = await call(other.manager.ctx, 'backup.create', {});
    copyFileSync(foreign.path, join(folder, 'register-20200101-000000.pdesk'));
    copyFileSync(foreign.keyringPath, join(folder, 'register-20200101-000000.pdesk.keyring'));
    // A pattern name with no keyring copy beside it proves nothing about whose it is.
    writeFileSync(join(folder, 'register-20200102-000000.pdesk'), 'not ours to judge');
    writeFileSync(join(folder, 'notes.txt'), 'manager notes');
    await call(ctx, 'backup.create', { path: join(folder, 'before-update.pdesk') });
    await call(ctx, 'backup.setSettings', { keep: 2 });

    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await runScheduledBackup(ctx);
      made.push(basename(r.path));
      advance(24);
    }
    expect(made).toEqual([
      'register-20260301-020000.pdesk',
      'register-20260302-020000.pdesk',
      'register-20260303-020000.pdesk',
      'register-20260304-020000.pdesk',
    ]);
    expect(readdirSync(folder).sort()).toEqual([
      'before-update.pdesk',
      'before-update.pdesk.keyring',
      'notes.txt',
      'register-20200101-000000.pdesk',
      'register-20200101-000000.pdesk.keyring',
      'register-20200102-000000.pdesk',
      'register-20260303-020000.pdesk',
      'register-20260303-020000.pdesk.keyring',
      'register-20260304-020000.pdesk',
      'register-20260304-020000.pdesk.keyring',
    ]);
    const rotations = await call(ctx, 'audit.list', { action: 'backup.rotate' });
    expect(rotations.flatMap((r: any) => r.details.files).sort()).toEqual(['register-20260301-020000.pdesk', 'register-20260302-020000.pdesk']);

    const list = await call(ctx, 'backup.list', {});
    expect(list.folder).toBe(folder);
    expect(list.lastAutomatic).toMatchObject({ name: 'register-20260304-020000.pdesk' });
    const kinds = Object.fromEntries(list.files.map((f: any) => [f.name, f.automatic]));
    expect(kinds).toEqual({
      'register-20260304-020000.pdesk': true,
      'register-20260303-020000.pdesk': true,
      'before-update.pdesk': false,
      'register-20200101-000000.pdesk': false,
      'register-20200102-000000.pdesk': false,
    });
    // Automatic copies are dated by their name; the others by the file's time (the real clock here).
    const newest = list.files.find((f: any) => f.automatic);
    expect(newest).toMatchObject({ name: 'register-20260304-020000.pdesk', createdAt: new Date('2026-03-04T02:00:00').toISOString() });
    expect(newest.size).toBeGreaterThan(0);
  });

  it('validates and audits the settings; only the manager and the administrator may change them', async () => {
    const { reg } = await clocked();
    const ctx = reg.admin.ctx;
    await expect(call(ctx, 'backup.setSettings', { keep: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(ctx, 'backup.setSettings', { intervalHours: -1 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(ctx, 'backup.setSettings', { intervalHours: 1.5 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(ctx, 'backup.setSettings', { folder: 'relative/dir' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(reg.desk.ctx, 'backup.setSettings', { keep: 3 })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.desk.ctx, 'backup.list', {})).rejects.toMatchObject({ code: 'forbidden' });
    const folder = join(reg.dir, 'elsewhere');
    const saved = await call(ctx, 'backup.setSettings', { intervalHours: 6, keep: 3, folder });
    expect(saved).toMatchObject({ settings: { intervalHours: 6, keep: 3, folder }, folder, defaultFolder: join(reg.dir, 'backups') });
    expect(await call(reg.manager.ctx, 'backup.settings', {})).toEqual(saved);
    const [row] = await call(ctx, 'audit.list', { action: 'backup.settings' });
    expect(row.details).toEqual({ from: { intervalHours: 24, keep: 14 }, to: { intervalHours: 6, keep: 3 }, folderChanged: true });
    const made = await runScheduledBackup(ctx);
    expect(dirname(made.path)).toBe(folder);
  });

  it('says plainly when the folder cannot be written, and leaves nothing behind', async () => {
    const { reg } = await clocked();
    writeFileSync(join(reg.dir, 'a-file'), '');
    await call(reg.admin.ctx, 'backup.setSettings', { folder: join(reg.dir, 'a-file', 'backups') });
    await expect(runScheduledBackup(reg.admin.ctx)).rejects.toMatchObject({
      code: 'io_error',
      message: expect.stringContaining('Папка резервных копий недоступна'),
    });
    expect(await call(reg.admin.ctx, 'audit.list', { action: 'backup.create' })).toEqual([]);
  });
});

describe('leftovers of a crash', () => {
  it('the next backup removes partial files of a dead process, not of a live one', async () => {
    const reg = await fresh();
    const folder = join(reg.dir, 'backups');
    mkdirSync(folder);
    const dead = deadPid();
    const leftovers = [`register-20260101-000000.pdesk.partial-${dead}`, `register-20260101-000000.pdesk.keyring.partial-${dead}`];
    const live = [`register-20260101-000001.pdesk.partial-${process.ppid}`, `other.txt.partial-${dead}`];
    for (const name of [...leftovers, ...live]) writeFileSync(join(folder, name), randomBytes(64));
    await call(reg.manager.ctx, 'backup.create', {});
    const names = readdirSync(folder);
    for (const name of leftovers) expect(names).not.toContain(name);
    for (const name of live) expect(names).toContain(name);
  });

  it("the next restore removes a dead restore's staging copy", async () => {
    const reg = await fresh();
    const backup = await call(reg.manager.ctx, 'backup.create', {});
    const stale = `${reg.dbPath}.restoring-20260101-000000-${deadPid()}`;
    const live = `${reg.dbPath}.restoring-20260101-000000-${process.ppid}`;
    writeFileSync(stale, randomBytes(64));
    writeFileSync(live, randomBytes(64));
    closeOthers(reg);
    await restoreBackup({ dbPath: reg.dbPath, backupPath: backup.path, auth: { session: reg.manager } });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

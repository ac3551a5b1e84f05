import { createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { appendAudit, audit } from './audit.ts';
import { defaultBackupDir, escapeRe, isPlainSqlite, removeFilesOfEndedWriters } from './backup.ts';
import { checkpoint, type DB, openDatabase } from './connection.ts';
import type { Actor, Ctx } from './context.ts';
import { seedDefaults } from './defaults.ts';
import { damagedError, damageKind, environmentError, restoreHint } from './env-errors.ts';
import { RegisterError } from './errors.ts';
import { acquireInstanceLock, type HeldLock, processAlive } from './instance-lock.ts';
import {
  type Keyring,
  keyringPathFor,
  loginTag,
  newKeyring,
  normalizeLogin,
  prevKeyringPathFor,
  readKeyring,
  recordFailedLogin,
  setRecoverySlot,
  setUserSlot,
  slotDamaged,
  tryReadKeyring,
  refuseInsideWait as refuseWaitInKeyring,
  unlockWithPassword,
  unlockWithRecovery,
  writeKeyring,
} from './keyring.ts';
import type { Role } from './roles.ts';
import { jurisdictionSchema, loginSchema, operatorSchema, passwordSchema, personNameSchema } from './schemas.ts';

export interface Session {
  ctx: Ctx;
  close: () => void;
  // What the person opening the register should know before working (the register was not closed
  // cleanly and its WAL is gone; the keyring was recovered from its previous version): one Russian
  // sentence each, also written to the audit log.
  warnings: string[];
}

export const createRegisterInput = z.object({
  dbPath: z.string().min(1),
  operator: operatorSchema,
  jurisdiction: jurisdictionSchema,
  admin: z.object({
    login: loginSchema,
    fullName: personNameSchema,
    position: z.string().trim().max(200).default(''),
    password: passwordSchema,
    role: z.enum(['administrator', 'manager']).default('administrator'),
  }),
});
export type CreateRegisterInput = z.input<typeof createRegisterInput>;

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const text = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new RegisterError('invalid_input', `Неверные входные данные: ${text}`);
  }
  return parsed.data;
}

// Creates the encrypted file and its keyring. Returns the recovery code: it is shown once, to be
// printed and locked away, and is never stored anywhere in a readable form.
export async function createRegister(raw: CreateRegisterInput, now: () => Date = () => new Date()): Promise<{ registerId: string; recoveryCode: string }> {
  const input = parseOrThrow(createRegisterInput, raw);
  const keyringPath = keyringPathFor(input.dbPath);
  if (existsSync(input.dbPath) || existsSync(keyringPath)) throw new RegisterError('register_exists', `Реестр уже существует: ${input.dbPath}`);
  const lock = acquireInstanceLock(input.dbPath, now);
  const rawKey = randomBytes(32);
  const registerId = randomUUID();
  try {
    let keyring = await setUserSlot(newKeyring(registerId), input.admin.login, input.admin.password, rawKey);
    const recovery = await setRecoverySlot(keyring, rawKey);
    keyring = recovery.keyring;
    const db = openDatabase(input.dbPath, rawKey, { create: true });
    try {
      const at = now().toISOString();
      db.transaction(() => {
        db.prepare('INSERT INTO register_info (id, register_id, created_at) VALUES (1, ?, ?)').run(registerId, at);
        const userId = Number(
          db
            .prepare('INSERT INTO users (login, full_name, position, role, created_at) VALUES (?, ?, ?, ?, ?)')
            .run(normalizeLogin(input.admin.login), input.admin.fullName, input.admin.position, input.admin.role, at).lastInsertRowid,
        );
        seedDefaults(db, { operator: input.operator, jurisdiction: input.jurisdiction, at, userId });
        appendAudit(db, registerId, {
          at,
          action: 'register.create',
          actor: { id: userId, login: normalizeLogin(input.admin.login) },
          details: { jurisdiction: input.jurisdiction },
        });
        appendAudit(db, registerId, {
          at,
          action: 'user.add',
          entity: 'user',
          entityId: userId,
          actor: { id: userId, login: normalizeLogin(input.admin.login) },
          details: { role: input.admin.role },
        });
      }).immediate();
      checkpoint(db);
    } finally {
      db.close();
    }
    writeKeyring(keyringPath, keyring);
    return { registerId, recoveryCode: recovery.code };
  } catch (err) {
    if (!existsSync(keyringPath)) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${input.dbPath}${suffix}`, { force: true });
    }
    throw environmentError(err, { dbPath: input.dbPath });
  } finally {
    rawKey.fill(0);
    lock.release();
  }
}

function readRegisterId(db: DB): string {
  const row = db.prepare('SELECT register_id FROM register_info WHERE id = 1').get() as { register_id: string } | undefined;
  if (!row) throw new RegisterError('not_a_register');
  return row.register_id;
}

function loadActor(db: DB, login: string): (Actor & { disabled: boolean }) | undefined {
  const row = db.prepare('SELECT id, login, full_name, role, disabled_at FROM users WHERE login = ?').get(normalizeLogin(login)) as
    | { id: number; login: string; full_name: string; role: Role; disabled_at: string | null }
    | undefined;
  return row && { id: row.id, login: row.login, fullName: row.full_name, role: row.role, disabled: row.disabled_at !== null };
}

// Failed unlocks wait in the keyring (time and login tag only) until a successful unlock moves
// them into the audit log, naming the login where it matches a known user.
function flushFailedLogins(db: DB, keyring: Keyring, keyringPath: string, registerId: string): void {
  if (keyring.failedLogins.length === 0) return;
  const users = db.prepare('SELECT id, login FROM users').all() as { id: number; login: string }[];
  const byTag = new Map(users.map((u) => [loginTag(keyring, u.login), u]));
  const recoveryTag = loginTag(keyring, '#recovery');
  // A process killed between this commit and the keyring rewrite below leaves the same entries
  // in the keyring: those already at the end of the log are not written twice.
  const recent = db
    .prepare("SELECT at, entity_id FROM (SELECT at, entity_id, action FROM audit ORDER BY id DESC LIMIT ?) WHERE action = 'login.failed'")
    .all(keyring.failedLogins.length + 16) as { at: string; entity_id: number | null }[];
  const logged = new Set(recent.map((r) => `${r.at}|${r.entity_id ?? ''}`));
  db.transaction(() => {
    for (const f of keyring.failedLogins) {
      const user = byTag.get(f.loginTag);
      if (logged.has(`${f.at}|${user?.id ?? ''}`)) continue;
      appendAudit(db, registerId, {
        at: f.at,
        action: 'login.failed',
        entity: user ? 'user' : undefined,
        entityId: user?.id,
        actor: { id: null, login: user?.login ?? null },
        details: {
          ...(user ? {} : { unknownLogin: true }),
          ...(f.throttled ? { refusedInsideWait: true } : {}),
          ...(f.loginTag === recoveryTag ? { recoveryCode: true } : {}),
        },
      });
    }
  }).immediate();
  writeKeyring(keyringPath, { ...readKeyring(keyringPath), failedLogins: [] });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// The page count in the file's own header, read by decrypting page 1 by hand (SQLCipher 4: 16
// bytes of salt, then AES-256-CBC under the raw key up to the 80 reserved bytes, whose first 16 are
// the IV). SQLite cannot be asked: it fails on the missing pages before it answers. Diagnostic only,
// and read-only: tells a file cut short from a page that fails authentication.
function headerPages(dbPath: string, rawKey: Buffer): number | null {
  try {
    const fd = openSync(dbPath, 'r');
    const page = Buffer.alloc(4096);
    try {
      if (readSync(fd, page, 0, 4096, 0) !== 4096) return null;
    } finally {
      closeSync(fd);
    }
    const decipher = createDecipheriv('aes-256-cbc', rawKey, page.subarray(4096 - 80, 4096 - 64));
    decipher.setAutoPadding(false);
    // Plaintext starts at file offset 16: header field at offset N is at N - 16.
    const plain = Buffer.concat([decipher.update(page.subarray(16, 4096 - 80)), decipher.final()]);
    const pageSize = plain.readUInt16BE(0);
    const changeCounter = plain.readUInt32BE(24 - 16);
    const pages = plain.readUInt32BE(28 - 16);
    const validFor = plain.readUInt32BE(92 - 16);
    return pageSize === 4096 && changeCounter === validFor && pages > 0 ? pages : null;
  } catch {
    return null;
  }
}

// The key here came out of an authenticated slot, so a file that does not open with it is either
// damaged or not the register this keyring belongs to: say both, with the way back from each.
function openWithKey(dbPath: string, keyring: Keyring, rawKey: Buffer): { db: DB; registerId: string } {
  if (fileSize(dbPath) === 0)
    throw new RegisterError('register_damaged', `Файл реестра повреждён — ${damageKind(dbPath)}. Файл не изменён. ${restoreHint(dbPath)}`);
  let db: DB;
  try {
    db = openDatabase(dbPath, rawKey);
  } catch (err) {
    if (err instanceof RegisterError && err.code === 'not_a_register' && !isPlainSqlite(dbPath)) {
      throw new RegisterError(
        'register_damaged',
        `Файл реестра не открывается ключом из файла ключей — ${damageKind(dbPath, { code: 'SQLITE_NOTADB' })}, либо файл ключей ${keyringPathFor(dbPath)} взят от другого реестра. Файл реестра не изменён. ${restoreHint(dbPath)} Если повреждён не реестр, а файл ключей: privacy-desk keyring restore <копия файла ключей>.`,
        { sqlite: 'SQLITE_NOTADB' },
      );
    }
    if (err instanceof RegisterError && err.code === 'register_damaged')
      throw damagedError(dbPath, err.details && { code: (err.details as { sqlite?: string }).sqlite }, headerPages(dbPath, rawKey));
    throw err;
  }
  try {
    const registerId = readRegisterId(db);
    if (registerId !== keyring.registerId) throw new RegisterError('keyring_damaged', 'Файл ключей принадлежит другому реестру.');
    return { db, registerId };
  } catch (err) {
    db.close();
    throw environmentError(err, { dbPath });
  }
}

export interface OpenInput {
  dbPath: string;
  login: string;
  password: string;
  now?: () => Date;
}

// The instance lock of each open session, released when its last session in this process closes.
const sessionLocks = new WeakMap<Ctx, HeldLock>();

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

interface LoadedKeyring {
  keyring: Keyring;
  // 'prev': the keyring itself did not serve and <keyring>.prev did.
  source: 'main' | 'prev';
  mainDamaged: boolean;
}

function loadKeyring(keyringPath: string): LoadedKeyring {
  try {
    return { keyring: readKeyring(keyringPath), source: 'main', mainDamaged: false };
  } catch (err) {
    if (!(err instanceof RegisterError) || err.code !== 'keyring_damaged') throw err;
    const prev = tryReadKeyring(prevKeyringPathFor(keyringPath));
    if (!prev) throw err;
    return { keyring: prev, source: 'prev', mainDamaged: true };
  }
}

function refuseInsideWait(keyringPath: string, loaded: LoadedKeyring, login: string, now: Date): void {
  refuseWaitInKeyring(keyringPath, loaded.keyring, login, now, !loaded.mainDamaged);
}

function recordFailure(keyringPath: string, loaded: LoadedKeyring, login: string, now: Date): void {
  // A damaged keyring is not rewritten by a failed attempt: only a verified unlock replaces it.
  if (!loaded.mainDamaged) recordFailedLogin(keyringPath, login, now);
}

// Unlocks a slot of the keyring, or of <keyring>.prev when the keyring's own slot for this login
// is damaged (the same slot stored differently, an edited register id or salt): the previous
// version is tried only then, so a plain wrong password costs one KDF as before, and a password
// changed since (a new slot) never opens through the old version.
async function unlockSlot(
  dbPath: string,
  loaded: LoadedKeyring,
  unlock: (k: Keyring) => Promise<Buffer | null>,
  login: string | null,
): Promise<{ key: Buffer | null; loaded: LoadedKeyring }> {
  const keyringPath = keyringPathFor(dbPath);
  const key = await unlock(loaded.keyring);
  if (key || loaded.source === 'prev') return { key, loaded };
  const prev = tryReadKeyring(prevKeyringPathFor(keyringPath));
  if (prev && slotDamaged(loaded.keyring, prev, login)) {
    const fromPrev = await unlock(prev);
    if (fromPrev) return { key: fromPrev, loaded: { keyring: prev, source: 'prev', mainDamaged: false } };
  }
  // No usable previous version: a keyring copy beside a backup can still show that this slot is
  // damaged (not the password wrong); it is not used without the person's say-so.
  const copy = backupKeyringCopies(dbPath).find((c) => {
    const k = tryReadKeyring(c);
    return k !== null && slotDamaged(loaded.keyring, k, login);
  });
  if (copy) {
    throw new RegisterError(
      'keyring_damaged',
      `Файл ключей повреждён: запись ключа ${login === null ? 'для кода восстановления' : 'этого пользователя'} в ${keyringPath} не совпадает с той же записью в копии ${copy}. Восстановите файл ключей из копии: privacy-desk keyring restore "${copy}" (войти нужно паролем, действовавшим на момент копии).`,
    );
  }
  return { key: null, loaded };
}

// Keyring copies written beside the backups in the default folder, newest first.
function backupKeyringCopies(dbPath: string): string[] {
  const dir = defaultBackupDir(dbPath);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.keyring'));
  } catch {
    return [];
  }
  return names
    .map((n) => join(dir, n))
    .map((path) => ({ path, mtime: statSync(path).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(0, 5)
    .map((c) => c.path);
}

// The previous keyring opened the register (its register id matched the database's and a slot
// unwrapped): it becomes the keyring again, the damaged one is kept aside for inspection.
function reinstatePrev(keyringPath: string, loaded: LoadedKeyring, now: Date): string {
  const aside = `${keyringPath}.damaged-${stamp(now)}`;
  if (existsSync(keyringPath)) renameSync(keyringPath, aside);
  writeKeyring(keyringPath, loaded.keyring);
  return aside;
}

// A process killed while writing the keyring leaves `<keyring>.tmp-<pid>` (or the .prev's): the
// keyring itself is whole (write-then-rename), the temp file is only clutter.
function removeDeadKeyringTemps(keyringPath: string): void {
  removeFilesOfEndedWriters(dirname(keyringPath), new RegExp(`^${escapeRe(basename(keyringPath))}(?:\\.prev)?\\.tmp-(\\d+)$`), processAlive);
}

export async function openRegister(input: OpenInput): Promise<Session> {
  const now = input.now ?? (() => new Date());
  if (!existsSync(input.dbPath)) throw new RegisterError('register_missing', `Реестр не найден: ${input.dbPath}`);
  const lock = acquireInstanceLock(input.dbPath, now);
  let rawKey: Buffer | null = null;
  let db: DB | null = null;
  try {
    // Checked before SQLite opens the file, which creates an empty -wal. The dead holder's lock
    // says whether it had the database open past its last checkpoint: killed before opening or
    // after closing, it cannot have lost anything.
    const walMissing = lock.takenOverFrom?.dbOpen === true && !existsSync(`${input.dbPath}-wal`);
    // Only a holder that died can have left temp files: a clean close leaves none.
    if (lock.takenOverFrom) removeDeadKeyringTemps(keyringPathFor(input.dbPath));
    const keyringPath = keyringPathFor(input.dbPath);
    let loaded = loadKeyring(keyringPath);
    refuseInsideWait(keyringPath, loaded, input.login, now());
    const unlocked = await unlockSlot(input.dbPath, loaded, (k) => unlockWithPassword(k, input.login, input.password), input.login);
    loaded = unlocked.loaded;
    rawKey = unlocked.key;
    if (!rawKey) {
      recordFailure(keyringPath, loaded, input.login, now());
      throw new RegisterError('auth_failed');
    }
    const opened = openWithKey(input.dbPath, loaded.keyring, rawKey);
    db = opened.db;
    lock.databaseOpened();
    const registerId = opened.registerId;
    const actor = loadActor(db, input.login);
    if (!actor || actor.disabled) {
      recordFailure(keyringPath, loaded, input.login, now());
      throw new RegisterError('auth_failed');
    }
    const warnings: string[] = [];
    const ctx: Ctx = { db, actor, dbPath: input.dbPath, keyringPath, registerId, rawKey, now };
    if (loaded.source === 'prev') {
      const aside = reinstatePrev(keyringPath, loaded, now());
      warnings.push(
        `Файл ключей был повреждён; реестр открыт по его предыдущей версии (${prevKeyringPathFor(keyringPath)}), она восстановлена как основной файл ключей, повреждённый сохранён как ${aside}. Если с тех пор менялись пароли или пользователи, проверьте их в Настройках.`,
      );
      db.transaction(() =>
        audit(ctx, { action: 'keyring.restored_from_prev', details: { damagedKeptAs: aside.slice(aside.lastIndexOf('.damaged-') + 1) } }),
      ).immediate();
    }
    flushFailedLogins(db, readKeyring(keyringPath), keyringPath, registerId);
    if (walMissing) {
      warnings.push(
        'Прошлый сеанс работы с реестром завершился аварийно, а файл журнала записи (-wal) рядом с реестром отсутствует: последние изменения того сеанса могли быть потеряны. Проверьте журнал событий (Аудит: последние записи и проверка цепочки) и при необходимости сравните с последней резервной копией.',
      );
      db.transaction(() =>
        audit(ctx, {
          action: 'register.wal_missing',
          details: { previousPid: lock.takenOverFrom?.pid ?? null, previousStart: lock.takenOverFrom?.startedAt || null },
        }),
      ).immediate();
    }
    db.transaction(() => audit(ctx, { action: 'login', entity: 'user', entityId: actor.id })).immediate();
    sessionLocks.set(ctx, lock);
    return { ctx, close: () => closeSession(ctx), warnings };
  } catch (err) {
    lock.databaseClosing();
    if (db?.open) db.close();
    rawKey?.fill(0);
    lock.release();
    throw environmentError(err, { dbPath: input.dbPath, action: 'вход в реестр' });
  }
}

export function closeSession(ctx: Ctx): void {
  try {
    if (ctx.db.open) {
      checkpoint(ctx.db);
      // After the final checkpoint everything is in the main file: a crash from here on loses nothing.
      sessionLocks.get(ctx)?.databaseClosing();
      ctx.db.close();
    }
  } finally {
    ctx.rawKey.fill(0);
    sessionLocks.get(ctx)?.release();
    sessionLocks.delete(ctx);
  }
}

// The recovery code opens the register when every password is lost: it sets a new password for
// one existing user and is itself audited.
export async function recoverAccess(input: { dbPath: string; code: string; login: string; newPassword: string; now?: () => Date }): Promise<void> {
  const now = input.now ?? (() => new Date());
  const newPassword = parseOrThrow(passwordSchema, input.newPassword);
  if (!existsSync(input.dbPath)) throw new RegisterError('register_missing', `Реестр не найден: ${input.dbPath}`);
  const lock = acquireInstanceLock(input.dbPath, now);
  let rawKey: Buffer | null = null;
  try {
    const keyringPath = keyringPathFor(input.dbPath);
    let loaded = loadKeyring(keyringPath);
    refuseInsideWait(keyringPath, loaded, '#recovery', now());
    const unlocked = await unlockSlot(input.dbPath, loaded, (k) => unlockWithRecovery(k, input.code), null);
    loaded = unlocked.loaded;
    rawKey = unlocked.key;
    if (!rawKey) {
      recordFailure(keyringPath, loaded, '#recovery', now());
      throw new RegisterError('auth_failed', 'Неверный код восстановления.');
    }
    const { db, registerId } = openWithKey(input.dbPath, loaded.keyring, rawKey);
    try {
      const actor = loadActor(db, input.login);
      if (!actor || actor.disabled) throw new RegisterError('not_found', 'Пользователь с таким логином не найден или отключён.');
      if (loaded.source === 'prev') reinstatePrev(keyringPath, loaded, now());
      // The failures that led here go to the audit log now, so the new password is not refused by
      // a wait left over from them.
      flushFailedLogins(db, readKeyring(keyringPath), keyringPath, registerId);
      const updated = await setUserSlot(readKeyring(keyringPath), input.login, newPassword, rawKey);
      db.transaction(() =>
        appendAudit(db, registerId, {
          at: now().toISOString(),
          action: 'recovery.used',
          entity: 'user',
          entityId: actor.id,
          actor: { id: null, login: null },
          details: { passwordReset: actor.login },
        }),
      ).immediate();
      writeKeyring(keyringPath, updated);
      checkpoint(db);
    } finally {
      db.close();
    }
  } catch (err) {
    throw environmentError(err, { dbPath: input.dbPath });
  } finally {
    rawKey?.fill(0);
    lock.release();
  }
}

// `privacy-desk keyring restore`: puts a keyring copy (the one beside a backup) in place of a
// damaged or lost keyring, only once it is proven to belong to this register: a slot unwraps with
// the given password and the key it yields opens this database, whose register id matches.
export async function restoreKeyring(input: {
  dbPath: string;
  copyPath: string;
  login: string;
  password: string;
  now?: () => Date;
}): Promise<{ keyringPath: string; damagedKeptAs: string | null }> {
  const now = input.now ?? (() => new Date());
  if (!existsSync(input.dbPath)) throw new RegisterError('register_missing', `Реестр не найден: ${input.dbPath}`);
  let copy: Keyring;
  try {
    copy = readKeyring(input.copyPath);
  } catch {
    throw new RegisterError(
      'keyring_damaged',
      `Копия файла ключей не читается или повреждена: ${input.copyPath}. Возьмите другую копию (файл *.keyring рядом с другой резервной копией).`,
    );
  }
  const lock = acquireInstanceLock(input.dbPath, now);
  const keyringPath = keyringPathFor(input.dbPath);
  let rawKey: Buffer | null = null;
  try {
    // Guessing passwords against a copy is throttled like any unlock, on the current keyring's count.
    const current = tryReadKeyring(keyringPath);
    if (current) refuseInsideWait(keyringPath, { keyring: current, source: 'main', mainDamaged: false }, input.login, now());
    rawKey = await unlockWithPassword(copy, input.login, input.password);
    if (!rawKey) {
      if (current) recordFailedLogin(keyringPath, input.login, now());
      throw new RegisterError('auth_failed', 'Пароль не подходит к этой копии файла ключей (в ней действует пароль, который был на момент копии).');
    }
    let opened: { db: DB; registerId: string };
    try {
      opened = openWithKey(input.dbPath, copy, rawKey);
    } catch (err) {
      if (err instanceof RegisterError && (err.code === 'keyring_damaged' || err.code === 'register_damaged')) {
        throw new RegisterError(
          'keyring_damaged',
          `Копия файла ключей ${input.copyPath} не подходит к этому реестру: ключ из неё не открывает реестр или она от другого реестра. Файл ключей не изменён.`,
        );
      }
      throw err;
    }
    const { db, registerId } = opened;
    try {
      const actor = loadActor(db, input.login);
      if (!actor || actor.disabled) throw new RegisterError('auth_failed');
      const aside = existsSync(keyringPath) ? `${keyringPath}.damaged-${stamp(now())}` : null;
      if (aside) renameSync(keyringPath, aside);
      // Failed attempts recorded in the copy happened before the backup: already in the audit log.
      writeKeyring(keyringPath, { ...copy, failedLogins: [] });
      db.transaction(() =>
        appendAudit(db, registerId, {
          at: now().toISOString(),
          action: 'keyring.restore',
          entity: 'user',
          entityId: actor.id,
          actor: { id: actor.id, login: actor.login },
          details: {
            from: input.copyPath.slice(Math.max(input.copyPath.lastIndexOf('/'), input.copyPath.lastIndexOf('\\')) + 1),
            damagedKeptAs: aside ? aside.slice(aside.lastIndexOf('.damaged-') + 1) : null,
          },
        }),
      ).immediate();
      checkpoint(db);
      return { keyringPath, damagedKeptAs: aside };
    } finally {
      db.close();
    }
  } catch (err) {
    throw environmentError(err, { dbPath: input.dbPath });
  } finally {
    rawKey?.fill(0);
    lock.release();
  }
}

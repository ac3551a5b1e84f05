import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import { appendAudit, audit, verifyAudit } from './audit.ts';
import { applyKey, checkpoint, type DB, openDatabase } from './connection.ts';
import type { Ctx } from './context.ts';
import { isDiskFull, isReadOnly } from './env-errors.ts';
import { RegisterError } from './errors.ts';
import { type Keyring, keyringPathFor, normalizeLogin, readKeyring, recordFailedLogin, refuseInsideWait, unlockWithPassword } from './keyring.ts';
import { acquireInstanceLock, processAlive } from './instance-lock.ts';
import { latestVersion } from './migrations/index.ts';
import { defineOp } from './operation.ts';
import type { Session } from './register.ts';
import { can, type Role } from './roles.ts';
import { type BackupSettings, backupSettingsLimits, getBackupSettings, putSetting } from './settings.ts';

// Backups are whole encrypted copies under the same raw key, made with VACUUM INTO (the online
// backup API cannot copy between encrypted databases), with a copy of the keyring beside them so a
// backup taken off the machine can be opened by the same users. Nothing in them is plaintext.

export function backupStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultBackupDir(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'backups');
}

function backupFileName(dbPath: string, at: Date): string {
  const ext = extname(dbPath) || '.pdesk';
  return `${basename(dbPath, extname(dbPath))}-${backupStamp(at)}${ext}`;
}

// A second backup within the same second gets a suffix instead of failing or overwriting.
function unique(path: string, taken: (p: string) => boolean = existsSync): string {
  if (!taken(path)) return path;
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!taken(candidate)) return candidate;
  }
}

function resolveTarget(dbPath: string, folder: string, requested: string | undefined, at: Date): string {
  const name = backupFileName(dbPath, at);
  const taken = (p: string) => existsSync(p) || existsSync(keyringPathFor(p));
  if (!requested) return unique(join(folder, name), taken);
  const full = resolve(requested);
  const isDir = /[\\/]$/.test(requested) || (existsSync(full) && statSync(full).isDirectory());
  if (isDir) return unique(join(full, name), taken);
  if (taken(full)) throw new RegisterError('conflict', `Файл уже существует: ${full}. Укажите другое имя или папку.`);
  return full;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// A rename is durable only once its directory is flushed; Windows cannot open a directory, and
// NTFS journals renames anyway.
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort: some filesystems refuse fsync on a directory
  }
}

function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

const plainSqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');

// An unreadable file is not plain SQLite either: whoever opens it next says what is wrong with it.
export function isPlainSqlite(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(16);
      return readSync(fd, head, 0, 16, 0) === 16 && head.equals(plainSqliteHeader);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export interface BackupCheck {
  registerId: string;
  schemaVersion: number;
  auditRows: number;
  auditHead: string;
}

function invalid(message: string): RegisterError {
  return new RegisterError('backup_invalid', message);
}

// Everything that must be true of a file before it may replace the register: it opens with this
// register's key, belongs to this register, comes from a schema this program understands, passes
// SQLite's integrity check and its audit chain is whole. Read-only: the file is never modified.
export function inspectBackup(path: string, rawKey: Buffer, expectedRegisterId: string | null, keyringCopy: string = keyringPathFor(path)): BackupCheck {
  if (!existsSync(path)) throw new RegisterError('not_found', `Файл резервной копии не найден: ${path}`);
  const sidecar = keyringCopy;
  if (expectedRegisterId && existsSync(sidecar)) {
    let sidecarId: string | null = null;
    try {
      sidecarId = readKeyring(sidecar).registerId;
    } catch {
      // a damaged keyring copy proves nothing either way: the database itself decides below
    }
    if (sidecarId && sidecarId !== expectedRegisterId) throw new RegisterError('backup_foreign');
  }
  if (isPlainSqlite(path)) throw invalid('Файл не зашифрован: это не резервная копия Privacy Desk. Текущий реестр не изменён.');
  let db: DB;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalid(`Не удалось открыть резервную копию: ${(err as Error).message}. Текущий реестр не изменён.`);
  }
  try {
    applyKey(db, rawKey);
    let version: number;
    try {
      version = db.pragma('user_version', { simple: true }) as number;
    } catch {
      throw invalid('Резервная копия не открывается ключом этого реестра: это копия другого реестра или файл повреждён. Текущий реестр не изменён.');
    }
    if (version > latestVersion) {
      throw new RegisterError(
        'newer_schema',
        `Резервная копия создана более новой версией программы (версия схемы ${version}, эта версия понимает до ${latestVersion}). Восстановление отменено, текущий реестр не изменён; обновите программу.`,
      );
    }
    if (version < 1) throw invalid('Файл не является резервной копией реестра Privacy Desk. Текущий реестр не изменён.');
    const integrity = db.pragma('integrity_check(20)') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
      throw invalid(`Резервная копия повреждена: проверка целостности нашла ошибки (${integrity.length}). Текущий реестр не изменён.`);
    }
    const info = db.prepare('SELECT register_id FROM register_info WHERE id = 1').get() as { register_id: string } | undefined;
    if (!info) throw invalid('В резервной копии нет сведений о реестре. Текущий реестр не изменён.');
    if (expectedRegisterId && info.register_id !== expectedRegisterId) throw new RegisterError('backup_foreign');
    const chain = verifyAudit(db, info.register_id);
    if (!chain.ok) throw invalid(`Журнал событий в резервной копии повреждён: ${chain.message} Текущий реестр не изменён.`);
    return { registerId: info.register_id, schemaVersion: version, auditRows: chain.rows, auditHead: chain.head };
  } catch (err) {
    if (err instanceof RegisterError) throw err;
    // SQLCipher reports a page whose HMAC fails as SQLITE_CORRUPT or SQLITE_NOTADB mid-read.
    throw invalid(`Резервная копия повреждена (${(err as { code?: string }).code ?? 'ошибка чтения'}). Текущий реестр не изменён.`);
  } finally {
    db.close();
  }
}

export interface BackupResult {
  path: string;
  keyringPath: string;
  createdAt: string;
  size: number;
  sha256: string;
  schemaVersion: number;
  auditRows: number;
  auditHead: string;
}

export async function createBackup(ctx: Ctx, requestedPath?: string, o: { automatic?: boolean } = {}): Promise<BackupResult> {
  const at = ctx.now();
  const target = resolveTarget(ctx.dbPath, backupFolder(ctx), requestedPath, at);
  if (resolve(target) === resolve(ctx.dbPath)) throw new RegisterError('conflict', 'Резервную копию нельзя записать поверх самого реестра.');
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw ioFailure(err, dirname(target));
  }
  removeDeadPartials(dirname(target), extname(ctx.dbPath) || '.pdesk');
  const partial = `${target}.partial-${process.pid}`;
  const keyringTarget = keyringPathFor(target);
  const keyringPartial = `${keyringTarget}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  let check: BackupCheck;
  try {
    ctx.job?.progress(0, 3);
    // VACUUM INTO reads one consistent snapshot (WAL included) and writes it through the same
    // cipher: the copy is encrypted under the same key page by page, never plaintext on disk.
    ctx.db.prepare('VACUUM INTO ?').run(partial);
    // Encrypted, but still nobody else's business on a shared PC (a no-op on Windows).
    chmodSync(partial, 0o600);
    fsyncFile(partial);
    ctx.job?.progress(1, 3);
    if (isPlainSqlite(partial)) throw new RegisterError('internal', 'Копия получилась незашифрованной; она удалена.');
    check = inspectBackup(partial, ctx.rawKey, ctx.registerId);
    ctx.job?.progress(2, 3);
    copyFileSync(ctx.keyringPath, keyringPartial);
    fsyncFile(keyringPartial);
    // The keyring copy first: a copy at its final name must never lack the keys that open it.
    renameSync(keyringPartial, keyringTarget);
    renameSync(partial, target);
    fsyncDir(dirname(target));
  } catch (err) {
    for (const leftover of [partial, `${partial}-journal`, keyringPartial]) rmSync(leftover, { force: true });
    throw ioFailure(err, dirname(target));
  }
  const size = statSync(target).size;
  const sha256 = sha256File(target);
  // The chain head recorded here is what later proves that no newest rows were cut off the log.
  ctx.db
    .transaction(() =>
      audit(ctx, {
        action: 'backup.create',
        details: {
          file: basename(target),
          size,
          sha256,
          schemaVersion: check.schemaVersion,
          auditRows: check.auditRows,
          auditHead: check.auditHead,
          ...(o.automatic ? { automatic: true } : {}),
        },
      }),
    )
    .immediate();
  ctx.job?.progress(3, 3);
  return { path: target, keyringPath: keyringTarget, createdAt: at.toISOString(), size, sha256, ...check };
}

// Where backups go unless a path is named: the folder from the settings, else backups/ beside the register.
export function backupFolder(ctx: Pick<Ctx, 'db' | 'dbPath'>): string {
  const { folder } = getBackupSettings(ctx.db);
  return folder ? resolve(folder) : defaultBackupDir(ctx.dbPath);
}

// A full disk or a folder that cannot be written is the usual way a backup fails on a reception
// PC: say which, in words the manager can act on, without the system's own text.
function ioFailure(err: unknown, folder: string): unknown {
  if (err instanceof RegisterError) return err;
  const code = String((err as { code?: string }).code ?? '');
  if (isDiskFull(err)) return new RegisterError('disk_full');
  if (isReadOnly(err)) return new RegisterError('read_only', `Папка резервных копий доступна только для чтения: ${folder}`);
  if (code === 'EACCES' || code === 'EPERM') return new RegisterError('read_only', `Нет права записи в папку резервных копий: ${folder}`);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code.startsWith('SQLITE_CANTOPEN')) {
    return new RegisterError('io_error', `Папка резервных копий недоступна: ${folder}. Проверьте, что диск подключён, или выберите другую папку.`);
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('E')) return new RegisterError('io_error', `Не удалось записать резервную копию в папку ${folder}.`);
  return err;
}

// A partial file of this very process is a leftover too: backups here run one at a time (the
// engine waits for a running one), so ours can only be from a job ended by a lock mid-VACUUM.
function writerAlive(pid: number): boolean {
  return pid !== process.pid && processAlive(pid);
}

export function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

// Files named after the process writing them (`…-<pid>` in the pattern's first group) whose writer
// has ended: nobody will finish them. Files of a writer still at work are left alone.
export function removeFilesOfEndedWriters(folder: string, pattern: RegExp, alive: (pid: number) => boolean = writerAlive): string[] {
  const removed: string[] = [];
  for (const name of safeList(folder)) {
    const m = pattern.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      rmSync(join(folder, name), { force: true });
      removed.push(name);
    } catch {
      // another process got there first, or the folder turned read-only: the next run retries
    }
  }
  return removed;
}

// A backup that was being written when its process died leaves `<copy>.partial-<pid>` (and the
// keyring's, and SQLite's -journal beside it): an encrypted half-file is only clutter.
export function removeDeadPartials(folder: string, ext = '.pdesk'): string[] {
  return removeFilesOfEndedWriters(folder, new RegExp(`${escapeRe(ext)}(?:\\.keyring)?\\.partial-(\\d+)(?:-journal)?$`));
}

// The same for a restore's private staging copy `<db>.restoring-<stamp>-<pid>`.
export function removeDeadStaging(dbPath: string): string[] {
  return removeFilesOfEndedWriters(dirname(dbPath), new RegExp(`^${escapeRe(basename(dbPath))}\\.restoring-\\d{8}-\\d{6}-(\\d+)$`));
}

export interface BackupFile {
  name: string;
  path: string;
  // From the name's stamp for automatic copies (it survives copying); the file's mtime otherwise.
  createdAt: string;
  size: number;
  // Named by the automatic pattern, with a keyring copy of this register beside it: subject to
  // rotation. Anything else in the folder (a copy renamed by hand, another register's) is manual.
  automatic: boolean;
}

function automaticPattern(dbPath: string): RegExp {
  const ext = extname(dbPath) || '.pdesk';
  const stem = basename(dbPath, extname(dbPath));
  return new RegExp(`^${escapeRe(stem)}-(\\d{4})(\\d{2})(\\d{2})-(\\d{2})(\\d{2})(\\d{2})(?:-(\\d+))?${escapeRe(ext)}$`);
}

function keyringRegisterId(path: string): string | null {
  return readableKeyring(keyringPathFor(path))?.registerId ?? null;
}

interface Listed extends BackupFile {
  order: [number, number];
}

function listFolder(ctx: Pick<Ctx, 'dbPath' | 'registerId'>, folder: string): Listed[] {
  const ext = extname(ctx.dbPath) || '.pdesk';
  const pattern = automaticPattern(ctx.dbPath);
  const self = resolve(ctx.dbPath);
  const files: Listed[] = [];
  for (const name of safeList(folder)) {
    if (!name.endsWith(ext)) continue;
    const path = join(folder, name);
    if (resolve(path) === self) continue;
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const m = pattern.exec(name);
    const stamped = m ? new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
    const automatic = m !== null && !Number.isNaN(stamped!.getTime()) && keyringRegisterId(path) === ctx.registerId;
    const at = automatic ? stamped! : st.mtime;
    files.push({ name, path, createdAt: at.toISOString(), size: st.size, automatic, order: [at.getTime(), m?.[7] ? Number(m[7]) : 1] });
  }
  // Newest first; copies made within the same second are told apart by their suffix.
  return files.sort((a, b) => b.order[0] - a.order[0] || b.order[1] - a.order[1]);
}

export function listBackups(ctx: Pick<Ctx, 'db' | 'dbPath' | 'registerId'>): { folder: string; files: BackupFile[] } {
  const folder = backupFolder(ctx);
  return { folder, files: listFolder(ctx, folder).map(({ order: _, ...f }) => f) };
}

// Deletes automatic copies beyond `keep`, oldest first, each with its keyring copy. Only files that
// listFolder counts as this register's automatic copies are candidates (a copy made with "Создать
// копию сейчас" into the folder is named like them and rotates with them); copies written to a
// chosen path, renamed files and other registers' copies in the same folder are never touched.
export function rotateBackups(ctx: Ctx, keep: number): string[] {
  const folder = backupFolder(ctx);
  const excess = listFolder(ctx, folder)
    .filter((f) => f.automatic)
    .slice(Math.max(1, keep));
  const removed: string[] = [];
  for (const f of excess) {
    try {
      rmSync(f.path);
      rmSync(keyringPathFor(f.path), { force: true });
      removed.push(f.name);
    } catch {
      // a copy that cannot be deleted now (locked by an antivirus, say) is retried next time
    }
  }
  if (removed.length) ctx.db.transaction(() => audit(ctx, { action: 'backup.rotate', details: { files: removed, keep } })).immediate();
  return removed;
}

export interface BackupDue {
  due: boolean;
  settings: BackupSettings;
  folder: string;
  lastAutomatic: { name: string; at: string } | null;
}

// Whether a scheduled backup is due at `now`: on when the interval is not 0, and the newest
// automatic copy in the folder is older than the interval (or there is none).
export function backupDue(ctx: Pick<Ctx, 'db' | 'dbPath' | 'registerId'>, now: Date): BackupDue {
  const settings = getBackupSettings(ctx.db);
  const folder = backupFolder(ctx);
  const newest = listFolder(ctx, folder).find((f) => f.automatic) ?? null;
  const lastAutomatic = newest ? { name: newest.name, at: newest.createdAt } : null;
  if (settings.intervalHours <= 0) return { due: false, settings, folder, lastAutomatic };
  const age = newest ? now.getTime() - newest.order[0] : Number.POSITIVE_INFINITY;
  // A newest copy dated further ahead than one interval (made while the clock was wrong) must not
  // hold the schedule back until that date; a few seconds ahead (another clock) is normal.
  const interval = settings.intervalHours * 3_600_000;
  return { due: age < -interval || age >= interval, settings, folder, lastAutomatic };
}

export interface ScheduledBackupResult extends BackupResult {
  rotated: string[];
}

// The scheduled run: a backup into the folder, then rotation of the automatic copies.
export async function runScheduledBackup(ctx: Ctx): Promise<ScheduledBackupResult> {
  const result = await createBackup(ctx, undefined, { automatic: true });
  const rotated = rotateBackups(ctx, getBackupSettings(ctx.db).keep);
  return { ...result, rotated };
}

const backupSettingsInput = z
  .object({
    intervalHours: z.number().int().min(0).max(backupSettingsLimits.maxIntervalHours).optional(),
    keep: z.number().int().min(1).max(backupSettingsLimits.maxKeep).optional(),
    folder: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .refine((p) => isAbsolute(p), 'укажите полный путь к папке')
      .nullable()
      .optional(),
  })
  .strict();

function settingsView(ctx: Pick<Ctx, 'db' | 'dbPath'>) {
  return { settings: getBackupSettings(ctx.db), folder: backupFolder(ctx), defaultFolder: defaultBackupDir(ctx.dbPath) };
}

export const backupOps = {
  'backup.create': defineOp({
    summary: 'Создать зашифрованную резервную копию реестра (тем же ключом) с копией файла ключей',
    input: z.object({ path: z.string().trim().min(1).max(4096).optional() }),
    permission: 'backup.run',
    tx: 'own',
    long: true,
    handler: (ctx, input) => createBackup(ctx, input.path),
  }),
  'backup.list': defineOp({
    summary: 'Показать резервные копии в папке копий (время, размер, автоматическая или ручная)',
    input: z.object({}),
    permission: 'backup.run',
    tx: 'read',
    handler: (ctx) => {
      const { files, folder } = listBackups(ctx);
      const due = backupDue(ctx, ctx.now());
      return { folder, files, settings: due.settings, lastAutomatic: due.lastAutomatic };
    },
  }),
  'backup.settings': defineOp({
    summary: 'Показать настройки автоматических резервных копий',
    input: z.object({}),
    permission: 'backup.run',
    tx: 'read',
    handler: (ctx) => settingsView(ctx),
  }),
  'backup.setSettings': defineOp({
    summary: 'Изменить настройки автоматических резервных копий (интервал в часах, 0 — выключено; сколько хранить; папка)',
    input: backupSettingsInput,
    permission: 'backup.run',
    tx: 'write',
    handler: (ctx, input) => {
      const before = getBackupSettings(ctx.db);
      const next: BackupSettings = { ...before, ...input, folder: input.folder === undefined ? before.folder : input.folder && resolve(input.folder) };
      putSetting(ctx.db, 'backup', next);
      audit(ctx, {
        action: 'backup.settings',
        details: {
          from: { intervalHours: before.intervalHours, keep: before.keep },
          to: { intervalHours: next.intervalHours, keep: next.keep },
          folderChanged: next.folder !== before.folder,
        },
      });
      return settingsView(ctx);
    },
  }),
};

// ---- restore ---------------------------------------------------------------------------------

export type RestoreAuth =
  // The normal way: a session on the current register. It is closed once the backup has passed
  // its checks (the file cannot be swapped under an open connection), whether or not the swap follows.
  | { session: Session }
  // When the current file is gone or damaged: the raw key unlocked from a keyring, and the login
  // whose role is checked against the users of the backup itself.
  | { rawKey: Buffer; login: string };

export interface RestoreInput {
  dbPath: string;
  backupPath: string;
  auth: RestoreAuth;
  now?: () => Date;
}

export interface RestoreResult {
  dbPath: string;
  restoredFrom: string;
  replacedPath: string | null;
  keyringRestored: boolean;
  schemaVersion: number;
  auditRows: number;
  auditHead: string;
}

// The register id the backup must carry: the current keyring's, or, when it is lost too, the one
// in the keyring copy beside the backup.
function expectedRegisterIdFor(dbPath: string, backupPath: string): string | null {
  for (const path of [keyringPathFor(dbPath), keyringPathFor(backupPath)]) {
    const keyring = readableKeyring(path);
    if (keyring) return keyring.registerId;
  }
  return null;
}

function readableKeyring(path: string): Keyring | null {
  if (!existsSync(path)) return null;
  try {
    return readKeyring(path);
  } catch {
    return null;
  }
}

// Unlocks the raw key for a restore without opening the (possibly damaged) current database: from
// the current keyring, or from the keyring copy beside the backup when the current one is lost.
export async function unlockForRestore(input: { dbPath: string; backupPath: string; login: string; password: string; now?: () => Date }): Promise<Buffer> {
  const now = input.now ?? (() => new Date());
  // A damaged keyring beside the register is passed over: the copy beside the backup may serve.
  const found = [keyringPathFor(input.dbPath), keyringPathFor(input.backupPath)]
    .map((path) => ({ path, keyring: readableKeyring(path) }))
    .find((k): k is { path: string; keyring: Keyring } => k.keyring !== null);
  if (!found) throw new RegisterError('keyring_damaged', 'Исправный файл ключей не найден ни рядом с реестром, ни рядом с резервной копией.');
  const { path } = found;
  // Restoring with a password is one more way to guess it: the same wait as at the lock screen.
  refuseInsideWait(path, found.keyring, input.login, now());
  const key = await unlockWithPassword(found.keyring, input.login, input.password);
  if (!key) {
    recordFailedLogin(path, input.login, now());
    throw new RegisterError('auth_failed');
  }
  return key;
}

function userInBackup(path: string, rawKey: Buffer, login: string): { id: number; login: string; role: Role } | null {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    applyKey(db, rawKey);
    const row = db.prepare('SELECT id, login, role FROM users WHERE login = ? AND disabled_at IS NULL').get(normalizeLogin(login)) as
      | { id: number; login: string; role: Role }
      | undefined;
    return row ?? null;
  } finally {
    db.close();
  }
}

// A process that still has the register open would go on writing into the replaced file, and its
// WAL (named after the path) would be replayed into the restored one. An exclusive lock can be had
// only when no other connection holds the file, so it proves nobody does at this moment.
function ensureNotInUse(dbPath: string, rawKey: Buffer): void {
  if (!existsSync(dbPath)) return;
  let db: DB;
  try {
    db = new Database(dbPath, { fileMustExist: true, timeout: 500 });
  } catch {
    return;
  }
  try {
    applyKey(db, rawKey);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new RegisterError(
        'conflict',
        'Реестр открыт в другой программе (окно Privacy Desk или другая команда): закройте её и повторите восстановление. Текущий реестр не изменён.',
      );
    }
    // A damaged file that does not open cannot be in use by anyone either.
  } finally {
    db.close();
  }
}

// Replaces the register with a verified backup. Every check runs on a private copy of the backup
// beside the register before anything is touched; the swap itself is one atomic rename, and the
// file it replaces is kept as `<db>.replaced-<timestamp>`. Refusals leave the register untouched.
export async function restoreBackup(input: RestoreInput): Promise<RestoreResult> {
  const now = input.now ?? (() => new Date());
  const dbPath = resolve(input.dbPath);
  const backupPath = resolve(input.backupPath);
  if (backupPath === dbPath) throw new RegisterError('conflict', 'Нельзя восстановить реестр из самого себя.');
  if (!existsSync(backupPath)) throw new RegisterError('not_found', `Файл резервной копии не найден: ${backupPath}`);

  let rawKey: Buffer;
  let registerId: string | null;
  let login: string;
  const session = 'session' in input.auth ? input.auth.session : null;
  if (session) {
    const { ctx } = session;
    if (!can(ctx.actor.role, 'backup.run')) {
      ctx.db.transaction(() => audit(ctx, { action: 'access.denied', details: { operation: 'backup.restore', role: ctx.actor.role } })).immediate();
      throw new RegisterError('forbidden', `Недостаточно прав: восстановление из резервной копии недоступно роли «${ctx.actor.role}».`);
    }
    rawKey = Buffer.from(ctx.rawKey);
    registerId = ctx.registerId;
    login = ctx.actor.login;
  } else {
    const auth = input.auth as { rawKey: Buffer; login: string };
    rawKey = Buffer.from(auth.rawKey);
    registerId = expectedRegisterIdFor(dbPath, backupPath);
    login = normalizeLogin(auth.login);
  }

  // A restore that died midway left its private staging copy: it is nobody's now.
  removeDeadStaging(dbPath);
  // Held from the checks to the audit row: nobody may open the register while it is swapped. A
  // session of this process already holds it (the lock is re-entrant).
  const lock = acquireInstanceLock(dbPath, now);
  const stamp = backupStamp(now());
  const staging = `${dbPath}.restoring-${stamp}-${process.pid}`;
  try {
    copyFileSync(backupPath, staging, constants.COPYFILE_EXCL);
    let check: BackupCheck;
    try {
      fsyncFile(staging);
      check = inspectBackup(staging, rawKey, registerId, keyringPathFor(backupPath));
      if (!session) {
        const user = userInBackup(staging, rawKey, login);
        if (!user || !can(user.role, 'backup.run')) {
          throw new RegisterError('forbidden', 'Восстановить реестр может только действующий руководитель или администратор.');
        }
      }
    } catch (err) {
      rmSync(staging, { force: true });
      throw err;
    }

    // From here on the current file is replaced: close our own connection to it first, and make
    // sure nobody else (the desk window, another command) still has it open.
    session?.close();
    try {
      ensureNotInUse(dbPath, rawKey);
    } catch (err) {
      rmSync(staging, { force: true });
      throw err;
    }
    const replaced = existsSync(dbPath) ? unique(`${dbPath}.replaced-${stamp}`) : null;
    try {
      if (replaced) {
        // A hard link keeps the old file under its new name at no cost while the rename below
        // swaps the register in one step; filesystems without links get a copy.
        try {
          linkSync(dbPath, replaced);
        } catch {
          copyFileSync(dbPath, replaced, constants.COPYFILE_EXCL);
        }
        // An old WAL left beside the new file would be replayed into it: it goes with the old file.
        if (existsSync(`${dbPath}-wal`)) renameSync(`${dbPath}-wal`, `${replaced}-wal`);
        rmSync(`${dbPath}-shm`, { force: true });
      }
      renameSync(staging, dbPath);
      fsyncDir(dirname(dbPath));
    } catch (err) {
      rmSync(staging, { force: true });
      throw new RegisterError('io_error', `Не удалось заменить файл реестра: ${(err as Error).message}`);
    }

    // The current keyring holds the current passwords and the same key; only a lost or damaged
    // one is brought back from the copy beside the backup (a damaged one is kept aside).
    let keyringRestored = false;
    const keyringPath = keyringPathFor(dbPath);
    const keyringCopy = keyringPathFor(backupPath);
    if (!readableKeyring(keyringPath) && readableKeyring(keyringCopy)) {
      if (existsSync(keyringPath)) renameSync(keyringPath, unique(`${keyringPath}.replaced-${stamp}`));
      copyFileSync(keyringCopy, `${keyringPath}.tmp-${process.pid}`);
      renameSync(`${keyringPath}.tmp-${process.pid}`, keyringPath);
      keyringRestored = true;
    }

    const db = openDatabase(dbPath, rawKey);
    try {
      const actor = db.prepare('SELECT id, login FROM users WHERE login = ?').get(login) as { id: number; login: string } | undefined;
      db.transaction(() =>
        appendAudit(db, check.registerId, {
          at: now().toISOString(),
          action: 'backup.restore',
          actor: { id: actor?.id ?? null, login },
          details: {
            backupFile: basename(backupPath),
            backupAuditRows: check.auditRows,
            backupAuditHead: check.auditHead,
            replacedFile: replaced ? basename(replaced) : null,
            schemaVersion: check.schemaVersion,
            keyringRestored,
          },
        }),
      ).immediate();
      checkpoint(db);
    } finally {
      db.close();
    }
    return {
      dbPath,
      restoredFrom: backupPath,
      replacedPath: replaced,
      keyringRestored,
      schemaVersion: check.schemaVersion,
      auditRows: check.auditRows,
      auditHead: check.auditHead,
    };
  } finally {
    rawKey.fill(0);
    lock.release();
  }
}

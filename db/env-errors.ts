import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { RegisterError } from './errors.ts';

// The machine refusing, in words the desk can act on: a full disk, a read-only folder, a damaged
// file. SQLite and Node report these as codes deep inside whatever operation hit them; every
// boundary (open, dispatch, the file writers) passes its failure through here so the same fault
// reads the same everywhere, and never as "internal error".

export interface EnvContext {
  dbPath?: string;
  // What was being written, for the message: the register itself by default.
  writing?: 'register' | 'lock' | 'keyring' | 'file';
  // The operation's own summary, when a dispatched operation failed.
  action?: string;
}

const pageSize = 4096;

function errCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

export function isDiskFull(err: unknown): boolean {
  const code = errCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

export function isReadOnly(err: unknown): boolean {
  const code = errCode(err);
  return code === 'EROFS' || code.startsWith('SQLITE_READONLY');
}

export function isDamaged(err: unknown): boolean {
  const code = errCode(err);
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function folderOf(c: EnvContext, err: unknown): string {
  const path = (err as { path?: unknown })?.path;
  if (typeof path === 'string' && path) return dirname(resolve(path));
  return c.dbPath ? dirname(resolve(c.dbPath)) : '';
}

export function diskFullError(c: EnvContext, err?: unknown): RegisterError {
  const folder = folderOf(c, err);
  const what = c.action ? `действие «${c.action}» не выполнено` : 'действие не выполнено';
  return new RegisterError(
    'disk_full',
    `На диске закончилось место${folder ? ` (папка ${folder})` : ''}: ${what}, реестр не изменён, незаконченных файлов не осталось. Освободите место на этом диске (удалите ненужные файлы, старые выгрузки или перенесите резервные копии на другой носитель) и повторите.`,
  );
}

export function readOnlyError(c: EnvContext, err?: unknown): RegisterError {
  const folder = folderOf(c, err);
  const file = c.dbPath ? basename(c.dbPath) : 'реестра';
  return new RegisterError(
    'read_only',
    `Файл или папка реестра доступны только для чтения${folder ? ` (${folder})` : ''}: реестр нельзя открыть для работы, ничего не изменено. Снимите защиту от записи (переключатель на носителе, права доступа к папке) или скопируйте файл ${file} вместе с файлом ключей ${file}.keyring в папку, где разрешена запись, и откройте его там.`,
  );
}

// Backups made by the program land in backups/ beside the register (db/backup.ts
// defaultBackupDir; not imported to keep this module below connection.ts); newest first.
export function newestBackup(dbPath: string): string | null {
  const dir = join(dirname(resolve(dbPath)), 'backups');
  const ext = extname(dbPath) || '.pdesk';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  let best: { path: string; mtime: number } | null = null;
  for (const name of names) {
    if (!name.endsWith(ext)) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isFile() && st.size > 0 && (!best || st.mtimeMs > best.mtime)) best = { path, mtime: st.mtimeMs };
    } catch {
      // vanished while listing
    }
  }
  return best?.path ?? null;
}

export function restoreHint(dbPath: string): string {
  const newest = newestBackup(dbPath);
  return newest
    ? `Восстановите реестр из резервной копии: privacy-desk restore "${newest}" (самая новая копия) или в окне программы: Настройки → Резервные копии.`
    : 'Восстановите реестр из резервной копии: privacy-desk restore <файл копии> (в папке backups рядом с реестром копий нет — возьмите копию с внешнего носителя).';
}

// What can be told about a damaged file without the key: a length that is not whole pages means
// it was cut short; otherwise SQLCipher found a page whose authentication code does not match.
// `headerPages`: the page count written in the file's own (decrypted) header, when it was readable.
export function damageKind(dbPath: string, err?: unknown, headerPages?: number | null): string {
  let size = -1;
  try {
    size = statSync(dbPath).size;
  } catch {
    // judged by the error alone
  }
  if (size === 0) return 'файл пуст (обрезан до нуля)';
  if (size > 0 && size % pageSize !== 0) return `файл обрезан: его длина (${size} байт) не кратна странице (${pageSize} байт)`;
  if (size > 0 && headerPages && headerPages * pageSize > size)
    return `файл обрезан: в нём ${size / pageSize} страниц из ${headerPages}, записанных в его заголовке`;
  if (errCode(err) === 'SQLITE_NOTADB') return 'страница файла не прошла проверку подлинности (код HMAC не совпал): файл изменён или повреждён';
  return 'страница файла не прошла проверку подлинности или файл обрезан';
}

export function damagedError(dbPath: string, err?: unknown, headerPages?: number | null): RegisterError {
  return new RegisterError('register_damaged', `Файл реестра повреждён — ${damageKind(dbPath, err, headerPages)}. Файл не изменён. ${restoreHint(dbPath)}`, {
    sqlite: errCode(err) || undefined,
  });
}

export function environmentError(err: unknown, c: EnvContext = {}): unknown {
  if (err instanceof RegisterError) return err;
  if (isDiskFull(err)) return diskFullError(c, err);
  if (isReadOnly(err)) return readOnlyError(c, err);
  // A folder closed to this user by its permissions: same remedy as a read-only medium.
  if ((c.writing === 'lock' || c.writing === 'keyring') && ['EACCES', 'EPERM'].includes(errCode(err))) return readOnlyError(c, err);
  if (isDamaged(err) && c.dbPath) return damagedError(c.dbPath, err);
  return err;
}

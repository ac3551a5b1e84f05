import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { environmentError } from './env-errors.ts';
import { RegisterError } from './errors.ts';
import { latestVersion, migrate } from './migrations/index.ts';

export type DB = Database.Database;

// SQLCipher 4 settings must come before the key: a key given first silently selects another
// cipher, and the file would no longer open in stock SQLCipher tools.
export function applyKey(db: DB, rawKey: Buffer): void {
  if (rawKey.length !== 32) throw new RegisterError('internal', 'Ключ реестра должен быть 256-битным.');
  db.pragma("cipher='sqlcipher'");
  db.pragma('legacy=4');
  db.pragma(`key="x'${rawKey.toString('hex')}'"`);
}

function readUserVersion(db: DB): number {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new RegisterError('not_a_register');
    throw err;
  }
}

export interface OpenOptions {
  create?: boolean;
  // Migrate only up to this version: the migration tests step a file from N-1 to N.
  targetVersion?: number;
  readonly?: boolean;
}

export function openDatabase(path: string, rawKey: Buffer, options: OpenOptions = {}): DB {
  const exists = existsSync(path);
  if (!exists && !options.create) throw new RegisterError('register_missing', `Реестр не найден: ${path}`);
  if (exists && options.create) throw new RegisterError('register_exists', `Реестр уже существует: ${path}`);
  let db: DB;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !options.create });
  } catch (err) {
    throw environmentError(err, { dbPath: path });
  }
  try {
    // Owner-only, like the keyring; SQLite gives the -wal and -shm files the same mode.
    if (options.create && process.platform !== 'win32') chmodSync(path, 0o600);
    applyKey(db, rawKey);
    // Reading the version is the first real read: it proves the key and, for a file from a newer
    // program, lets us refuse before any pragma below writes to it.
    const version = readUserVersion(db);
    if (version > latestVersion) {
      throw new RegisterError(
        'newer_schema',
        `Файл реестра версии схемы ${version} создан более новой версией программы (эта версия понимает до ${latestVersion}). Файл не изменён; обновите программу.`,
      );
    }
    configureConnection(db, options);
    return db;
  } catch (err) {
    db.close();
    throw environmentError(err, { dbPath: path });
  }
}

// Every connection's settings after the key, in one place: the benchmark's plaintext comparison
// opens its unencrypted copy through this too, so both differ only in the cipher.
export function configureConnection(db: DB, options: Pick<OpenOptions, 'readonly' | 'targetVersion'> = {}): void {
  db.pragma('foreign_keys = ON');
  // INSERT OR REPLACE deletes the old row without firing DELETE triggers unless this is on, which
  // would let it rewrite rows that the append-only triggers protect.
  db.pragma('recursive_triggers = ON');
  db.pragma('secure_delete = ON');
  // Sorts and temp indexes stay in memory, so no decrypted temp file ever reaches the disk.
  db.pragma('temp_store = MEMORY');
  // 64 MiB of page cache keeps the search indexes of a large register hot (name p95 at 1M people
  // dropped from ~5 ms to ~1 ms in the benchmark).
  db.pragma('cache_size = -65536');
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    migrate(db, options.targetVersion ?? latestVersion);
  }
}

// Preparing a statement costs ~0.1-0.2 ms against this schema (its triggers are parsed too), more
// than running most of them: statements used on every call are prepared once per connection.
const cache = new WeakMap<DB, Map<string, Database.Statement>>();

export function stmt(db: DB, source: string): Database.Statement {
  let map = cache.get(db);
  if (!map) {
    map = new Map();
    cache.set(db, map);
  }
  let s = map.get(source);
  if (!s) {
    s = db.prepare(source);
    map.set(source, s);
  }
  return s;
}

// WAL frames hold old page images until a checkpoint: after erasing personal data, push them into
// the main file (where secure_delete has zeroed them) and truncate the WAL.
export function checkpoint(db: DB): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

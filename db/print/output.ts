import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { RegisterError } from '../errors.ts';

// Printed documents go only where the user chose, appear there whole or not at all (written under
// a hidden temporary name in the same folder, renamed at the end), and each is recorded in the
// audit log together with the rename: if the record cannot be written, the file is not left
// behind either.

export const outPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), 'укажите полный путь к файлу');

function ioError(err: unknown): RegisterError {
  if (err instanceof RegisterError) return err;
  // The errno code only: the path may carry a person's name.
  const code = (err as { code?: string })?.code;
  return new RegisterError('io_error', `Не удалось записать файл документа${code ? ` (${code})` : ''}.`);
}

export function checkTarget(ctx: Ctx, outPath: string): string {
  const target = resolve(outPath);
  const own = [ctx.dbPath, `${ctx.dbPath}-wal`, `${ctx.dbPath}-shm`, `${ctx.dbPath}-journal`, ctx.keyringPath].map((p) => resolve(p));
  if (own.includes(target)) throw new RegisterError('conflict', 'Документ нельзя записать поверх файлов самого реестра.');
  let parentIsDir = false;
  try {
    parentIsDir = statSync(dirname(target)).isDirectory();
  } catch {
    parentIsDir = false;
  }
  if (!parentIsDir) throw new RegisterError('io_error', 'Папка для файла документа не найдена.');
  try {
    if (statSync(target).isDirectory()) throw new RegisterError('io_error', 'По этому пути находится папка, а не файл.');
  } catch (err) {
    if (err instanceof RegisterError) throw err;
  }
  return target;
}

export interface Written {
  path: string;
  bytes: number;
  sha256: string;
}

// `record` runs inside the transaction that also renames the file into place; it may throw to
// refuse at the last moment (a person blocked while the document was being drawn).
export function writeDocument(ctx: Ctx, outPath: string, content: Buffer, record: (w: Written) => void): Written {
  const target = checkTarget(ctx, outPath);
  const partial = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const written: Written = { path: target, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  try {
    let fd: number;
    try {
      fd = openSync(partial, 'wx', 0o600);
    } catch (err) {
      throw ioError(err);
    }
    try {
      let off = 0;
      while (off < content.length) off += writeSync(fd, content, off, content.length - off);
      fsyncSync(fd);
    } catch (err) {
      throw ioError(err);
    } finally {
      closeSync(fd);
    }
    ctx.db
      .transaction(() => {
        record(written);
        try {
          renameSync(partial, target);
        } catch (err) {
          throw ioError(err);
        }
      })
      .immediate();
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  return written;
}

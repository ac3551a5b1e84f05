// Where an export may land, and how it gets there: only at the absolute path the user chose, never
// over the register's own files, written under a hidden temporary name in the same folder and
// renamed at the end — so a cancelled or failed export leaves nothing where the user looks, and a
// finished one appears whole in one step.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { RegisterError } from '../errors.ts';

export const outPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), 'укажите полный путь к файлу выгрузки');

export function ioError(err: unknown): RegisterError {
  if (err instanceof RegisterError) return err;
  // The errno code only: the path may carry a user's name.
  const code = (err as { code?: string })?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RegisterError('disk_full', 'На диске закончилось место: файл выгрузки не записан, незаконченный файл удалён. Освободите место и повторите.');
  }
  return new RegisterError('io_error', `Не удалось записать файл выгрузки${code ? ` (${code})` : ''}.`);
}

export function checkTarget(ctx: Ctx, outPath: string): string {
  const target = resolve(outPath);
  const own = [ctx.dbPath, `${ctx.dbPath}-wal`, `${ctx.dbPath}-shm`, `${ctx.dbPath}-journal`, ctx.keyringPath].map((p) => resolve(p));
  if (own.includes(target)) throw new RegisterError('conflict', 'Выгрузку нельзя записать поверх файлов самого реестра.');
  let parentIsDir = false;
  try {
    parentIsDir = statSync(dirname(target)).isDirectory();
  } catch {
    parentIsDir = false;
  }
  if (!parentIsDir) throw new RegisterError('io_error', 'Папка для файла выгрузки не найдена.');
  try {
    if (statSync(target).isDirectory()) throw new RegisterError('io_error', 'По этому пути находится папка, а не файл.');
  } catch (err) {
    if (err instanceof RegisterError) throw err;
  }
  return target;
}

export function partialPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
}

// The hash of the bytes that reached the disk, read back after the writer closed the file.
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

// On the disk before it gets its name: a power cut after the rename must not leave a short file.
export function syncFile(path: string): void {
  try {
    const fd = openSync(path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw ioError(err);
  }
}

export function publish(partial: string, target: string): void {
  try {
    renameSync(partial, target);
  } catch (err) {
    throw ioError(err);
  }
}

export function discard(path: string): void {
  rmSync(path, { force: true });
}

// Register exports to CSV for an inspector's Excel: UTF-8 with BOM and `;` (what Russian-locale
// Excel expects), streamed row by row so memory stays flat, written under a temporary name and
// renamed only when complete, so a cancelled or failed export leaves no half-file where the user
// looks. Plaintext by nature: written only to the path the user chose, and audited (count and
// hash, never content).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { audit } from './audit.ts';
import type { Ctx } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { isoDateSchema } from './schemas.ts';

// More registers (consents, requests, blocks, destruction) arrive with issue 5.
export const exportableRegisters = ['persons'] as const;

export const exportCsvInput = z
  .object({
    register: z.enum(exportableRegisters),
    outPath: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => isAbsolute(p) && !p.includes('\0'), 'укажите полный путь к файлу выгрузки'),
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
  })
  .refine((i) => !i.from || !i.to || i.from <= i.to, { message: 'начало периода позже его конца', path: ['to'] });

export interface ExportResult {
  register: (typeof exportableRegisters)[number];
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

// ---- CSV cells ---------------------------------------------------------------------------------

// A cell that starts like a formula would run as one when the file is opened in Excel or
// LibreOffice; a leading apostrophe makes it text. Phones (+7…) take the same path, which is also
// what keeps Excel from turning them into numbers and dropping the plus. (Codes of = + - @ TAB CR.)
const formulaStarts = new Set([61, 43, 45, 64, 9, 13]);
// Separator, quote, line breaks, or edge spaces (which Excel would otherwise trim).
const needsQuotes = /[";\r\n]|^\s|\s$/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = formulaStarts.has(value.charCodeAt(0)) ? `'${value}` : value;
  return needsQuotes.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: Array<string | number | null | undefined>): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += i === 0 ? csvCell(cells[i]) : `;${csvCell(cells[i])}`;
  return `${line}\r\n`;
}

const sourceLabels: Record<string, string> = {
  website_form: 'форма на сайте',
  callback: 'обратный звонок',
  appointment: 'запись на приём',
  walk_in: 'обращение в регистратуре',
  phone_call: 'телефонный звонок',
  import: 'импорт',
  other: 'другое',
};

const pad = (n: number): string => String(n).padStart(2, '0');

// Stored timestamps are UTC; the inspector reads the clinic's local time.
function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A local calendar date as the UTC instant of its start, to compare with stored timestamps.
function localDayStartIso(date: string, addDays = 0): string {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + addDays);
  return d.toISOString();
}

// ---- the persons register ----------------------------------------------------------------------

interface PersonExportRow {
  id: number;
  full_name: string | null;
  phone: string | null;
  email: string | null;
  source: string;
  created_at: string;
  destroyed_act_id: number | null;
  act_number: string | null;
  act_date: string | null;
  blocked: number;
  needs_verification: number;
}

const personHeaders = ['id', 'ФИО', 'телефон', 'e-mail', 'источник', 'создан', 'заблокирован', 'на проверке', 'акт об уничтожении'];

function personCells(r: PersonExportRow): Array<string | number | null> {
  // After destruction only the proof remains: the id and the act.
  if (r.destroyed_act_id !== null)
    return [r.id, null, null, null, null, null, null, null, `№ ${r.act_number ?? r.destroyed_act_id} от ${r.act_date ?? ''}`.trim()];
  return [
    r.id,
    r.full_name,
    r.phone,
    r.email,
    sourceLabels[r.source] ?? r.source,
    localDateTime(r.created_at),
    r.blocked ? 'да' : 'нет',
    r.needs_verification ? 'да' : 'нет',
    null,
  ];
}

const personsWhere = '(@from IS NULL OR p.created_at >= @from) AND (@to IS NULL OR p.created_at < @to)';
const personsSql = `
  SELECT p.id, p.full_name, p.phone, p.email, p.source, p.created_at, p.destroyed_act_id,
         a.number AS act_number, a.act_date,
         EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL) AS blocked,
         EXISTS (SELECT 1 FROM verifications v WHERE v.person_id = p.id AND v.cleared_at IS NULL) AS needs_verification
  FROM persons p LEFT JOIN destruction_acts a ON a.id = p.destroyed_act_id
  WHERE ${personsWhere}
  ORDER BY p.id`;

// ---- file handling -----------------------------------------------------------------------------

function ioError(err: unknown): RegisterError {
  if (err instanceof RegisterError) return err;
  // The errno code only: the path may carry a user's name.
  const code = (err as { code?: string })?.code;
  return new RegisterError('io_error', `Не удалось записать файл выгрузки${code ? ` (${code})` : ''}.`);
}

function checkTarget(ctx: Ctx, outPath: string): string {
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

// Buffers output in chunks of a few hundred KB: one write per chunk, and the hash sees exactly the
// bytes that reach the file.
class ChunkedFile {
  readonly #fd: number;
  readonly #hash = createHash('sha256');
  #pending: string[] = [];
  #pendingChars = 0;
  #closed = false;
  bytes = 0;
  constructor(path: string) {
    this.#fd = openSync(path, 'wx', 0o600);
  }
  write(text: string): void {
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (this.#pendingChars >= 256 * 1024) this.flush();
  }
  flush(): void {
    if (this.#pending.length === 0) return;
    const buf = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
    this.#hash.update(buf);
    this.bytes += buf.length;
  }
  finish(): string {
    this.flush();
    fsyncSync(this.#fd);
    return this.#hash.digest('hex');
  }
  close(): void {
    // Once only: a closed descriptor number may already belong to another file.
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

export function exportCsv(ctx: Ctx, input: z.output<typeof exportCsvInput>): ExportResult {
  const target = checkTarget(ctx, input.outPath);
  const partial = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const args = { from: input.from ? localDayStartIso(input.from) : null, to: input.to ? localDayStartIso(input.to, 1) : null };
  let file: ChunkedFile | null = null;
  let rows = 0;
  let sha256 = '';
  let bytes = 0;
  try {
    ctx.job?.checkpoint();
    try {
      file = new ChunkedFile(partial);
    } catch (err) {
      throw ioError(err);
    }
    const out = file;
    // One read transaction: the count and the rows come from the same snapshot while the desk
    // keeps writing on its own connection.
    ctx.db
      .transaction(() => {
        const total = (ctx.db.prepare(`SELECT count(*) AS n FROM persons p WHERE ${personsWhere}`).get(args) as { n: number }).n;
        ctx.job?.progress(0, total);
        out.write(`\uFEFF${csvLine(personHeaders)}`);
        for (const row of ctx.db.prepare(personsSql).iterate(args) as IterableIterator<PersonExportRow>) {
          out.write(csvLine(personCells(row)));
          rows++;
          if (rows % 1000 === 0) {
            ctx.job?.checkpoint();
            ctx.job?.progress(rows, total);
          }
        }
        ctx.job?.progress(rows, total);
      })
      .deferred();
    try {
      sha256 = out.finish();
      bytes = out.bytes;
    } catch (err) {
      throw ioError(err);
    }
    out.close();
    // Last chance to cancel: after the rename the file is the user's.
    ctx.job?.checkpoint();
    try {
      renameSync(partial, target);
    } catch (err) {
      throw ioError(err);
    }
  } catch (err) {
    try {
      file?.close();
    } catch {
      // The partial file goes anyway.
    }
    rmSync(partial, { force: true });
    throw err instanceof RegisterError ? err : ioError(err);
  }
  try {
    ctx.db
      .transaction(() =>
        audit(ctx, {
          action: 'export.register',
          details: {
            register: input.register,
            format: 'csv',
            rows,
            sha256,
            ...(input.from ? { from: input.from } : {}),
            ...(input.to ? { to: input.to } : {}),
          },
        }),
      )
      .immediate();
  } catch (err) {
    // An export the log does not record must not exist.
    rmSync(target, { force: true });
    throw err;
  }
  return { register: input.register, path: target, rows, bytes, sha256 };
}

export const exportOps = {
  'register.exportCsv': defineOp({
    summary: 'Выгрузить реестр в CSV (UTF-8 с BOM, разделитель «;») в выбранный файл',
    input: exportCsvInput,
    permission: 'registers.export',
    tx: 'read',
    long: true,
    handler: (ctx, input) => exportCsv(ctx, input),
  }),
};

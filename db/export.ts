// Register exports for an inspection: every register (exports/registers.ts) in CSV, XLSX or PDF
// (exports/csv.ts, xlsx.ts, pdf.ts), streamed row by row so memory stays flat, written under a
// temporary name and renamed only when complete, so a cancelled or failed export leaves no
// half-file where the user looks. Plaintext by nature: written only to the path the user chose,
// and audited (register, format, rows, hash — never content).
import { z } from 'zod';
import { audit, type VerifyResult } from './audit.ts';
import { type Ctx, nowIso } from './context.ts';
import { RegisterError } from './errors.ts';
import { CsvWriter } from './exports/csv.ts';
import { type Period, type RegisterName, registerNames, registers } from './exports/registers.ts';
import { type Cell, type Column, localDateTime, periodText, type TableMeta, type TableWriter } from './exports/table.ts';
import { checkTarget, discard, hashFile, ioError, outPathSchema, partialPathFor, publish, syncFile } from './exports/target.ts';
import { defineOp } from './operation.ts';
import { isoDateSchema } from './schemas.ts';
import { getOperator } from './settings.ts';

export { csvCell, csvLine } from './exports/csv.ts';
export { type RegisterName, registerNames } from './exports/registers.ts';

export const exportFormats = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const registerExportInput = z
  .object({
    register: z.enum(registerNames),
    format: z.enum(exportFormats),
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
    outPath: outPathSchema,
  })
  .refine((i) => !i.from || !i.to || i.from <= i.to, { message: 'начало периода позже его конца', path: ['to'] });

export interface WriteRegisterOptions {
  register: RegisterName;
  format: ExportFormat;
  from?: string;
  to?: string;
  outPath: string;
  // false: the caller (the inspection pack) records one audit row for the whole set itself.
  audit?: boolean;
  // The audit chain's verification from the caller's own read snapshot (the inspection pack checks
  // the chain once for its three audit files and its verification file, not four times).
  chain?: VerifyResult;
}

export interface ExportResult {
  path: string;
  rows: number;
  sha256: string;
  bytes: number;
}

// exceljs and pdfkit are loaded on first use: together they cost ~50 MB of memory in every worker
// that imports the operation table, and most workers never export.
export async function makeWriter(format: ExportFormat, path: string): Promise<TableWriter> {
  try {
    if (format === 'csv') return new CsvWriter(path);
    if (format === 'xlsx') return new (await import('./exports/xlsx.ts')).XlsxWriter(path);
    return new (await import('./exports/pdf.ts')).PdfWriter(path);
  } catch (err) {
    throw ioError(err);
  }
}

export interface StreamTableOptions {
  meta: TableMeta;
  columns: readonly Column[];
  total: number;
  rows: Iterable<Cell[]>;
  trailer?: Cell[][];
}

// Writes one table to a file the user will see only when it is whole: the rows, progress and a
// cancellation check every 1000 rows, the hash of the bytes on disk, then the rename. On any error
// or cancel the partial file is removed and the target is untouched.
export async function writeTableFile(
  ctx: Ctx,
  format: ExportFormat,
  outPath: string,
  produce: () => Omit<StreamTableOptions, 'rows'> & { rows: () => Iterable<Cell[]> },
): Promise<ExportResult> {
  const target = checkTarget(ctx, outPath);
  const partial = partialPathFor(target);
  ctx.job?.checkpoint();
  let writer: TableWriter | null = null;
  let rows = 0;
  // One read transaction: the count and the rows come from the same snapshot while the desk keeps
  // writing on its own connection. A caller that already holds one (the pack) keeps its own.
  const ownSnapshot = !ctx.db.inTransaction;
  try {
    writer = await makeWriter(format, partial);
    const w = writer;
    if (ownSnapshot) ctx.db.exec('BEGIN DEFERRED');
    try {
      const table = produce();
      ctx.job?.progress(0, table.total);
      await w.begin(table.meta, table.columns);
      for (const cells of table.rows()) {
        w.row(cells);
        rows++;
        if (rows % 1000 === 0) {
          ctx.job?.checkpoint();
          ctx.job?.progress(rows, Math.max(rows, table.total));
          await w.drain();
        }
      }
      for (const t of table.trailer ?? []) w.trailer(t);
      ctx.job?.progress(rows, rows);
    } finally {
      if (ownSnapshot && ctx.db.inTransaction) ctx.db.exec('COMMIT');
    }
    try {
      await w.finish();
    } catch (err) {
      throw ioError(err);
    }
    syncFile(partial);
    const { sha256, bytes } = await hashFile(partial);
    // Last chance to cancel: after the rename the file is the user's.
    ctx.job?.checkpoint();
    publish(partial, target);
    return { path: target, rows, sha256, bytes };
  } catch (err) {
    try {
      await writer?.abort();
    } catch {
      // The partial file goes anyway.
    }
    discard(partial);
    throw err instanceof RegisterError ? err : ioError(err);
  }
}

export function registerMeta(ctx: Ctx, title: string, period: Period, notes: string[]): TableMeta {
  return {
    title,
    operator: getOperator(ctx.db).name,
    period: periodText(period.from, period.to),
    generatedAt: localDateTime(nowIso(ctx)) ?? '',
    generatedBy: `${ctx.actor.fullName} (${ctx.actor.login})`,
    notes,
  };
}

// Records a finished export; an export the log cannot record must not exist.
export function auditExport(ctx: Ctx, action: string, path: string, details: Record<string, unknown>): void {
  try {
    if (ctx.db.inTransaction) audit(ctx, { action, details });
    else ctx.db.transaction(() => audit(ctx, { action, details })).immediate();
  } catch (err) {
    discard(path);
    throw err;
  }
}

// One register to one file. Stable for other modules (the inspection pack calls it for every
// register): writeRegister(ctx, {register, format, from?, to?, outPath}) → {path, rows, sha256}.
export async function writeRegister(ctx: Ctx, o: WriteRegisterOptions): Promise<ExportResult> {
  const source = registers[o.register];
  if (!source) throw new RegisterError('invalid_input', 'Неизвестный реестр.');
  if (!(exportFormats as readonly string[]).includes(o.format)) throw new RegisterError('invalid_input', 'Неизвестный формат выгрузки.');
  const period: Period = { from: o.from ?? null, to: o.to ?? null };
  if (period.from && period.to && period.from > period.to) throw new RegisterError('invalid_input', 'Начало периода позже его конца.');
  const result = await writeTableFile(ctx, o.format, o.outPath, () => {
    const prepared = source.prepare?.(ctx, period, { chain: o.chain }) ?? { notes: [], trailer: [] };
    return {
      meta: registerMeta(ctx, source.title, period, [source.filterNote, ...prepared.notes]),
      columns: source.columns,
      total: source.count(ctx, period),
      rows: () => source.rows(ctx, period),
      trailer: o.format === 'pdf' ? [] : prepared.trailer,
    };
  });
  if (o.audit !== false) {
    auditExport(ctx, 'export.register', result.path, {
      register: o.register,
      format: o.format,
      rows: result.rows,
      sha256: result.sha256,
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
    });
  }
  return result;
}

export const exportOps = {
  'register.export': defineOp({
    summary: 'Выгрузить реестр за период в CSV, XLSX или PDF в выбранный файл',
    input: registerExportInput,
    permission: 'registers.export',
    tx: 'read',
    long: true,
    handler: (ctx, input) => writeRegister(ctx, input),
  }),
};

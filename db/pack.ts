// The inspection pack: what the clinic hands a regulator in one go. Every register for a period in
// three formats, the destruction acts, the audit-chain verification result, a README for the
// inspector and a manifest with each file's SHA-256, so anyone can later prove that nothing in the
// pack was altered. The pack is built in a hidden folder beside the target and renamed only when
// complete (a cancelled or failed pack leaves nothing), and audited with its manifest's hash and
// the chain head — never data.
//
// Verification needs no register: `verifyPack` reads only the folder or ZIP, so an inspector's
// copy of the program (or the CLI without a password) can check a pack.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { ZipFile } from 'yazl';
import { z } from 'zod';
import { audit, type VerifyResult, verifyAudit } from './audit.ts';
import type { Ctx, Job } from './context.ts';
import { localDate, nowIso, today } from './context.ts';
import { RegisterError } from './errors.ts';
import { writeRegister } from './export.ts';
import { defineOp } from './operation.ts';
import { isoDateSchema, jurisdictionSchema } from './schemas.ts';
import { getJurisdiction, getOperator } from './settings.ts';
import { readZipEntries, ZipDamaged, type ZipEntry } from './zip.ts';

export const packFormat = 'privacy-desk-inspection-pack';
export const packVersion = 1;

// What an inspection asks for (domain.md): consents, the request journal, blocking history,
// destruction acts with log extracts, the event log. The persons register is not here on purpose:
// the whole contact base is more than an inspection needs, and the registers above already name
// every subject they concern.
export const packRegisters = ['consents', 'requests', 'blocks', 'acts', 'audit'] as const;
export const packFormats = ['xlsx', 'csv', 'pdf'] as const;
type PackRegister = (typeof packRegisters)[number];
type PackFormat = (typeof packFormats)[number];

const registerTitles: Record<PackRegister, string> = {
  consents:
    'реестр согласий на обработку персональных данных (по субъектам и целям: состояние, даты, способ получения, форма и её версия, подтверждение, кто оформил)',
  requests: 'журнал обращений субъектов и запросов уполномоченного органа (получено, вид, заявитель, способ, срок, продление, ответ, просрочка)',
  blocks: 'история блокирований (причина, по чьему требованию, начало, окончание, итог)',
  acts: 'акты об уничтожении персональных данных с выписками из журнала событий',
  audit: 'выписка из журнала событий за период',
};

const formatTitles: Record<PackFormat, string> = {
  xlsx: 'XLSX — открывается в Excel и LibreOffice',
  csv: 'CSV — UTF-8, разделитель «;»',
  pdf: 'PDF — для печати',
};

// ---- the manifest ------------------------------------------------------------------------------

// Paths inside a pack are relative, forward-slashed and never climb out of it: a manifest is input
// too (it may have been tampered with), and verification must not read anything outside the pack.
const packPathSchema = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => !p.startsWith('/') && !/[\\\0:]/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), 'недопустимый путь файла');

const manifestFileSchema = z.object({
  path: packPathSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  register: z.string().optional(),
  format: z.string().optional(),
  actId: z.number().int().positive().optional(),
  actNumber: z.string().optional(),
});

export const manifestSchema = z.object({
  format: z.literal(packFormat),
  version: z.literal(packVersion),
  operator: z.object({ name: z.string(), address: z.string(), taxId: z.string() }),
  jurisdiction: jurisdictionSchema,
  period: z.object({ from: isoDateSchema, to: isoDateSchema }),
  createdAt: z.string(),
  createdBy: z.object({ login: z.string(), fullName: z.string(), position: z.string() }),
  registerId: z.string(),
  auditChain: z.object({ rows: z.number().int().min(0), head: z.string(), ok: z.boolean().optional(), firstBadId: z.number().int().optional() }),
  files: z.array(manifestFileSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof manifestFileSchema>;

// ---- small file helpers ------------------------------------------------------------------------

async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function ioError(err: unknown): RegisterError {
  if (err instanceof RegisterError) return err;
  // The errno code only: the path may carry a user's name.
  const code = (err as { code?: string })?.code;
  return new RegisterError('io_error', `Не удалось записать пакет для проверки${code ? ` (${code})` : ''}.`);
}

const pad = (n: number): string => String(n).padStart(2, '0');

function humanDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : date;
}

function humanTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function plural(n: number, one: string, few: string, many: string): string {
  const m10 = n % 10;
  const m100 = n % 100;
  const word = m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many;
  return `${n} ${word}`;
}

const records = (n: number) => plural(n, 'запись', 'записи', 'записей');

function stamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

function programVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '';
  }
}

// ---- creating a pack ---------------------------------------------------------------------------

export const packCreateInput = z
  .object({
    outDir: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => isAbsolute(p) && !p.includes('\0'), 'укажите полный путь к папке'),
    // Without dates: from the register's first day to today.
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
    zip: z.boolean().default(false),
  })
  .refine((i) => !i.from || !i.to || i.from <= i.to, { message: 'начало периода позже его конца', path: ['to'] });

export interface PackCreateResult {
  path: string;
  name: string;
  zip: boolean;
  // Every file in the pack, manifest.json included.
  files: number;
  bytes: number;
  manifestSha256: string;
  // The ZIP's own hash, for the covering letter (null for a folder).
  zipSha256: string | null;
  period: { from: string; to: string };
  auditChain: { ok: boolean; rows: number; head: string; firstBadId?: number; message?: string };
  // Destruction acts printed as separate PDFs (0 while printing acts is not available).
  actPdfs: number;
}

interface ActRow {
  id: number;
  number: string;
  act_date: string;
}

interface PlannedFile {
  path: string;
  register?: PackRegister;
  format?: PackFormat;
  actId?: number;
  actNumber?: string;
}

function jurisdictionTitle(j: string): string {
  return j === 'KZ'
    ? 'Республика Казахстан, Закон РК «О персональных данных и их защите» № 94-V'
    : 'Российская Федерация, Федеральный закон «О персональных данных» № 152-ФЗ';
}

function readme(m: Omit<Manifest, 'files'>, files: ManifestFile[], chain: VerifyResult, programVer: string): string {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const lines: string[] = [
    'ПАКЕТ ДОКУМЕНТОВ ДЛЯ ПРОВЕРКИ ОБРАБОТКИ ПЕРСОНАЛЬНЫХ ДАННЫХ',
    '',
    `Оператор: ${m.operator.name}`,
    `ИНН/БИН: ${m.operator.taxId}`,
    `Адрес: ${m.operator.address}`,
    `Применимое право: ${jurisdictionTitle(m.jurisdiction)}`,
    `Период: с ${humanDate(m.period.from)} по ${humanDate(m.period.to)} включительно`,
    `Сформирован: ${humanTime(m.createdAt)} (местное время), ${m.createdBy.fullName}${m.createdBy.position ? `, ${m.createdBy.position}` : ''}`,
    `Программа: Privacy Desk${programVer ? ` ${programVer}` : ''}`,
    '',
    'СОДЕРЖИМОЕ ПАПКИ',
    '',
  ];
  for (const r of packRegisters) {
    lines.push(`registers/${r}.xlsx, .csv, .pdf — ${registerTitles[r]}.`);
  }
  lines.push(`Каждый реестр дан в трёх форматах с одинаковым содержанием: ${packFormats.map((f) => formatTitles[f]).join('; ')}.`);
  lines.push('Субъекты, чьи данные уничтожены, представлены только номером записи и ссылкой на акт об уничтожении.');
  const acts = files.filter((f) => f.actId !== undefined);
  if (acts.length > 0) {
    lines.push('');
    for (const f of acts) lines.push(`${f.path} — акт об уничтожении персональных данных № ${f.actNumber ?? f.actId} (печатная форма).`);
  }
  lines.push(
    '',
    'audit-verification.json — результат проверки целостности журнала событий: каждая запись журнала содержит',
    'хеш SHA-256 предыдущей записи и собственного содержания, поэтому изменение, удаление или перестановка',
    'любой записи обнаруживается.',
    chain.ok
      ? `Результат: журнал цел, ${records(chain.rows)}; хеш последней записи ${m.auditChain.head}.`
      : `Результат: ЖУРНАЛ ПОВРЕЖДЁН — ${chain.message} Проверено: ${records(chain.rows)}.`,
    '',
    'manifest.json — опись пакета: реквизиты оператора, период, кто и когда сформировал пакет, хеш последней',
    'записи журнала событий и для каждого файла — путь, размер в байтах и контрольная сумма SHA-256.',
    'Контрольная сумма самого файла manifest.json записана в журнал событий реестра при создании пакета',
    'и сообщается оператором отдельно (например, в сопроводительном письме).',
    '',
    'КАК ПРОВЕРИТЬ, ЧТО ФАЙЛЫ НЕ ИЗМЕНЕНЫ',
    '',
    'Вычислите контрольную сумму SHA-256 файла и сравните её с указанной в manifest.json (поле "sha256")',
    'или в списке ниже. Суммы должны совпасть полностью; регистр букв значения не имеет.',
    'Любое изменение файла, даже одного байта, даёт другую сумму.',
    '',
    '  Windows, командная строка:  certutil -hashfile registers\\consents.xlsx SHA256',
    '  Windows, PowerShell:        Get-FileHash registers\\consents.xlsx -Algorithm SHA256',
    '  Linux:                      sha256sum registers/consents.xlsx',
    '  macOS:                      shasum -a 256 registers/consents.xlsx',
    '',
    'Все файлы сразу (Linux, из этой папки): сохраните строки списка ниже в файл sums.txt и выполните',
    'sha256sum -c sums.txt — для каждого файла будет выведено «OK» или «FAILED».',
    'В программе Privacy Desk весь пакет проверяется одной командой: privacy-desk pack verify <папка или ZIP>;',
    'она называет каждый изменённый, отсутствующий или лишний файл.',
    '',
    'КОНТРОЛЬНЫЕ СУММЫ SHA-256 (кроме этого файла и manifest.json)',
    '',
  );
  for (const path of [...byPath.keys()].sort()) {
    const f = byPath.get(path) as ManifestFile;
    lines.push(`${f.sha256}  ${f.path}`);
  }
  lines.push('');
  // BOM and CRLF: Notepad on an inspector's Windows PC shows Cyrillic and line breaks correctly.
  return `\uFEFF${lines.join('\r\n')}`;
}

// One job for the whole pack: progress counts files, and the registers' own row-level progress is
// swallowed so the bar does not jump back and forth between files.
function fileJob(parent: Job | undefined): Job {
  return { progress: () => {}, checkpoint: () => parent?.checkpoint() };
}

// Printing acts is its own module; the pack uses it through the operation table, by name, only
// when it is there. Imported lazily: the table itself imports this module.
async function actPrinter(): Promise<((ctx: Ctx, actId: number, outPath: string) => Promise<unknown>) | null> {
  const api = await import('./api.ts');
  if (!api.isOperationName('print.act')) return null;
  return (ctx, actId, outPath) => api.dispatch(ctx, 'print.act' as string, { actId, outPath });
}

export async function createPack(ctx: Ctx, input: z.output<typeof packCreateInput>): Promise<PackCreateResult> {
  const outDir = resolve(input.outDir);
  let isDir = false;
  try {
    isDir = statSync(outDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new RegisterError('io_error', 'Папка для пакета не найдена.');

  const created = ctx.now();
  const info = ctx.db.prepare('SELECT created_at FROM register_info WHERE id = 1').get() as { created_at: string };
  const from = input.from ?? localDate(new Date(info.created_at));
  const to = input.to ?? today(ctx);
  if (from > to) throw new RegisterError('invalid_input', 'Начало периода позже его конца.');
  const operator = getOperator(ctx.db);
  const jurisdiction = getJurisdiction(ctx.db);
  const me = ctx.db.prepare('SELECT login, full_name, position FROM users WHERE id = ?').get(ctx.actor.id) as {
    login: string;
    full_name: string;
    position: string;
  };

  // Tax ids are digits; still, nothing but safe characters reaches a file name.
  const baseName = `inspection-pack-${operator.taxId.replace(/[^0-9A-Za-z]/g, '')}-${from}_${to}-${stamp(created)}`;
  let name = baseName;
  for (let n = 2; ; n++) {
    const taken = [join(outDir, name), join(outDir, `${name}.zip`)].some((p) => {
      try {
        lstatSync(p);
        return true;
      } catch {
        return false;
      }
    });
    if (!taken) break;
    name = `${baseName}-${n}`;
  }
  const finalPath = join(outDir, input.zip ? `${name}.zip` : name);
  const suffix = randomBytes(6).toString('hex');
  const work = join(outDir, `.${name}.${suffix}.partial`);
  const zipPartial = join(outDir, `.${name}.zip.${suffix}.partial`);

  const planned: PlannedFile[] = [];
  for (const register of packRegisters) for (const format of packFormats) planned.push({ path: `registers/${register}.${format}`, register, format });
  const printAct = await actPrinter();
  let actPlan: PlannedFile[] = [];
  // Written files + audit-verification.json + README.txt + manifest.json (+ the ZIP); the acts'
  // PDFs join once the snapshot has named the acts.
  let total = planned.length + 3 + (input.zip ? 1 : 0);
  let done = 0;
  const step = () => {
    done++;
    ctx.job?.progress(done, total);
  };
  const sub: Ctx = { ...ctx, job: fileJob(ctx.job) };

  const files: ManifestFile[] = [];
  let chain: VerifyResult | null = null;
  let auditChain: Manifest['auditChain'] = { rows: 0, head: '' };
  let manifestSha256 = '';
  let zipSha256: string | null = null;
  let packBytes = 0;
  let actPdfs = 0;
  let workCreated = false;
  try {
    ctx.job?.checkpoint();
    try {
      mkdirSync(work, { mode: 0o700 });
      workCreated = true;
      mkdirSync(join(work, 'registers'), { mode: 0o700 });
    } catch (err) {
      throw ioError(err);
    }

    // Every register and the chain check from one snapshot: the audit extract ends exactly at the
    // chain head in the manifest, and a consent given meanwhile at the desk cannot appear in one
    // register and be missing from another. Each file gets no audit row of its own; the pack's one
    // row below records them all.
    let lastRow: { id: number; hash: string } | undefined;
    ctx.db.exec('BEGIN DEFERRED');
    try {
      const acts = ctx.db
        .prepare('SELECT id, number, act_date FROM destruction_acts WHERE act_date BETWEEN ? AND ? ORDER BY act_date, id')
        .all(from, to) as ActRow[];
      if (printAct) actPlan = acts.map((a) => ({ path: `acts/act-${a.id}.pdf`, actId: a.id, actNumber: a.number }));
      total += actPlan.length;
      ctx.job?.progress(0, total);
      // Checked once, first: the three audit files print this result, and the snapshot guarantees
      // it is the same as at the end.
      ctx.job?.checkpoint();
      chain = verifyAudit(ctx.db, ctx.registerId, fileJob(ctx.job));
      for (const f of planned) {
        ctx.job?.checkpoint();
        const written = await writeRegister(sub, {
          register: f.register as PackRegister,
          format: f.format as PackFormat,
          from,
          to,
          outPath: join(work, f.path),
          audit: false,
          chain,
        });
        // The writer hashed the bytes on disk after closing the file: no second read.
        files.push({ path: f.path, sha256: written.sha256, bytes: written.bytes, register: f.register, format: f.format });
        step();
      }
      lastRow = ctx.db.prepare('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
    } finally {
      if (ctx.db.inTransaction) ctx.db.exec('COMMIT');
    }
    const head = chain.ok ? chain.head : (lastRow?.hash ?? '');
    // The acts' printed forms after the snapshot: printing is an operation of its own that writes
    // to the log, and a write inside a read snapshot would hold the desk's writers back. Acts never
    // change once made, so the PDFs match the registers above; their print rows follow the head.
    if (actPlan.length > 0) {
      try {
        mkdirSync(join(work, 'acts'), { mode: 0o700 });
      } catch (err) {
        throw ioError(err);
      }
      for (const f of actPlan) {
        ctx.job?.checkpoint();
        await printAct?.(sub, f.actId as number, join(work, f.path));
        files.push({ path: f.path, ...(await sha256File(join(work, f.path))), actId: f.actId, actNumber: f.actNumber });
        actPdfs++;
        step();
      }
    }

    const verification = {
      format: 'privacy-desk-audit-verification',
      version: 1,
      registerId: ctx.registerId,
      checkedAt: nowIso(ctx),
      ok: chain.ok,
      rows: chain.ok ? chain.rows : (lastRow?.id ?? chain.rows),
      head,
      ...(chain.ok ? {} : { firstBadId: chain.firstBadId, problem: chain.problem }),
      message: chain.ok ? `Журнал событий цел: ${records(chain.rows)}, цепочка хешей не нарушена.` : `Журнал событий повреждён: ${chain.message}`,
    };
    auditChain = { rows: verification.rows, head, ...(chain.ok ? {} : { ok: false, firstBadId: chain.firstBadId }) };

    const writeText = async (path: string, text: string, extra: Partial<ManifestFile> = {}) => {
      try {
        writeFileSync(join(work, path), text, { mode: 0o600, flag: 'wx' });
        fsyncPath(join(work, path));
      } catch (err) {
        throw ioError(err);
      }
      const h = await sha256File(join(work, path));
      if (path !== 'manifest.json') files.push({ path, ...h, ...extra });
      step();
      return h;
    };

    await writeText('audit-verification.json', `${JSON.stringify(verification, null, 2)}\n`);

    const head0: Omit<Manifest, 'files'> = {
      format: packFormat,
      version: packVersion,
      operator: { name: operator.name, address: operator.address, taxId: operator.taxId },
      jurisdiction,
      period: { from, to },
      createdAt: created.toISOString(),
      createdBy: { login: me.login, fullName: me.full_name, position: me.position },
      registerId: ctx.registerId,
      auditChain,
    };
    ctx.job?.checkpoint();
    await writeText('README.txt', readme(head0, files, chain, programVersion()));

    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const manifest: Manifest = { ...head0, files };
    ctx.job?.checkpoint();
    manifestSha256 = (await writeText('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`)).sha256;
    packBytes = files.reduce((s, f) => s + f.bytes, 0) + statSync(join(work, 'manifest.json')).size;

    if (input.zip) {
      ctx.job?.checkpoint();
      const z = await writeZip(work, ['manifest.json', ...files.map((f) => f.path)], zipPartial, created);
      zipSha256 = z.sha256;
      packBytes = z.bytes;
      step();
    }

    // Last chance to cancel: after the rename the pack is the user's.
    ctx.job?.checkpoint();
    try {
      if (input.zip) {
        renameSync(zipPartial, finalPath);
        // One plaintext copy of the registers is enough: the ZIP carries the manifest and verifies
        // as it is, so the working folder goes.
        rmSync(work, { recursive: true, force: true });
      } else {
        renameSync(work, finalPath);
      }
    } catch (err) {
      throw ioError(err);
    }
  } catch (err) {
    if (workCreated) rmSync(work, { recursive: true, force: true });
    rmSync(zipPartial, { force: true });
    throw err instanceof RegisterError ? err : ioError(err);
  }

  const fileCount = files.length + 1;
  try {
    ctx.db
      .transaction(() =>
        audit(ctx, {
          action: 'pack.create',
          details: {
            name: basename(finalPath),
            zip: input.zip,
            from,
            to,
            files: fileCount,
            manifestSha256,
            ...(zipSha256 ? { zipSha256 } : {}),
            auditRows: auditChain.rows,
            auditHead: auditChain.head,
            auditOk: chain?.ok === true,
          },
        }),
      )
      .immediate();
  } catch (err) {
    // A pack the log does not record must not exist.
    rmSync(finalPath, { recursive: true, force: true });
    throw err;
  }
  return {
    path: finalPath,
    name: basename(finalPath),
    zip: input.zip,
    files: fileCount,
    bytes: packBytes,
    manifestSha256,
    zipSha256,
    period: { from, to },
    auditChain:
      chain?.ok === false
        ? { ok: false, rows: auditChain.rows, head: auditChain.head, firstBadId: chain.firstBadId, message: chain.message }
        : { ok: true, rows: auditChain.rows, head: auditChain.head },
    actPdfs,
  };
}

// The ZIP lists the manifest first, then the files in the manifest's (sorted) order, every entry
// with the pack's creation time: its layout depends only on the pack, not on the disk.
async function writeZip(dir: string, paths: string[], outPath: string, mtime: Date): Promise<{ sha256: string; bytes: number }> {
  const zip = new ZipFile();
  // PDF pages and XLSX sheets are deflated already: deflating them again costs CPU for nothing.
  for (const p of paths) zip.addFile(join(dir, p), p, { mtime, mode: 0o100644, compress: !/\.(pdf|xlsx)$/.test(p) });
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(outPath, { flags: 'wx', mode: 0o600 }));
    fsyncPath(outPath);
  } catch (err) {
    throw ioError(err);
  }
  return sha256File(outPath);
}

// ---- reading a ZIP -----------------------------------------------------------------------------

// Just enough of the ZIP format to read back what yazl (or a common archiver) writes: the central
// directory, stored or deflated entries, ZIP64 sizes. No third-party reader: verification must
// hash exactly the bytes an unzip tool would produce, and nothing more is needed.

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) throw new ZipDamaged('short read');
    off += n;
  }
  return buf;
}

// Streams one entry's uncompressed bytes into `sink`; any inconsistency is ZipDamaged.
async function readZipEntry(path: string, fd: number, fileSize: number, e: ZipEntry, sink: (chunk: Buffer) => void): Promise<void> {
  // Encrypted entries and unknown methods cannot be what the pack wrote.
  if (e.flags & 0x1 || (e.method !== 0 && e.method !== 8)) throw new ZipDamaged('unsupported entry');
  const local = readAt(fd, e.localOffset, 30);
  if (local.readUInt32LE(0) !== 0x04034b50) throw new ZipDamaged('bad local header');
  const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + e.compressedSize > fileSize) throw new ZipDamaged('entry out of range');
  // An empty file: createReadStream has no empty range.
  if (e.compressedSize === 0) return;
  const consume = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) sink(chunk);
  };
  const raw = createReadStream(path, { start, end: start + e.compressedSize - 1 });
  try {
    if (e.method === 8) await pipeline(raw, createInflateRaw(), consume);
    else await pipeline(raw, consume);
  } catch (err) {
    throw err instanceof ZipDamaged ? err : new ZipDamaged('inflate');
  }
}

// ---- verifying a pack --------------------------------------------------------------------------

export type PackProblemKind = 'altered' | 'missing' | 'unexpected' | 'damaged';

export interface PackProblem {
  file: string;
  problem: PackProblemKind;
  // One Russian sentence naming the file.
  message: string;
}

export interface PackVerifyResult {
  ok: boolean;
  path: string;
  kind: 'folder' | 'zip';
  // What the manifest says about the pack (null when it is missing or unreadable).
  manifest: Omit<Manifest, 'files'> | null;
  manifestSha256: string | null;
  // Files listed in the manifest, and how many of them matched.
  listed: number;
  intact: number;
  problems: PackProblem[];
  // Operating-system litter (Finder's .DS_Store, Explorer's Thumbs.db) is not a change to the pack:
  // it cannot alter a listed file, and merely opening the folder on a Mac creates it.
  ignored: string[];
  // One Russian line for the whole result.
  summary: string;
}

const osLitter = (path: string): boolean => {
  const parts = path.split('/');
  const leaf = parts[parts.length - 1] ?? '';
  return parts[0] === '__MACOSX' || leaf === '.DS_Store' || leaf.startsWith('._') || /^(thumbs\.db|desktop\.ini|ehthumbs\.db)$/i.test(leaf);
};

const problemWords: Record<PackProblemKind, (f: string) => string> = {
  altered: (f) => `Файл ${f} изменён: его SHA-256 или размер не совпадает с указанным в manifest.json.`,
  missing: (f) => `Файл ${f} отсутствует, хотя указан в manifest.json.`,
  unexpected: (f) => `Файл ${f} лишний: его нет в manifest.json.`,
  damaged: (f) => `Файл ${f} повреждён и не читается.`,
};

function problem(file: string, kind: PackProblemKind, message?: string): PackProblem {
  return { file, problem: kind, message: message ?? problemWords[kind](file) };
}

function summarize(r: Omit<PackVerifyResult, 'summary'>): string {
  if (r.ok) return `Пакет цел: файлов по описи — ${r.listed}, все совпадают с manifest.json.`;
  const manifestProblem = r.problems.find((p) => p.file === 'manifest.json' && p.problem !== 'altered');
  if (manifestProblem) return `Пакет не проверен: ${manifestProblem.message.replace(/\.$/, '')}.`;
  const count = (k: PackProblemKind) => r.problems.filter((p) => p.problem === k).length;
  const parts = [
    count('altered') ? `изменено ${count('altered')}` : '',
    count('missing') ? `отсутствует ${count('missing')}` : '',
    count('unexpected') ? `лишних ${count('unexpected')}` : '',
    count('damaged') ? `повреждено ${count('damaged')}` : '',
  ].filter(Boolean);
  const names = r.problems
    .slice(0, 3)
    .map((p) => p.file)
    .join(', ');
  return `Пакет изменён после создания: ${parts.join(', ')} (${names}${r.problems.length > 3 ? ', …' : ''}).`;
}

function parseManifest(bytes: Buffer): { manifest: Manifest } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { error: 'manifest.json повреждён: это не JSON.' };
  }
  const format = (json as { format?: unknown; version?: unknown } | null)?.format;
  const version = (json as { version?: unknown } | null)?.version;
  if (format !== packFormat) return { error: 'manifest.json не является описью пакета Privacy Desk.' };
  if (typeof version === 'number' && version > packVersion) return { error: 'manifest.json создан более новой версией программы: обновите программу.' };
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `manifest.json повреждён: неверное поле ${issue?.path.join('.') || '(корень)'}.` };
  }
  const seen = new Set<string>();
  for (const f of parsed.data.files) {
    if (f.path === 'manifest.json' || seen.has(f.path)) return { error: `manifest.json повреждён: файл ${f.path} указан дважды.` };
    seen.add(f.path);
  }
  return { manifest: parsed.data };
}

// The pack as a set of named files that can be hashed, wherever they live.
interface PackSource {
  kind: 'folder' | 'zip';
  names: string[];
  hash: (name: string) => Promise<{ sha256: string; bytes: number } | 'damaged'>;
  read: (name: string, max: number) => Promise<Buffer | 'damaged' | 'too_big'>;
  close: () => void;
}

function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      // Symlinks are listed, never followed: the pack is what lies in the folder.
      if (d.isDirectory()) visit(p);
      else out.push(p);
    }
  };
  visit('');
  return out;
}

function folderSource(root: string): PackSource {
  const names = walk(root);
  const regular = (name: string) => {
    try {
      return lstatSync(join(root, ...name.split('/'))).isFile();
    } catch {
      return false;
    }
  };
  return {
    kind: 'folder',
    names,
    hash: async (name) => {
      if (!regular(name)) return 'damaged';
      try {
        return await sha256File(join(root, ...name.split('/')));
      } catch {
        return 'damaged';
      }
    },
    read: async (name, max) => {
      if (!regular(name)) return 'damaged';
      const full = join(root, ...name.split('/'));
      if (statSync(full).size > max) return 'too_big';
      try {
        return readFileSync(full);
      } catch {
        return 'damaged';
      }
    },
    close: () => {},
  };
}

function zipSource(path: string): PackSource {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const all = readZipEntries((position, length) => readAt(fd, position, length), size).filter((e) => !e.name.endsWith('/'));
    // An archive made by re-zipping the pack folder puts everything under one top folder.
    let prefix = '';
    if (!all.some((e) => e.name === 'manifest.json')) {
      const tops = new Set(all.map((e) => e.name.split('/')[0]));
      const top = [...tops][0];
      if (tops.size === 1 && top && all.some((e) => e.name === `${top}/manifest.json`)) prefix = `${top}/`;
    }
    const byName = new Map<string, ZipEntry>();
    const names: string[] = [];
    for (const e of all) {
      const name = e.name.slice(prefix.length).replace(/\\/g, '/');
      names.push(byName.has(name) ? `${name} (повтор в архиве)` : name);
      if (!byName.has(name)) byName.set(name, e);
    }
    return {
      kind: 'zip',
      names,
      hash: async (name) => {
        const e = byName.get(name);
        if (!e) return 'damaged';
        const hash = createHash('sha256');
        let bytes = 0;
        try {
          await readZipEntry(path, fd, size, e, (c) => {
            hash.update(c);
            bytes += c.length;
          });
        } catch {
          return 'damaged';
        }
        return { sha256: hash.digest('hex'), bytes };
      },
      read: async (name, max) => {
        const e = byName.get(name);
        if (!e) return 'damaged';
        if (e.size > max) return 'too_big';
        const chunks: Buffer[] = [];
        let n = 0;
        try {
          await readZipEntry(path, fd, size, e, (c) => {
            n += c.length;
            // The declared size may lie: stop at the limit whatever it says.
            if (n > max) throw new ZipDamaged('too big');
            chunks.push(c);
          });
        } catch {
          return 'damaged';
        }
        return Buffer.concat(chunks);
      },
      close: () => closeSync(fd),
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

// Recomputes every listed file's SHA-256 and names each file altered, missing or not listed. Reads
// only the pack: no register, no password.
export async function verifyPack(path: string, job?: Job): Promise<PackVerifyResult> {
  const target = resolve(path);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(target);
  } catch {
    throw new RegisterError('not_found', 'Пакет для проверки не найден: нет такой папки или файла.');
  }
  let source: PackSource;
  try {
    if (st.isDirectory()) source = folderSource(target);
    else if (st.isFile()) source = zipSource(target);
    else throw new ZipDamaged('not a file');
  } catch (err) {
    if (err instanceof ZipDamaged)
      throw new RegisterError('pack_invalid', 'Это не папка пакета и не ZIP-архив, или архив повреждён так, что его оглавление не читается.');
    const code = (err as { code?: string })?.code;
    throw new RegisterError('io_error', `Не удалось прочитать пакет${code ? ` (${code})` : ''}.`);
  }
  const base = { path: target, kind: source.kind };
  const finish = (r: Omit<PackVerifyResult, 'summary' | 'path' | 'kind'>): PackVerifyResult => {
    const full = { ...base, ...r };
    return { ...full, summary: summarize(full) };
  };
  try {
    const ignored = source.names.filter(osLitter);
    const present = new Set(source.names.filter((n) => !osLitter(n)));
    if (!present.has('manifest.json')) {
      return finish({
        ok: false,
        manifest: null,
        manifestSha256: null,
        listed: 0,
        intact: 0,
        problems: [problem('manifest.json', 'missing', 'Файл manifest.json отсутствует: без описи пакет проверить нельзя.')],
        ignored,
      });
    }
    // A manifest of a large pack is tens of KB; anything vastly bigger is not ours.
    const raw = await source.read('manifest.json', 64 * 1024 * 1024);
    if (raw === 'damaged' || raw === 'too_big') {
      return finish({
        ok: false,
        manifest: null,
        manifestSha256: null,
        listed: 0,
        intact: 0,
        problems: [problem('manifest.json', 'damaged', 'Файл manifest.json повреждён и не читается.')],
        ignored,
      });
    }
    const manifestSha256 = createHash('sha256').update(raw).digest('hex');
    const parsed = parseManifest(raw);
    if ('error' in parsed) {
      return finish({
        ok: false,
        manifest: null,
        manifestSha256,
        listed: 0,
        intact: 0,
        problems: [problem('manifest.json', 'damaged', parsed.error)],
        ignored,
      });
    }
    const { files, ...about } = parsed.manifest;
    const problems: PackProblem[] = [];
    let intact = 0;
    let done = 0;
    job?.progress(0, files.length);
    for (const f of files) {
      job?.checkpoint();
      if (!present.has(f.path)) problems.push(problem(f.path, 'missing'));
      else {
        const h = await source.hash(f.path);
        if (h === 'damaged') problems.push(problem(f.path, 'damaged'));
        else if (h.sha256 !== f.sha256 || h.bytes !== f.bytes) problems.push(problem(f.path, 'altered'));
        else intact++;
      }
      done++;
      job?.progress(done, files.length);
    }
    const listed = new Set(files.map((f) => f.path));
    for (const name of [...present].sort()) {
      if (name !== 'manifest.json' && !listed.has(name)) problems.push(problem(name, 'unexpected'));
    }
    return finish({ ok: problems.length === 0, manifest: about, manifestSha256, listed: files.length, intact, problems, ignored });
  } finally {
    source.close();
  }
}

// ---- operations --------------------------------------------------------------------------------

interface PackAuditRow {
  id: number;
  at: string;
  login: string | null;
}

export const packOps = {
  'pack.create': defineOp({
    summary: 'Сформировать пакет для проверки: все реестры за период (XLSX, CSV, PDF), акты, проверка журнала, опись с SHA-256',
    input: packCreateInput,
    permission: 'registers.export',
    tx: 'read',
    long: true,
    handler: (ctx, input) => createPack(ctx, input),
  }),
  'pack.verify': defineOp({
    summary: 'Проверить пакет для проверки (папку или ZIP): назвать каждый изменённый, отсутствующий или лишний файл',
    input: z.object({
      path: z
        .string()
        .min(1)
        .max(4096)
        .refine((p) => isAbsolute(p) && !p.includes('\0'), 'укажите полный путь к папке или ZIP-архиву пакета'),
    }),
    // Reads no data of the register, only files: anyone who may check the log may check a pack.
    permission: 'audit.verify',
    tx: 'read',
    long: true,
    handler: async (ctx, input) => {
      const result = await verifyPack(input.path, ctx.job);
      // With the register open there is one more check than the pack alone allows: a pack made here
      // had its manifest's hash written to the log, so a manifest rewritten to match altered files
      // is caught too.
      let recorded: PackAuditRow | null = null;
      if (result.manifest && result.manifest.registerId === ctx.registerId && result.manifestSha256) {
        recorded =
          (ctx.db
            .prepare("SELECT id, at, login FROM audit WHERE action = 'pack.create' AND json_extract(details, '$.manifestSha256') = ? ORDER BY id LIMIT 1")
            .get(result.manifestSha256) as PackAuditRow | undefined) ?? null;
        if (!recorded) {
          result.problems.unshift(
            problem('manifest.json', 'altered', 'Файл manifest.json не совпадает ни с одной описью пакетов, созданных в этом реестре: опись могли подменить.'),
          );
          result.ok = false;
          result.summary = summarize(result);
        }
      }
      ctx.db
        .transaction(() =>
          audit(ctx, {
            action: 'pack.verify',
            details: { ok: result.ok, problems: result.problems.length, ...(result.manifestSha256 ? { manifestSha256: result.manifestSha256 } : {}) },
          }),
        )
        .immediate();
      return { ...result, recordedInLog: recorded ? { auditId: recorded.id, at: recorded.at, login: recorded.login } : null };
    },
  }),
};

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { audit } from './audit.ts';
import { consentOps } from './consents.ts';
import type { Ctx } from './context.ts';
import { RegisterError } from './errors.ts';
import { consentFields, fieldTitles, type Mapping, type MappingInput, mappingSchema, resolveMapping, suggestMapping } from './import/mapping.ts';
import { readCsv } from './import/parse-csv.ts';
import { readXlsx } from './import/parse-xlsx.ts';
import { type Candidate, type ImportProblem, RowChecker, type RowStatus } from './import/rows.ts';
import type { TableEncoding, TableFormat, TableHeader, TableRow } from './import/table.ts';
import { defineOp } from './operation.ts';
import { insertPersons, type PersonSource } from './persons.ts';
import { findPurpose } from './purposes.ts';
import { can } from './roles.ts';
import { personSourceSchema } from './schemas.ts';
import { getJurisdiction } from './settings.ts';

// Import of website and spreadsheet leads (CSV or XLSX). Preview reads the file and says, row by
// row with the file's own line numbers, what would go in and what would not; it writes nothing.
// Commit reads the same bytes again (the SHA-256 must match the preview's), and inserts every valid,
// non-duplicate row in one transaction — all of them or, on any error or cancellation, none —
// through insertPersons(), the same insert as the desk's person.add. The audit log gets the usual
// 'person.add' row per person (so each person's history reads the same however they came in;
// appended several per statement, at 100k rows that is about a sixth of the commit's CPU time, one
// row per batch instead would save it but leave audit.list and the audit register with no row per
// person) and one 'import' row with the file's SHA-256, format, encoding and counts; never the
// file name, which can itself be personal ("Иванов.csv").
//
// A consent column (e.g. "Согласие на рассылку": да/нет, with a date column) records a 'given'
// consent event on the 'website' channel for a newly imported person, through consent.give's own
// handler, so every consent rule applies (about 1 ms per consent). "нет" records nothing: an
// unticked box on a web form is not proof of a refusal. Rows skipped as duplicates get no consent;
// the desk records it on the existing person.

export const maxFileBytes = 30 * 1024 * 1024;
const maxBase64Length = Math.ceil(maxFileBytes / 3) * 4;
// Errors listed per preview; more are counted in errorsOmitted (one file's worth of bad rows is
// enough to see what is wrong with it).
export const maxListedErrors = 20_000;
const sampleRows = 20;
const chunk = 1_000;

const fileContent = z
  .string()
  .check((c) => {
    const s = c.value;
    if (s.length > maxBase64Length)
      c.issues.push({ code: 'custom', input: s, message: `файл больше ${maxFileBytes / 1024 / 1024} МБ: разделите его на несколько` });
    else if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
      c.issues.push({ code: 'custom', input: s, message: 'содержимое файла должно быть в base64' });
  })
  .transform((s) => Buffer.from(s, 'base64'))
  .refine((b) => b.length > 0, 'файл пустой');

const fileName = z.string().trim().min(1).max(500);

const previewInput = z.object({
  fileName,
  contentBase64: fileContent,
  mapping: mappingSchema.optional(),
  source: personSourceSchema.optional(),
});

const commitInput = z.object({
  fileName,
  contentBase64: fileContent,
  mapping: mappingSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256: 64 шестнадцатеричные цифры'),
  source: personSourceSchema.optional(),
});

export interface ImportSampleRow {
  line: number;
  status: RowStatus;
  fullName: string;
  phone: string | null;
  email: string | null;
  source: PersonSource | null;
}

export interface ImportPreview {
  sha256: string;
  format: TableFormat;
  encoding: TableEncoding;
  delimiter: ';' | ',' | '\t' | null;
  headerLine: number;
  columns: string[];
  suggestedMapping: Mapping;
  // What the preview used: the suggestion with the caller's mapping laid over it.
  mapping: Mapping;
  // Why the file cannot be imported with this mapping (no name column, say); rows are then only
  // counted, not checked.
  mappingProblems: string[];
  total: number;
  valid: number;
  invalid: number;
  duplicates: number;
  sources: Partial<Record<PersonSource, number>>;
  consents: { marketing: number; appointment: number };
  sample: ImportSampleRow[];
  errors: ImportProblem[];
  errorsOmitted: number;
}

export interface ImportCommitResult {
  sha256: string;
  inserted: number;
  skipped: number;
  invalid: number;
  duplicates: number;
  consents: number;
  firstPersonId: number | null;
  lastPersonId: number | null;
  errors: ImportProblem[];
  errorsOmitted: number;
}

const oleMagic = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

// The format is read from the bytes; the file name only sharpens a message.
async function readTable(bytes: Buffer, name: string, sink: { header: (h: TableHeader) => void; row: (r: TableRow) => void }): Promise<void> {
  if (isZip(bytes)) return readXlsx(bytes, sink);
  if (bytes.subarray(0, 8).equals(oleMagic)) {
    throw new RegisterError(
      'invalid_input',
      'Файл в старом формате Excel 97–2003 (XLS) или защищён паролем: откройте его в Excel или LibreOffice и сохраните как XLSX или CSV без пароля.',
    );
  }
  if (/\.(xlsx|xlsm)$/i.test(name))
    throw new RegisterError('invalid_input', 'Файл назван как книга Excel (XLSX), но не является ею: сохраните таблицу заново как XLSX или CSV.');
  if (/\.(ods|numbers|pdf|docx?)$/i.test(name))
    throw new RegisterError('invalid_input', 'Поддерживаются только таблицы CSV и XLSX: сохраните файл в одном из этих форматов.');
  readCsv(bytes, sink);
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The purposes a mapped consent column records must accept a website consent.
function consentProblems(ctx: Ctx, mapping: Mapping): string[] {
  const problems: string[] = [];
  for (const [field, code] of Object.entries(consentFields) as [keyof typeof consentFields, string][]) {
    if (mapping[field] === undefined) continue;
    let purpose: ReturnType<typeof findPurpose>;
    try {
      purpose = findPurpose(ctx.db, code);
    } catch {
      problems.push(`«${fieldTitles[field]}»: в настройках нет цели обработки «${code}».`);
      continue;
    }
    if (purpose.active !== 1)
      problems.push(`«${fieldTitles[field]}»: цель «${purpose.title_ru}» выведена из употребления, новые согласия на неё не принимаются.`);
    else if (purpose.requires_written === 1)
      problems.push(`«${fieldTitles[field]}»: для цели «${purpose.title_ru}» нужно письменное согласие, отметка на сайте его не заменяет.`);
  }
  if (problems.length === 0 && (mapping.consentMarketing !== undefined || mapping.consentAppointment !== undefined) && !can(ctx.actor.role, 'consents.write')) {
    problems.push('Недостаточно прав для записи согласий: уберите столбцы согласия из сопоставления.');
  }
  return problems;
}

interface Scan {
  header: TableHeader;
  mapping: Mapping;
  suggested: Mapping;
  problems: string[];
  // Null when the mapping is not usable: rows are then only counted.
  checker: RowChecker | null;
  total: number;
}

// One pass over the file: the header settles the mapping, then each row goes to `onRow`.
// Progress counts rows read against the expected total; the checkpoint lets a cancel in.
async function scan(
  ctx: Ctx,
  bytes: Buffer,
  name: string,
  o: { mapping: MappingInput | undefined; defaultSource: PersonSource; progressTotal: (estimatedRows: number) => number },
  onRow: (row: TableRow, s: Scan) => void,
): Promise<Scan> {
  let state: Scan | null = null;
  let estimate = 0;
  const jurisdiction = getJurisdiction(ctx.db);
  await readTable(bytes, name, {
    header: (header) => {
      const suggested = suggestMapping(header.columns);
      const { mapping, problems } = resolveMapping(header.columns, suggested, o.mapping);
      problems.push(...consentProblems(ctx, mapping));
      const checker = problems.length === 0 ? new RowChecker(ctx, { columns: header.columns, mapping, jurisdiction, defaultSource: o.defaultSource }) : null;
      state = { header, mapping, suggested, problems, checker, total: 0 };
      estimate = o.progressTotal(header.estimatedRows);
      ctx.job?.checkpoint();
      ctx.job?.progress(0, estimate);
    },
    row: (row) => {
      const s = state!;
      s.total++;
      onRow(row, s);
      if (s.total % chunk === 0) {
        ctx.job?.checkpoint();
        ctx.job?.progress(s.total, Math.max(estimate, s.total + 1));
      }
    },
  });
  return state!;
}

class ErrorList {
  readonly items: ImportProblem[] = [];
  omitted = 0;
  add(p: ImportProblem): void {
    if (this.items.length < maxListedErrors) this.items.push(p);
    else this.omitted++;
  }
}

function sampleOf(row: TableRow, s: Scan, c: Candidate | null, status: RowStatus): ImportSampleRow {
  if (c) return { line: c.line, status, fullName: c.fullName, phone: c.phone, email: c.email?.email ?? null, source: c.source };
  const cell = (column: string | undefined) => (column === undefined ? '' : (row.cells[s.header.columns.indexOf(column)] ?? '').trim());
  const m = s.mapping;
  const fullName = m.fullName !== undefined ? cell(m.fullName) : [cell(m.lastName), cell(m.firstName), cell(m.middleName)].filter(Boolean).join(' ');
  return { line: row.line, status, fullName, phone: cell(m.phone) || null, email: cell(m.email) || null, source: null };
}

export async function previewImport(ctx: Ctx, input: z.output<typeof previewInput>): Promise<ImportPreview> {
  const bytes = input.contentBase64;
  const sha256 = sha256Of(bytes);
  const errors = new ErrorList();
  const sample: ImportSampleRow[] = [];
  const sources: Partial<Record<PersonSource, number>> = {};
  const consents = { marketing: 0, appointment: 0 };
  let valid = 0;
  let invalid = 0;
  let duplicates = 0;
  const result = await scan(
    ctx,
    bytes,
    input.fileName,
    { mapping: input.mapping, defaultSource: input.source ?? 'import', progressTotal: (n) => n },
    (row, s) => {
      if (!s.checker) return;
      const { candidate, problems } = s.checker.check(row);
      let status: RowStatus = 'ok';
      if (!candidate) {
        invalid++;
        status = 'invalid';
        for (const p of problems) errors.add(p);
      } else {
        const dup = s.checker.dedupe(candidate);
        if (dup) {
          duplicates++;
          status = 'duplicate';
          errors.add(dup);
        } else {
          valid++;
          sources[candidate.source] = (sources[candidate.source] ?? 0) + 1;
          for (const c of candidate.consents) consents[c.purpose]++;
        }
      }
      if (sample.length < sampleRows) sample.push(sampleOf(row, s, candidate, status));
    },
  );
  ctx.job?.progress(result.total, result.total);
  return {
    sha256,
    format: result.header.format,
    encoding: result.header.encoding,
    delimiter: result.header.delimiter,
    headerLine: result.header.headerLine,
    columns: result.header.columns,
    suggestedMapping: result.suggested,
    mapping: result.mapping,
    mappingProblems: result.problems,
    total: result.total,
    valid,
    invalid,
    duplicates,
    sources,
    consents,
    sample,
    errors: errors.items,
    errorsOmitted: errors.omitted,
  };
}

export async function commitImport(ctx: Ctx, input: z.output<typeof commitInput>): Promise<ImportCommitResult> {
  const bytes = input.contentBase64;
  const sha256 = sha256Of(bytes);
  if (sha256 !== input.sha256) {
    throw new RegisterError('conflict', 'Файл не тот, что был в предварительном просмотре (SHA-256 не совпадает): просмотрите его снова и подтвердите импорт.');
  }
  const defaultSource = input.source ?? 'import';
  const errors = new ErrorList();
  // Valid rows wait here for the transaction: better-sqlite3 transactions are synchronous, and
  // reading a workbook is not, so the write lock is taken only once the file has been read.
  const candidates: Candidate[] = [];
  let invalid = 0;
  const s = await scan(ctx, bytes, input.fileName, { mapping: input.mapping, defaultSource, progressTotal: (n) => 2 * n }, (row, state) => {
    if (!state.checker) return;
    const { candidate, problems } = state.checker.check(row);
    if (candidate) candidates.push(candidate);
    else {
      invalid++;
      for (const p of problems) errors.add(p);
    }
  });
  if (!s.checker) throw new RegisterError('invalid_input', `Импорт невозможен: ${s.problems.join(' ')}`, { problems: s.problems });
  const checker = s.checker;
  const total = s.total + candidates.length;
  const give = consentOps['consent.give'];
  const note = `Отметка в форме на сайте; импорт файла SHA-256 ${sha256.slice(0, 16)}…`;
  ctx.job?.checkpoint();
  const outcome = ctx.db
    .transaction(() => {
      let duplicates = 0;
      let consents = 0;
      const ids: number[] = [];
      let batch: Candidate[] = [];
      // Persons go in through insertPersons() in batches (one statement each, see there); their
      // consents follow, through consent.give's own handler.
      const flush = () => {
        const added = insertPersons(
          ctx,
          batch.map((c) => ({ fullName: c.fullName, phone: c.phone, email: c.email, source: c.source })),
          { via: 'import' },
        );
        batch.forEach((c, n) => {
          for (const consent of c.consents) {
            give.handler(ctx, give.input.parse({ personId: added[n], purpose: consent.purpose, date: consent.date, channel: 'website', note }));
            consents++;
          }
        });
        ids.push(...added);
        batch = [];
      };
      for (let i = 0; i < candidates.length; i++) {
        if (i % chunk === 0) {
          ctx.job?.checkpoint();
          ctx.job?.progress(s.total + i, total);
        }
        const c = candidates[i]!;
        const dup = checker.dedupe(c);
        if (dup) {
          duplicates++;
          errors.add(dup);
          continue;
        }
        batch.push(c);
        if (batch.length === chunk) flush();
      }
      flush();
      // The last chance to cancel: after this the transaction commits.
      ctx.job?.checkpoint();
      const firstPersonId = ids[0] ?? null;
      const lastPersonId = ids.at(-1) ?? null;
      audit(ctx, {
        action: 'import',
        details: {
          sha256,
          format: s.header.format,
          encoding: s.header.encoding,
          rows: s.total,
          inserted: ids.length,
          invalid,
          duplicates,
          consents,
          source: defaultSource,
          firstPersonId,
          lastPersonId,
        },
      });
      return { inserted: ids.length, duplicates, consents, firstPersonId, lastPersonId };
    })
    .immediate();
  ctx.job?.progress(total, total);
  errors.items.sort((a, b) => a.line - b.line);
  return {
    sha256,
    inserted: outcome.inserted,
    skipped: invalid + outcome.duplicates,
    invalid,
    duplicates: outcome.duplicates,
    consents: outcome.consents,
    firstPersonId: outcome.firstPersonId,
    lastPersonId: outcome.lastPersonId,
    errors: errors.items,
    errorsOmitted: errors.omitted,
  };
}

export const importOps = {
  'import.preview': defineOp({
    summary: 'Импорт из CSV или XLSX: предварительный просмотр — сопоставление столбцов, ошибки по строкам, дубликаты (ничего не записывает)',
    input: previewInput,
    permission: 'persons.write',
    tx: 'read',
    long: true,
    handler: (ctx, input) => previewImport(ctx, input),
  }),
  'import.commit': defineOp({
    summary: 'Импорт из CSV или XLSX: записать все верные строки одной транзакцией (файл тот же, что в просмотре)',
    input: commitInput,
    permission: 'persons.write',
    // The file is read before the write transaction opens; the handler opens it itself.
    tx: 'own',
    long: true,
    handler: (ctx, input) => commitImport(ctx, input),
  }),
};

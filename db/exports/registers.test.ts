import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../../test/helpers.ts';
import type { Ctx } from '../context.ts';
import { RegisterError } from '../errors.ts';
import { writeRegister } from '../export.ts';
import { csvCell, csvRefCell } from './csv.ts';
import { xlsxValue } from './xlsx.ts';

let reg: TestRegister | null = null;
afterEach(() => {
  reg?.cleanup();
  reg = null;
});

const csvRows = (path: string) =>
  readFileSync(path, 'utf8')
    .slice(1)
    .split('\r\n')
    .filter(Boolean)
    .map((l) => l.split(';'));

// A job that cancels once `after` rows have been reported.
function cancellingAfter(ctx: Ctx, after: number): Ctx {
  let done = 0;
  return {
    ...ctx,
    job: {
      progress: (d) => {
        done = d;
      },
      checkpoint: () => {
        if (done >= after) throw new RegisterError('cancelled');
      },
    },
  };
}

describe('cells', () => {
  it('CSV: formula starts and number-like identifiers become text with an apostrophe; XLSX keeps phones bare', () => {
    expect(csvCell('+79161234567')).toBe("'+79161234567");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvRefCell('000123')).toBe("'000123");
    expect(csvRefCell('12/3')).toBe("'12/3");
    expect(csvRefCell('Б-000123')).toBe('Б-000123');
    expect(csvRefCell('УД-2026/07')).toBe('УД-2026/07');
    expect(xlsxValue('+79161234567', 'phone')).toBe('+79161234567');
    expect(xlsxValue('=1+2', 'text')).toBe("'=1+2");
    expect(xlsxValue('-5', 'ref')).toBe("'-5");
    expect(xlsxValue(7, 'int')).toBe(7);
    expect(xlsxValue(7, 'text')).toBe('7');
    // A control character pasted into a note would make the XML unreadable.
    expect(xlsxValue('a\u0001b\u0008c', 'text')).toBe('a\uFFFDb\uFFFDc');
    expect(xlsxValue(null, 'text')).toBeNull();
  });
});

describe('register.export', () => {
  it('filters each register by its own date, in local days', async () => {
    reg = await makeRegister();
    const d = reg.desk.ctx;
    const m = reg.manager.ctx;
    const a = (await call(d, 'person.add', { fullName: 'Январская Анна', source: 'walk_in' })).id;
    const b = (await call(d, 'person.add', { fullName: 'Февральский Борис', source: 'walk_in' })).id;
    await call(d, 'consent.give', { personId: a, purpose: 'marketing', channel: 'website', date: '2026-01-20' });
    await call(d, 'consent.give', { personId: b, purpose: 'marketing', channel: 'website', date: '2026-02-05' });
    // Withdrawn in February: the January consent belongs to a February period too, and shows its
    // state at the period's end.
    await call(d, 'consent.withdraw', { personId: a, purpose: 'marketing', channel: 'email', date: '2026-02-03' });
    await call(d, 'request.open', { person: a, type: 'access', channel: 'email', receivedAt: '2026-01-30' });
    await call(d, 'request.open', { person: b, type: 'access', channel: 'email', receivedAt: '2026-02-02' });
    const outDir = reg.dir;
    const consentsFor = async (from: string, to: string) => {
      const path = join(outDir, `c-${from}-${to}.csv`);
      await writeRegister(m, { register: 'consents', format: 'csv', from, to, outPath: path });
      return csvRows(path)
        .slice(1)
        .map((r) => [Number(r[0]), r[4], r[7]]);
    };
    expect(await consentsFor('2026-01-01', '2026-01-31')).toEqual([[a, 'действует', '']]);
    expect(await consentsFor('2026-02-01', '2026-02-28')).toEqual([
      [a, 'отозвано', '2026-02-03'],
      [b, 'действует', ''],
    ]);
    expect(await consentsFor('2026-02-04', '2026-02-28')).toEqual([[b, 'действует', '']]);
    const requestsFor = async (from: string, to: string) => {
      const path = join(outDir, `r-${from}.csv`);
      return (await writeRegister(m, { register: 'requests', format: 'csv', from, to, outPath: path })).rows;
    };
    expect(await requestsFor('2026-01-01', '2026-01-31')).toBe(1);
    expect(await requestsFor('2026-01-30', '2026-02-02')).toBe(2);
    expect(await requestsFor('2026-02-03', '2026-02-28')).toBe(0);
    // Blocks and the audit log by local date of their UTC timestamps; the clock is 16.02 09:00.
    await call(d, 'person.block', { personId: b, reason: 'subject_request', requestedBy: 'subject' });
    expect((await writeRegister(m, { register: 'blocks', format: 'csv', from: '2026-02-16', to: '2026-02-16', outPath: join(outDir, 'b1.csv') })).rows).toBe(1);
    expect((await writeRegister(m, { register: 'blocks', format: 'csv', to: '2026-02-15', outPath: join(outDir, 'b2.csv') })).rows).toBe(0);
    expect((await writeRegister(m, { register: 'audit', format: 'csv', to: '2026-02-15', outPath: join(outDir, 'a.csv') })).rows).toBe(0);
    await expect(
      writeRegister(m, { register: 'persons', format: 'csv', from: '2026-03-01', to: '2026-02-01', outPath: join(outDir, 'x.csv') }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('writes XLSX with typed cells, a frozen header and the file’s own details on a second sheet', async () => {
    reg = await makeRegister();
    const id = (await call(reg.desk.ctx, 'person.add', { fullName: 'Қасымов Ұлан', phone: '+7 701 000 00 01', source: 'walk_in' })).id;
    await call(reg.desk.ctx, 'consent.give', { personId: id, purpose: 'marketing', channel: 'paper', formVersion: '2', paperFormNumber: '007' });
    const path = join(reg.dir, 'consents.xlsx');
    const r = await call(reg.manager.ctx, 'register.export', { register: 'consents', format: 'xlsx', outPath: path });
    expect(r).toEqual({ path, rows: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: statSync(path).size });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const [sheet, about] = book.worksheets;
    expect(sheet!.name).toBe('Реестр');
    expect(sheet!.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const row = sheet!.getRow(2);
    expect(row.getCell(1).value).toBe(id);
    expect(row.getCell(2).value).toBe('Қасымов Ұлан');
    expect(row.getCell(3).value).toBe('+77010000001');
    expect(row.getCell(3).type).toBe(ExcelJS.ValueType.String);
    expect(row.getCell(10).value).toBe('2');
    expect(row.getCell(11).value).toBe('007');
    expect(about!.name).toBe('О выгрузке');
    const lines = about!.getSheetValues().filter(Boolean) as unknown[][];
    expect(lines.map((l) => [l[1], l[2]])).toEqual([
      ['Реестр', 'Реестр согласий на обработку персональных данных'],
      ['Оператор', 'ООО «Клиника Здоровье»'],
      ['Период', 'за всё время'],
      ['Сформировано', '2026-02-16 09:00'],
      ['Сформировал', 'Руководова Мария Петровна (manager)'],
      ['Примечание', expect.stringContaining('Отбор: согласия')],
    ]);
  });

  it('repeats the header row and numbers every page of a long PDF', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const insert = db.prepare("INSERT INTO persons (full_name, phone, source, created_by, created_at, updated_at) VALUES (?, ?, 'walk_in', 1, ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < 250; i++) insert.run(`Тестова${i} Әсел`, `+7701${String(i).padStart(7, '0')}`, '2026-02-01T06:00:00Z', '2026-02-01T06:00:00Z');
    })();
    const path = join(reg.dir, 'persons.pdf');
    expect((await writeRegister(reg.manager.ctx, { register: 'persons', format: 'pdf', outPath: path })).rows).toBe(250);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))![1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (let p = 1; p <= pages; p++) {
      const text = execFileSync('pdftotext', ['-layout', '-f', String(p), '-l', String(p), path, '-'], { encoding: 'utf8' });
      expect(text, `page ${p}`).toMatch(/id\s+ФИО\s+телефон\s+e-mail\s+источник/);
      expect(text).toContain(`Страница ${p}`);
      expect(text).toContain('ООО «Клиника Здоровье»');
    }
    const all = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    expect(all).toContain('Тестова0 Әсел');
    expect(all).toContain('Тестова249 Әсел');
  });

  for (const format of ['csv', 'xlsx', 'pdf'] as const) {
    it(`${format}: a cancelled export leaves nothing, not even over a file already there, and is not logged`, async () => {
      reg = await makeRegister();
      const db = reg.manager.ctx.db;
      const insert = db.prepare("INSERT INTO persons (full_name, source, created_by, created_at, updated_at) VALUES (?, 'walk_in', 1, ?, ?)");
      db.transaction(() => {
        for (let i = 0; i < 3000; i++) insert.run(`Отменов ${i}`, '2026-02-01T06:00:00Z', '2026-02-01T06:00:00Z');
      })();
      const outPath = join(reg.dir, `old.${format}`);
      writeFileSync(outPath, 'прежний файл');
      const before = readdirSync(reg.dir).sort();
      await expect(writeRegister(cancellingAfter(reg.manager.ctx, 2000), { register: 'persons', format, outPath })).rejects.toMatchObject({
        code: 'cancelled',
      });
      expect(readdirSync(reg.dir).sort()).toEqual(before);
      expect(readFileSync(outPath, 'utf8')).toBe('прежний файл');
      expect(await call(reg.manager.ctx, 'audit.list', { action: 'export' })).toEqual([]);
      // The read snapshot was released: the desk can write again at once.
      await call(reg.desk.ctx, 'person.add', { fullName: 'После Отмены', source: 'walk_in' });
      expect(db.inTransaction).toBe(false);
    });
  }

  it('is the manager’s alone, and each export is logged with its register, format, rows and hash', async () => {
    reg = await makeRegister();
    const path = join(reg.dir, 'p.xlsx');
    await expect(call(reg.desk.ctx, 'register.export', { register: 'persons', format: 'xlsx', outPath: path })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.admin.ctx, 'register.export', { register: 'persons', format: 'xlsx', outPath: path })).rejects.toMatchObject({ code: 'forbidden' });
    const r = await call(reg.manager.ctx, 'register.export', {
      register: 'audit',
      format: 'pdf',
      from: '2026-02-01',
      to: '2026-02-28',
      outPath: path.replace('xlsx', 'pdf'),
    });
    const [row] = await call(reg.manager.ctx, 'audit.list', { action: 'export.register' });
    expect(row.details).toEqual({ register: 'audit', format: 'pdf', rows: r.rows, sha256: r.sha256, from: '2026-02-01', to: '2026-02-28' });
    expect(readdirSync(reg.dir)).not.toContain('p.xlsx');
  });
});

import { randomBytes } from 'node:crypto';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { Ctx } from './context.ts';
import { Engine } from './engine/engine.ts';
import { parseDateCell, parseSource, parseYesNo, resolveMapping, suggestMapping } from './import/mapping.ts';
import { maxFileBytes } from './import.ts';
import { openRegister } from './register.ts';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/import/${name}`, import.meta.url));
const b64 = (b: Buffer) => b.toString('base64');

// Windows-1251 as Russian Excel writes it, built from the decoder so the test needs no iconv.
const cp1251 = (() => {
  const map = new Map<string, number>();
  const dec = new TextDecoder('windows-1251');
  for (let b = 0x80; b < 0x100; b++) map.set(dec.decode(Uint8Array.of(b)), b);
  return (text: string) => Buffer.from([...text].map((ch) => (ch.charCodeAt(0) < 0x80 ? ch.charCodeAt(0) : (map.get(ch) ?? 0x3f))));
})();

function counts(ctx: Ctx) {
  const one = (sql: string) => (ctx.db.prepare(sql).get() as { n: number }).n;
  return {
    persons: one('SELECT count(*) AS n FROM persons'),
    audit: one('SELECT count(*) AS n FROM audit'),
    consents: one('SELECT count(*) AS n FROM consent_events'),
  };
}

function auditRows(ctx: Ctx, action: string) {
  return (
    ctx.db.prepare('SELECT entity_id AS entityId, details FROM audit WHERE action = ? ORDER BY id').all(action) as {
      entityId: number | null;
      details: string;
    }[]
  ).map((r) => ({
    entityId: r.entityId,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}

function names(ctx: Ctx, fromId = 0): string[] {
  return (ctx.db.prepare('SELECT full_name FROM persons WHERE id > ? ORDER BY id').all(fromId) as { full_name: string }[]).map((r) => r.full_name);
}

let reg: TestRegister;
afterEach(() => reg?.cleanup());

// The acceptance fixture (UTF-8 with BOM, «;», CRLF): a good row, a bad phone, a missing name, a
// repeat of line 2's phone, a person already in the register, a name with a line break inside
// quotes (lines 7–8), a bad e-mail and a good row with no source.
async function withExisting() {
  reg = await makeRegister();
  const existing = await call(reg.desk.ctx, 'person.add', { fullName: 'Кузнецов Олег', phone: '+7 903 555-66-77', source: 'walk_in' });
  return existing.id as number;
}

describe('import preview: each problem with its line, nothing written', () => {
  it('lists a bad phone, a missing name, an in-file and a register duplicate, a bad e-mail by line and column', async () => {
    const existingId = await withExisting();
    const before = counts(reg.desk.ctx);
    const content = fixture('leads-bad-rows.csv');
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'leads-bad-rows.csv', contentBase64: b64(content) });
    expect(p).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ';', headerLine: 1, columns: ['ФИО', 'Телефон', 'E-mail', 'Источник'] });
    expect(p.suggestedMapping).toEqual({ fullName: 'ФИО', phone: 'Телефон', email: 'E-mail', source: 'Источник' });
    expect(p.mappingProblems).toEqual([]);
    expect({ total: p.total, valid: p.valid, invalid: p.invalid, duplicates: p.duplicates }).toEqual({ total: 8, valid: 3, invalid: 3, duplicates: 2 });
    expect(p.errors.map((e: any) => [e.line, e.column, e.code])).toEqual([
      [3, 'Телефон', 'invalid_phone'],
      [4, 'ФИО', 'name_missing'],
      [5, 'Телефон', 'duplicate_in_file'],
      [6, 'Телефон', 'duplicate_in_register'],
      [9, 'E-mail', 'invalid_email'],
    ]);
    expect(p.errors[0].message).toBe('Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.');
    expect(p.errors[1].message).toBe('Не указано ФИО.');
    expect(p.errors[2]).toMatchObject({ message: 'Повтор строки 2: тот же телефон.', duplicateOfLine: 2 });
    expect(p.errors[3]).toMatchObject({ message: `Уже есть в реестре: субъект №${existingId} (совпадает телефон).`, personIds: [existingId] });
    // Messages name the problem, never the value.
    for (const e of p.errors) expect(e.message).not.toMatch(/916|Сидоров|Кузнецов|bad-email|example/);
    expect(p.sample.map((s: any) => [s.line, s.status])).toEqual([
      [2, 'ok'],
      [3, 'invalid'],
      [4, 'invalid'],
      [5, 'duplicate'],
      [6, 'duplicate'],
      [7, 'ok'],
      [9, 'invalid'],
      [10, 'ok'],
    ]);
    expect(p.sample[5]).toMatchObject({ fullName: 'Смирнов Алексей', phone: '+79267778899', source: 'appointment' });
    expect(p.sources).toEqual({ website_form: 1, appointment: 1, import: 1 });
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(counts(reg.desk.ctx)).toEqual(before);
  });

  it('commit inserts exactly the good rows in one transaction, audited without the file name', async () => {
    await withExisting();
    const content = fixture('leads-bad-rows.csv');
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'leads-bad-rows.csv', contentBase64: b64(content) });
    const before = counts(reg.desk.ctx);
    const lastId = (reg.desk.ctx.db.prepare('SELECT max(id) AS n FROM persons').get() as { n: number }).n;
    const c = await call(reg.desk.ctx, 'import.commit', { fileName: 'leads-bad-rows.csv', contentBase64: b64(content), mapping: {}, sha256: p.sha256 });
    expect(c).toMatchObject({ inserted: 3, skipped: 5, invalid: 3, duplicates: 2, consents: 0, firstPersonId: lastId + 1, lastPersonId: lastId + 3 });
    expect(c.errors.map((e: any) => e.line)).toEqual([3, 4, 5, 6, 9]);
    expect(names(reg.desk.ctx, lastId)).toEqual(['Иванова Анна Сергеевна', 'Смирнов Алексей', 'Морозов Игорь']);
    const rows = reg.desk.ctx.db.prepare('SELECT phone, email, source, created_by FROM persons WHERE id > ? ORDER BY id').all(lastId);
    expect(rows).toEqual([
      { phone: '+79161234567', email: 'anna@example.ru', source: 'website_form', created_by: reg.desk.ctx.actor.id },
      { phone: '+79267778899', email: 'alex@example.ru', source: 'appointment', created_by: reg.desk.ctx.actor.id },
      { phone: '+79150001122', email: 'igor@example.ru', source: 'import', created_by: reg.desk.ctx.actor.id },
    ]);
    // The same insert path as person.add: the search index triggers fired.
    const found = await call(reg.desk.ctx, 'person.find', { query: 'Смирнов' });
    expect(JSON.stringify(found)).toContain('Смирнов Алексей');
    expect(counts(reg.desk.ctx)).toEqual({ persons: before.persons + 3, audit: before.audit + 4, consents: 0 });
    const adds = auditRows(reg.desk.ctx, 'person.add').slice(-3);
    expect(adds.map((a) => a.entityId)).toEqual([lastId + 1, lastId + 2, lastId + 3]);
    expect(adds[0]!.details).toEqual({ source: 'website_form', fields: ['fullName', 'phone', 'email'], via: 'import' });
    const [summary] = auditRows(reg.desk.ctx, 'import');
    expect(summary!.details).toEqual({
      sha256: p.sha256,
      format: 'csv',
      encoding: 'utf-8',
      rows: 8,
      inserted: 3,
      invalid: 3,
      duplicates: 2,
      consents: 0,
      source: 'import',
      firstPersonId: lastId + 1,
      lastPersonId: lastId + 3,
    });
    const log = JSON.stringify(reg.desk.ctx.db.prepare('SELECT * FROM audit').all());
    expect(log).not.toMatch(/leads|Смирнов|79267778899|alex@/);
    expect(await call(reg.manager.ctx, 'audit.verify', {})).toMatchObject({ ok: true });
  });

  it('refuses a commit of another file than the previewed one, and writes nothing', async () => {
    await withExisting();
    const content = fixture('leads-bad-rows.csv');
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'a.csv', contentBase64: b64(content) });
    const before = counts(reg.desk.ctx);
    const changed = Buffer.concat([content, Buffer.from('Новиков Н;+7 916 999-00-11;;\r\n')]);
    await expect(call(reg.desk.ctx, 'import.commit', { fileName: 'a.csv', contentBase64: b64(changed), mapping: {}, sha256: p.sha256 })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('SHA-256 не совпадает'),
    });
    expect(counts(reg.desk.ctx)).toEqual(before);
  });

  it('re-checks the register inside the commit: a person added after the preview is skipped as a duplicate', async () => {
    await withExisting();
    const content = fixture('leads-bad-rows.csv');
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'a.csv', contentBase64: b64(content) });
    const added = await call(reg.desk.ctx, 'person.add', { fullName: 'Другой Человек', email: 'IGOR@example.ru', source: 'walk_in' });
    const c = await call(reg.desk.ctx, 'import.commit', { fileName: 'a.csv', contentBase64: b64(content), mapping: {}, sha256: p.sha256 });
    expect(c).toMatchObject({ inserted: 2, duplicates: 3 });
    expect(c.errors.find((e: any) => e.line === 10)).toMatchObject({ code: 'duplicate_in_register', column: 'E-mail', personIds: [added.id] });
  });

  it('lets the user map columns by name or number, and refuses a file with no name column until mapped', async () => {
    reg = await makeRegister();
    const csv = Buffer.from('Клиент,Контакт,Комментарий\nИванов Иван,+7 916 111-22-33,перезвонить\nПетров Пётр,+7 916 111-22-44,\n');
    const auto = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv) });
    expect(auto).toMatchObject({ delimiter: ',', suggestedMapping: { fullName: 'Клиент' }, valid: 2 });
    expect(auto.sample[0]).toMatchObject({ phone: null });
    const mapped = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv), mapping: { phone: 2 } });
    expect(mapped.mapping).toEqual({ fullName: 'Клиент', phone: 'Контакт' });
    expect(mapped.sample[0]).toMatchObject({ phone: '+79161112233' });

    const before = counts(reg.desk.ctx);
    const none = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv), mapping: { fullName: null, phone: 'Контакт' } });
    expect(none.mappingProblems).toEqual(['Не выбран столбец с ФИО (или столбцы «Фамилия», «Имя», «Отчество»).']);
    expect(none).toMatchObject({ total: 2, valid: 0, invalid: 0, errors: [] });
    const unknown = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv), mapping: { email: 'Почта', phone: 9 } });
    expect(unknown.mappingProblems).toEqual(['Поле «Телефон»: в файле нет столбца №9 (столбцов 3).', 'Поле «E-mail»: в файле нет столбца «Почта».']);
    await expect(
      call(reg.desk.ctx, 'import.commit', { fileName: 'x.csv', contentBase64: b64(csv), mapping: { fullName: null, phone: 'Контакт' }, sha256: none.sha256 }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('Не выбран столбец с ФИО') });
    await expect(call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv), mapping: { phonee: 'Контакт' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(counts(reg.desk.ctx)).toEqual(before);
  });
});

describe('import: encodings and formats', () => {
  it('decodes a Windows-1251 file from Russian Excel with Cyrillic intact and split name columns', async () => {
    reg = await makeRegister();
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'leads-cp1251.csv', contentBase64: b64(fixture('leads-cp1251.csv')) });
    expect(p).toMatchObject({ encoding: 'windows-1251', delimiter: ';', columns: ['Фамилия', 'Имя', 'Отчество', 'Телефон', 'Почта'], valid: 3, invalid: 0 });
    expect(p.suggestedMapping).toEqual({ lastName: 'Фамилия', firstName: 'Имя', middleName: 'Отчество', phone: 'Телефон', email: 'Почта' });
    const c = await call(reg.desk.ctx, 'import.commit', {
      fileName: 'leads-cp1251.csv',
      contentBase64: b64(fixture('leads-cp1251.csv')),
      mapping: {},
      sha256: p.sha256,
    });
    expect(c.inserted).toBe(3);
    expect(names(reg.desk.ctx)).toEqual(['Ёлкина Наталья Юрьевна', 'Щукин Эдуард', 'Жукова Вера Фёдоровна']);
    expect((reg.desk.ctx.db.prepare('SELECT email FROM persons ORDER BY id DESC LIMIT 1').get() as { email: string }).email).toBe('vera@пример.рф');
    expect(auditRows(reg.desk.ctx, 'import')[0]!.details).toMatchObject({ encoding: 'windows-1251', inserted: 3 });
  });

  it('names the lines of a UTF-8 file that were pasted in another encoding', async () => {
    reg = await makeRegister();
    const content = Buffer.concat([
      Buffer.from('ФИО;Телефон\nАндреева Ирина;+7 916 100-00-01\n', 'utf8'),
      cp1251('Борисов Денис;+7 916 100-00-02\n'),
      Buffer.from('Григорьева Юлия;+7 916 100-00-03\n', 'utf8'),
    ]);
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(content) });
    expect(p).toMatchObject({ encoding: 'utf-8', total: 3, valid: 2, invalid: 1 });
    expect(p.errors).toEqual([{ line: 3, code: 'bad_encoding', message: expect.stringContaining('в другой кодировке, чем остальной файл') }]);
    // And the other way round: a Windows-1251 file with a line pasted in UTF-8.
    const mostlyCp1251 = Buffer.concat([
      cp1251('ФИО;Телефон\nАндреева Ирина;+7 916 100-00-01\n'),
      Buffer.from('Борисов Денис;+7 916 100-00-02\n', 'utf8'),
      cp1251('Григорьева Юлия;+7 916 100-00-03\nДмитриев Олег;+7 916 100-00-04\n'),
    ]);
    const q = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(mostlyCp1251) });
    expect(q).toMatchObject({ encoding: 'windows-1251', total: 4, valid: 3, invalid: 1 });
    expect(q.errors.map((e: any) => [e.line, e.code])).toEqual([[3, 'bad_encoding']]);
    expect(q.sample.map((r: any) => r.fullName)).toEqual(
      ['Андреева Ирина', 'Борисов Денис', 'Григорьева Юлия', 'Дмитриев Олег'].map((n, i) => (i === 1 ? expect.any(String) : n)),
    );
  });

  it('refuses garbage, binary and old Excel files clearly', async () => {
    reg = await makeRegister();
    const before = counts(reg.desk.ctx);
    const refuse = (content: Buffer, fileName = 'leads.csv') => call(reg.desk.ctx, 'import.preview', { fileName, contentBase64: b64(content) });
    await expect(refuse(randomBytes(8192))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('не похож на таблицу CSV') });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(512)]);
    await expect(refuse(png, 'photo.csv')).rejects.toMatchObject({ message: expect.stringContaining('не похож на таблицу CSV') });
    await expect(refuse(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), randomBytes(512)]), 'old.xls')).rejects.toMatchObject({
      message: expect.stringContaining('Excel 97–2003'),
    });
    await expect(refuse(Buffer.from('ФИО;Телефон\n'), 'leads.xlsx')).rejects.toMatchObject({ message: expect.stringContaining('не является ею') });
    await expect(refuse(Buffer.from('PK\u0003\u0004 not really a zip'))).rejects.toMatchObject({ message: expect.stringContaining('архив XLSX не читается') });
    await expect(refuse(Buffer.from('ФИО;Телефон\nИванов;"8916\nПетров;1\n'))).rejects.toMatchObject({
      message: expect.stringMatching(/^Строка 2: кавычка открыта/),
    });
    await expect(refuse(Buffer.from('\r\n \r\n'))).rejects.toMatchObject({ message: expect.stringContaining('Файл пустой') });
    await expect(refuse(Buffer.alloc(0))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('файл пустой') });
    const tooBig = 'A'.repeat(Math.ceil(maxFileBytes / 3) * 4 + 4);
    await expect(call(reg.desk.ctx, 'import.preview', { fileName: 'big.csv', contentBase64: tooBig })).rejects.toMatchObject({
      message: expect.stringContaining('файл больше 30 МБ'),
    });
    expect(counts(reg.desk.ctx)).toEqual(before);
  });

  it('reads comma CSV with quoted commas, blank lines, and Excel "Unicode text" (UTF-16, tabs)', async () => {
    reg = await makeRegister();
    const comma = Buffer.from('"Name","Phone","Email"\n"Smith, John","+7 916 200-00-01",""\n\n"Доу, Джейн","+7 916 200-00-02","jane@example.com"\n');
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(comma) });
    expect(p).toMatchObject({ delimiter: ',', valid: 2 });
    expect(p.sample.map((s: any) => [s.line, s.fullName])).toEqual([
      [2, 'Smith, John'],
      [4, 'Доу, Джейн'],
    ]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ФИО\tТелефон\r\nӘлиева Әйгерім\t+7 916 200-00-03\r\n', 'utf16le')]);
    const q = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.txt', contentBase64: b64(utf16) });
    expect(q).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', valid: 1 });
    expect(q.sample[0]).toMatchObject({ line: 2, fullName: 'Әлиева Әйгерім' });
  });

  it('reads XLSX by sheet row, with numbers as phones and dates as dates, without a plaintext temp file', async () => {
    const existingId = await withExisting();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Заявки');
    ws.addRow(['ФИО', 'Телефон', 'Почта', 'Согласие на рассылку', 'Дата заявки']);
    ws.addRow(['Иванова Анна Сергеевна', 79161234567, 'anna@example.ru', 'да', new Date(Date.UTC(2026, 1, 10))]);
    ws.addRow(['Петров Пётр', '8 916 12', 'petr@example.ru', 'нет', null]);
    ws.addRow(['', '+7 916 222-33-44', 'noname@example.ru', 'нет', null]);
    ws.addRow([]);
    ws.addRow(['Сидорова Мария', '+7 (916) 123-45-67', 'maria@example.ru', 'да', '11.02.2026']);
    ws.addRow(['Кузнецов Олег', '+7 903 555-66-77', '', '', null]);
    ws.addRow([{ richText: [{ text: 'Смирнов ' }, { font: { bold: true }, text: 'Алексей' }] }, '+7 926 777-88-99', 'alex@example.ru', 'может быть', null]);
    ws.addRow(['Морозов Игорь', { formula: '"+7 915 000-11-22"', result: '+7 915 000-11-22' }, 'igor@example.ru', 'да', '2026-02-01']);
    ws.addRow(['Волкова Ольга', '+7 925 111-22-33', 'olga@example.ru', '+', '14.02.2026 18:30']);
    const content = Buffer.from(await wb.xlsx.writeBuffer());

    // exceljs's own reader, fed the workbook in file order, parks the sheet in a plaintext temp
    // file because it is stored before the shared strings; the import must write no file at all.
    const writes = vi.spyOn(fs, 'createWriteStream');
    const publicReader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([content]), { sharedStrings: 'cache', worksheets: 'emit' });
    for await (const sheet of publicReader) for await (const _row of sheet) break;
    expect(writes).toHaveBeenCalled();
    writes.mockClear();
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'leads.xlsx', contentBase64: b64(content) });
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    expect(p).toMatchObject({ format: 'xlsx', headerLine: 1, total: 8, valid: 3, invalid: 3, duplicates: 2, consents: { marketing: 3, appointment: 0 } });
    expect(p.suggestedMapping).toEqual({
      fullName: 'ФИО',
      phone: 'Телефон',
      email: 'Почта',
      consentMarketing: 'Согласие на рассылку',
      consentDate: 'Дата заявки',
    });
    expect(p.errors.map((e: any) => [e.line, e.column, e.code])).toEqual([
      [3, 'Телефон', 'invalid_phone'],
      [4, 'ФИО', 'name_missing'],
      [6, 'Телефон', 'duplicate_in_file'],
      [7, 'Телефон', 'duplicate_in_register'],
      [8, 'Согласие на рассылку', 'invalid_consent'],
    ]);
    expect(p.errors[3].personIds).toEqual([existingId]);

    const before = counts(reg.desk.ctx);
    const c = await call(reg.desk.ctx, 'import.commit', { fileName: 'leads.xlsx', contentBase64: b64(content), mapping: {}, sha256: p.sha256 });
    expect(c).toMatchObject({ inserted: 3, consents: 3 });
    expect(names(reg.desk.ctx, existingId)).toEqual(['Иванова Анна Сергеевна', 'Морозов Игорь', 'Волкова Ольга']);
    expect(counts(reg.desk.ctx)).toEqual({ persons: before.persons + 3, audit: before.audit + 3 + 3 + 1, consents: 3 });
    const events = reg.desk.ctx.db
      .prepare(
        "SELECT e.effective_date AS date, e.channel, e.kind FROM consent_events e JOIN purposes p ON p.id = e.purpose_id WHERE p.code = 'marketing' ORDER BY e.id",
      )
      .all();
    expect(events).toEqual([
      { date: '2026-02-10', channel: 'website', kind: 'given' },
      { date: '2026-02-01', channel: 'website', kind: 'given' },
      { date: '2026-02-14', channel: 'website', kind: 'given' },
    ]);
  });

  it('records website consents only for "да" with a date that is not in the future', async () => {
    reg = await makeRegister();
    const csv = Buffer.from(
      [
        'ФИО;Телефон;Согласие на обработку персональных данных;Согласие на получение рассылки;Дата заявки;Дата рождения',
        'Алексеева Алла;+7 916 300-00-01;да;да;15.02.2026 12:00;01.01.1990',
        'Борисова Белла;+7 916 300-00-02;да;нет;2026-02-16;',
        'Васильева Вера;+7 916 300-00-03;да;;;',
        'Григорьева Галина;+7 916 300-00-04;да;да;20.02.2026;',
        'Дмитриева Дарья;+7 916 300-00-05;нет;нет;;',
        'Егорова Елена;+7 916 300-00-06;согласна;Да;31.02.2026;',
      ].join('\n'),
    );
    const p = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv) });
    expect(p.mapping).toMatchObject({
      consentAppointment: 'Согласие на обработку персональных данных',
      consentMarketing: 'Согласие на получение рассылки',
      consentDate: 'Дата заявки',
    });
    expect(p.errors.map((e: any) => [e.line, e.column, e.message])).toEqual([
      [4, 'Дата заявки', 'Согласие отмечено, но дата согласия не указана.'],
      [5, 'Дата заявки', 'Дата согласия позже сегодняшнего дня.'],
      [7, 'Дата заявки', 'Дата согласия не распознана: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.'],
    ]);
    expect(p).toMatchObject({ valid: 3, invalid: 3, consents: { appointment: 2, marketing: 1 } });
    const c = await call(reg.desk.ctx, 'import.commit', { fileName: 'x.csv', contentBase64: b64(csv), mapping: {}, sha256: p.sha256 });
    expect(c).toMatchObject({ inserted: 3, consents: 3 });
    const first = await call(reg.desk.ctx, 'consent.list', { personId: c.firstPersonId });
    const state = (code: string) => first.consents.find((x: any) => x.purpose.code === code);
    expect(state('marketing')).toMatchObject({ state: 'active', since: '2026-02-15', evidence: { channel: 'website', kind: 'given' } });
    expect(state('appointment')).toMatchObject({ state: 'active', since: '2026-02-15' });
    expect(state('marketing').evidence.note).toContain(p.sha256.slice(0, 16));
    expect((reg.desk.ctx.db.prepare('SELECT count(*) AS n FROM marketing_list').get() as { n: number }).n).toBe(1);
    expect(auditRows(reg.desk.ctx, 'consent.give')).toHaveLength(3);
    // The health purpose needs written consent: a website tick cannot stand for it.
    reg.manager.ctx.db.prepare("UPDATE purposes SET requires_written = 1 WHERE code = 'marketing'").run();
    const refused = await call(reg.desk.ctx, 'import.preview', { fileName: 'x.csv', contentBase64: b64(csv) });
    expect(refused.mappingProblems).toEqual([expect.stringContaining('нужно письменное согласие')]);
  });
});

describe('import: column suggestions and cell values', () => {
  it('suggests fields from Russian and English headers', () => {
    expect(suggestMapping(['Имя', 'Телефон', 'Email'])).toEqual({ fullName: 'Имя', phone: 'Телефон', email: 'Email' });
    expect(suggestMapping(['Фамилия', 'Имя', 'Отчество', 'Моб. телефон', 'Эл. почта'])).toEqual({
      lastName: 'Фамилия',
      firstName: 'Имя',
      middleName: 'Отчество',
      phone: 'Моб. телефон',
      email: 'Эл. почта',
    });
    expect(suggestMapping(['Name', 'Phone', 'E-mail', 'Source', 'Consent to newsletter', 'Created at'])).toEqual({
      fullName: 'Name',
      phone: 'Phone',
      email: 'E-mail',
      source: 'Source',
      consentMarketing: 'Consent to newsletter',
      consentDate: 'Created at',
    });
    expect(suggestMapping(['Ф.И.О.', 'Ваш телефон', 'Почтовый адрес', 'Рекламный канал', 'Дата рождения'])).toEqual({
      fullName: 'Ф.И.О.',
      phone: 'Ваш телефон',
    });
  });

  it('lays the user mapping over the suggestion', () => {
    const columns = ['ФИО', 'Телефон', 'Телефон (2)'];
    const suggested = suggestMapping(columns);
    expect(resolveMapping(columns, suggested, { phone: 3 })).toEqual({ mapping: { fullName: 'ФИО', phone: 'Телефон (2)' }, problems: [] });
    expect(resolveMapping(columns, suggested, { phone: null })).toEqual({ mapping: { fullName: 'ФИО' }, problems: [] });
    expect(resolveMapping(columns, suggested, { email: 'телефон' }).problems).toEqual(['Столбец «Телефон» выбран для нескольких полей: «Телефон», «E-mail».']);
  });

  it('reads yes/no, dates and sources as people write them', () => {
    expect(['да', 'Да', 'ДА', 'yes', '1', '+', '✓', 'true', 'согласен', 'Да, согласен'].map(parseYesNo)).toEqual(Array(10).fill(true));
    expect(['нет', 'No', '0', '', '-', 'false'].map(parseYesNo)).toEqual(Array(6).fill(false));
    expect(parseYesNo('может быть')).toBeUndefined();
    expect(['16.02.2026', '6.2.2026 9:05', '2026-02-16T10:33:00Z', '16.02.26', '46069'].map(parseDateCell)).toEqual([
      '2026-02-16',
      '2026-02-06',
      '2026-02-16',
      '2026-02-16',
      '2026-02-16',
    ]);
    expect(['31.02.2026', '02/16/2026', 'вчера'].map(parseDateCell)).toEqual([null, null, null]);
    expect(['Заявка с сайта', 'сайт', 'Обратный звонок', 'Онлайн-запись', 'Яндекс.Директ', ''].map(parseSource)).toEqual([
      'website_form',
      'website_form',
      'callback',
      'appointment',
      null,
      null,
    ]);
  });
});

// 100k rows through the engine, as the desktop app runs it: a job worker with its own connection,
// progress events, and a cancel that reaches the transaction.
describe('import: 100k rows through the engine', () => {
  let dir = '';
  let engine: Engine | null = null;
  afterEach(async () => {
    await engine?.dispose();
    engine = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const surnames = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков'];
  const given = ['Александр', 'Сергей', 'Дмитрий', 'Андрей', 'Алексей', 'Максим', 'Евгений', 'Иван', 'Михаил', 'Артём'];
  const patronymics = ['Александрович', 'Сергеевич', 'Дмитриевич', 'Андреевич', 'Алексеевич', 'Игоревич', 'Олегович'];
  function leads(from: number, n: number): Buffer {
    const lines = ['ФИО;Телефон;E-mail;Источник'];
    for (let i = from; i < from + n; i++) {
      const name = `${surnames[i % 12]} ${given[Math.floor(i / 12) % 10]} ${patronymics[Math.floor(i / 120) % 7]}`;
      lines.push(
        `${name};8 (916) ${String(i)
          .padStart(7, '0')
          .replace(/^(\d{3})(\d{2})(\d{2})$/, '$1-$2-$3')};lead${i}@example.ru;Заявка с сайта`,
      );
    }
    return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
  }

  it('previews and imports 100 000 rows with progress, and a cancelled commit leaves no new person', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdesk-import-'));
    engine = new Engine({ dbPath: join(dir, 'register.pdesk') });
    await engine.create({
      operator: { name: 'ООО «Клиника»', address: 'г. Москва, ул. Ленина, 1', taxId: '7701234567' },
      jurisdiction: 'RU',
      admin: { login: 'admin', fullName: 'Админов Админ', password: 'admin-pass-1' },
    });
    await engine.unlock('admin', 'admin-pass-1');
    const n = 100_000;
    const content = leads(0, n);
    const input = { fileName: 'leads.csv', contentBase64: b64(content) };

    const previewProgress: { done: number; total?: number }[] = [];
    // CPU time of the whole process (the job worker is a thread of it): on a loaded machine the
    // wall clock says more about the neighbours than about the import.
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const u = process.cpuUsage(since);
      return (u.user + u.system) / 1000;
    };
    let cpu = process.cpuUsage();
    let t = performance.now();
    const p = (await engine.call('import.preview', input, { onProgress: (e) => previewProgress.push(e) })) as any;
    const previewMs = performance.now() - t;
    const previewCpu = cpuMs(cpu);
    expect(p).toMatchObject({ total: n, valid: n, invalid: 0, duplicates: 0, errors: [] });
    expect(previewProgress.length).toBeGreaterThan(2);
    expect(previewProgress.at(-1)).toEqual({ done: n, total: n });

    const commitProgress: { done: number; total?: number }[] = [];
    cpu = process.cpuUsage();
    t = performance.now();
    const c = (await engine.call('import.commit', { ...input, mapping: {}, sha256: p.sha256 }, { onProgress: (e) => commitProgress.push(e) })) as any;
    const commitMs = performance.now() - t;
    const commitCpu = cpuMs(cpu);
    expect(c).toMatchObject({ inserted: n, skipped: 0, firstPersonId: 1, lastPersonId: n });
    expect(commitProgress.length).toBeGreaterThan(2);
    expect(commitProgress.at(-1)).toEqual({ done: 2 * n, total: 2 * n });
    for (let i = 1; i < commitProgress.length; i++) expect(commitProgress[i]!.done).toBeGreaterThanOrEqual(commitProgress[i - 1]!.done);
    const rate = (ms: number) => Math.round(n / (ms / 1000)).toLocaleString('ru-RU');
    const secs = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      [
        `import of ${n} rows through the engine (parse + check + insert):`,
        `preview ${secs(previewMs)} s wall, ${secs(previewCpu)} s CPU (${rate(previewMs)} rows/s wall, ${rate(previewCpu)} per CPU-second);`,
        `commit ${secs(commitMs)} s wall, ${secs(commitCpu)} s CPU (${rate(commitMs)} persons/s wall, ${rate(commitCpu)} per CPU-second)`,
      ].join(' '),
    );

    // A second file, cancelled while its rows are being inserted.
    const more = leads(n, 20_000);
    const controller = new AbortController();
    const more64 = b64(more);
    const q = (await engine.call('import.preview', { fileName: 'more.csv', contentBase64: more64 })) as any;
    expect(q.valid).toBe(20_000);
    let cancelledAt = 0;
    const cancelled = engine.call(
      'import.commit',
      { fileName: 'more.csv', contentBase64: more64, mapping: {}, sha256: q.sha256 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          // Past the reading half: the transaction is open and rows are going in.
          if (e.done > 20_000 + 2_000 && !controller.signal.aborted) {
            cancelledAt = e.done;
            controller.abort();
          }
        },
      },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect(cancelledAt).toBeGreaterThan(22_000);
    await engine.lock();
    const s = await openRegister({ dbPath: join(dir, 'register.pdesk'), login: 'admin', password: 'admin-pass-1' });
    try {
      expect(counts(s.ctx)).toMatchObject({ persons: n });
      expect((s.ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'import'").get() as { n: number }).n).toBe(1);
      expect((s.ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'person.add'").get() as { n: number }).n).toBe(n);
    } finally {
      s.close();
    }
  }, 900_000);
});

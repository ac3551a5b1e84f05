// Acceptance for issue 5's registers: every XLSX and CSV export is opened by LibreOffice (headless,
// converted to a UTF-8 CSV) and every cell compared with what the register holds; every PDF
// register's text is extracted with pdftotext and searched for its headers, its meta lines and
// names. Russian and Kazakh letters (ә ғ қ ң ө ұ ү һ і, ё), phones, formula-like text, a blocked
// and a destroyed person are all in the data.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegisterName, registers } from '../db/exports/registers.ts';
import { call, makeRegister, type TestRegister } from './helpers.ts';

const run = promisify(execFile);
type Row = (string | number | null)[];

let reg: TestRegister;
let dir: string;
const ids: Record<string, number> = {};
let scanSha = '';
let destroyAuditId = 0;
// What the audit register must show, captured just before each audit export.
const auditExpected: Record<string, { rows: Row[]; trailer: string }> = {};

const names = {
  galiya: 'Әбілқайыр Ғалия Қанатқызы',
  petr: 'Ёлкин Пётр Семёнович',
  hadiya: 'Һашимова Үміт Ұланқызы',
  erlan: 'Өтегенов Ерлан Жаңабайұлы',
  formula: '=HYPERLINK("http://evil.example")',
  gone: 'Удаляева Светлана',
};
const phones = { galiya: '+77011234567', petr: '+79161234567', hadiya: '+77775556677', erlan: '+77017654321', gone: '+79031112233' };
const titles = {
  appointment: 'Связь по записи на приём и оказанию услуг',
  marketing: 'Рекламные и информационные рассылки (новости, специальные предложения)',
  partners: 'Передача данных партнёрам',
};
const desk = 'Регистраторова Анна';
const manager = 'Руководова Мария Петровна';
const at = '2026-02-16 09:00';
const representative = { name: 'Һашимов Ұлан Серікұлы', authority: 'свидетельство о рождении I-АБ № 123456' };

async function buildRegister(): Promise<void> {
  const d = reg.desk.ctx;
  const add = async (key: string, input: object) => {
    ids[key] = (await call(d, 'person.add', input)).id;
  };
  await add('galiya', { fullName: names.galiya, phone: '+7 701 123 45 67', email: 'galiya@example.kz', source: 'walk_in' });
  await add('petr', { fullName: names.petr, phone: '8 (916) 123-45-67', source: 'website_form' });
  await add('hadiya', { fullName: names.hadiya, phone: '+7 777 555 66 77', email: 'hadiya@example.kz', source: 'phone_call' });
  await add('erlan', { fullName: names.erlan, phone: '+7 701 765 43 21', source: 'appointment' });
  await add('formula', { fullName: names.formula, source: 'import' });
  await add('gone', { fullName: names.gone, phone: '+7 903 111-22-33', source: 'callback' });

  const scan = Buffer.from('%PDF-1.4\nскан бланка\n');
  scanSha = createHash('sha256').update(scan).digest('hex');
  await call(d, 'consent.give', { personId: ids.galiya, purpose: 'appointment', channel: 'website' });
  await call(d, 'consent.give', {
    personId: ids.galiya,
    purpose: 'marketing',
    channel: 'paper',
    formVersion: 'М-2026.1',
    paperFormNumber: '000123',
    validUntil: '2027-02-16',
    scan: { content: scan.toString('base64'), mime: 'application/pdf' },
  });
  await call(d, 'consent.give', { personId: ids.petr, purpose: 'marketing', channel: 'website', date: '2026-02-10' });
  await call(d, 'consent.withdraw', { personId: ids.petr, purpose: 'marketing', channel: 'email' });
  await call(d, 'consent.give', {
    personId: ids.hadiya,
    purpose: 'marketing',
    channel: 'paper',
    formVersion: 'М-2026.1',
    paperFormNumber: '000124',
    representative,
  });
  await call(d, 'consent.give', { personId: ids.erlan, purpose: 'marketing', channel: 'electronic', date: '2026-01-15', validUntil: '2026-02-15' });
  await call(d, 'consent.refuse', { personId: ids.erlan, purpose: 'partners', channel: 'in_person' });
  await call(d, 'consent.give', { personId: ids.formula, purpose: 'appointment', channel: 'phone' });
  await call(d, 'consent.give', { personId: ids.gone, purpose: 'marketing', channel: 'website' });

  ids.block1 = (await call(d, 'person.block', { personId: ids.petr, reason: 'inaccurate_data', requestedBy: 'subject' })).id;
  await call(d, 'person.unblock', { personId: ids.petr, outcome: 'unblocked_unconfirmed', note: 'недостоверность не подтвердилась' });
  ids.block2 = (await call(d, 'person.block', { personId: ids.hadiya, reason: 'representative_request', requestedBy: 'representative' })).id;

  ids.r1 = (
    await call(d, 'request.open', { person: ids.galiya, type: 'access', receivedAt: '2026-01-12', channel: 'email', requester: 'Ғалия, galiya@example.kz' })
  ).id;
  ids.r2 = (await call(d, 'request.open', { person: ids.petr, type: 'withdrawal', receivedAt: '2026-01-12', channel: 'post' })).id;
  await call(d, 'request.close', { id: ids.r2, answer: 'Согласие на рассылки отозвано; обработка прекращена.' });
  ids.r3 = (
    await call(d, 'request.open', { person: ids.erlan, type: 'access', channel: 'in_person', requesterKind: 'representative', requester: 'Өтегенова Ә.' })
  ).id;
  await call(d, 'request.extend', { id: ids.r3, notice: 'Запрошены сведения из архива' });

  await call(reg.manager.ctx, 'person.destroy', {
    personIds: [ids.gone],
    act: {
      number: 'УД-2026/07',
      reason: 'Отзыв согласия субъектом',
      method: 'Удаление записей средствами информационной системы',
      destroyedBy: [{ fullName: manager, position: 'Главный врач' }],
    },
  });
  destroyAuditId = (reg.manager.ctx.db.prepare("SELECT id FROM audit WHERE action = 'person.destroy'").get() as { id: number }).id;
}

// ---- expected registers ------------------------------------------------------------------------

function expectedRows(register: RegisterName | 'marketing'): Row[] {
  const p = (n: number | undefined) => n!;
  switch (register) {
    case 'persons':
      return [
        [p(ids.galiya), names.galiya, phones.galiya, 'galiya@example.kz', 'обращение в регистратуре', at, 'нет', 'нет', null],
        [p(ids.petr), names.petr, phones.petr, null, 'форма на сайте', at, 'нет', 'нет', null],
        [p(ids.hadiya), names.hadiya, phones.hadiya, 'hadiya@example.kz', 'телефонный звонок', at, 'да', 'нет', null],
        [p(ids.erlan), names.erlan, phones.erlan, null, 'запись на приём', at, 'нет', 'нет', null],
        [p(ids.formula), `'${names.formula}`, null, null, 'импорт', at, 'нет', 'нет', null],
        [p(ids.gone), null, null, null, null, null, null, null, '№ УД-2026/07 от 2026-02-16'],
      ];
    case 'consents':
      return [
        [
          p(ids.galiya),
          names.galiya,
          phones.galiya,
          titles.appointment,
          'действует',
          '2026-02-16',
          null,
          null,
          'форма на сайте',
          null,
          null,
          null,
          desk,
          null,
          null,
        ],
        [
          p(ids.galiya),
          names.galiya,
          phones.galiya,
          titles.marketing,
          'действует',
          '2026-02-16',
          '2027-02-16',
          null,
          'бумажный бланк',
          'М-2026.1',
          '000123',
          scanSha,
          desk,
          null,
          null,
        ],
        [
          p(ids.petr),
          names.petr,
          phones.petr,
          titles.marketing,
          'отозвано',
          '2026-02-10',
          null,
          '2026-02-16',
          'форма на сайте',
          null,
          null,
          null,
          desk,
          null,
          null,
        ],
        [
          p(ids.hadiya),
          names.hadiya,
          phones.hadiya,
          titles.marketing,
          'действует',
          '2026-02-16',
          null,
          null,
          'бумажный бланк',
          'М-2026.1',
          '000124',
          null,
          desk,
          `${representative.name}, ${representative.authority}`,
          'запись заблокирована',
        ],
        [
          p(ids.erlan),
          names.erlan,
          phones.erlan,
          titles.marketing,
          'срок действия истёк',
          '2026-01-15',
          '2026-02-15',
          null,
          'электронный документ',
          null,
          null,
          null,
          desk,
          null,
          null,
        ],
        [
          p(ids.erlan),
          names.erlan,
          phones.erlan,
          titles.partners,
          'субъект отказался дать согласие',
          null,
          null,
          '2026-02-16',
          null,
          null,
          null,
          null,
          null,
          null,
          null,
        ],
        [
          p(ids.formula),
          `'${names.formula}`,
          null,
          titles.appointment,
          'действует',
          '2026-02-16',
          null,
          null,
          'по телефону',
          null,
          null,
          null,
          desk,
          null,
          null,
        ],
        [p(ids.gone), null, null, null, null, null, null, null, null, null, null, null, null, null, 'данные уничтожены, акт № УД-2026/07 от 2026-02-16'],
      ];
    case 'requests':
      return [
        // Received Monday 12.01.2026: 10 working days from 13.01 end on 26.01; on 16.02 that is 21 days late.
        [
          p(ids.r1),
          '2026-01-12',
          'запрос сведений',
          p(ids.galiya),
          'субъект: Ғалия, galiya@example.kz',
          'по электронной почте',
          '2026-01-26',
          null,
          null,
          null,
          21,
          'просрочено',
          expect.stringContaining('152-ФЗ ст. 14'),
        ],
        // 30 calendar days from 12.01 end on 11.02; answered 16.02, 5 days late.
        [
          p(ids.r2),
          '2026-01-12',
          'отзыв согласия',
          p(ids.petr),
          'субъект',
          'почтой',
          '2026-02-11',
          null,
          '2026-02-16',
          'Согласие на рассылки отозвано; обработка прекращена.',
          5,
          'закрыто с опозданием',
          expect.stringContaining('152-ФЗ ст. 21'),
        ],
        // Received 16.02: due 03.03, extended by 5 working days over 7–9.03 to 11.03.
        [
          p(ids.r3),
          '2026-02-16',
          'запрос сведений',
          p(ids.erlan),
          'представитель субъекта: Өтегенова Ә.',
          'лично',
          '2026-03-11',
          'продлён 2026-02-16 до 2026-03-11; уведомление: Запрошены сведения из архива',
          null,
          null,
          null,
          'в работе',
          expect.stringContaining('152-ФЗ ст. 14'),
        ],
      ] as Row[];
    case 'blocks':
      return [
        [
          p(ids.block1),
          p(ids.petr),
          names.petr,
          'недостоверные данные',
          'субъект',
          null,
          at,
          desk,
          at,
          desk,
          'снята: недостоверность не подтвердилась',
          'недостоверность не подтвердилась',
        ],
        [p(ids.block2), p(ids.hadiya), names.hadiya, 'требование представителя', 'представитель субъекта', null, at, desk, null, null, 'действует', null],
      ];
    case 'acts':
      return [
        [
          'УД-2026/07',
          '2026-02-16',
          'ООО «Клиника Здоровье», г. Москва, ул. Ленина, д. 1',
          'не привлекался',
          `${manager}, Главный врач`,
          'фамилия, имя, отчество; номер телефона',
          'не использовались',
          'Privacy Desk — реестр персональных данных',
          'Удаление записей средствами информационной системы',
          'Отзыв согласия субъектом',
          `P-${String(ids.gone).padStart(6, '0')}`,
          'фамилия, имя, отчество; номер телефона',
          destroyAuditId,
          at,
        ],
      ];
    case 'marketing':
      // Ёлкин withdrew, Һашимова is blocked, Өтегенов's consent ran out, Удаляева is destroyed.
      return [[p(ids.galiya), names.galiya, phones.galiya, 'galiya@example.kz', titles.marketing, '2027-02-16']];
    case 'audit':
      throw new Error('captured at export time');
  }
}

function headersOf(register: RegisterName | 'marketing'): string[] {
  if (register === 'marketing') return ['id', 'ФИО', 'телефон', 'e-mail', 'цели рассылок', 'согласие действует до'];
  return registers[register].columns.map((c) => c.header);
}

function kindsOf(register: RegisterName | 'marketing'): string[] {
  if (register === 'marketing') return ['int', 'text', 'phone', 'text', 'text', 'date'];
  return registers[register].columns.map((c) => c.kind);
}

function captureAudit(): { rows: Row[]; trailer: string } {
  const db = reg.manager.ctx.db;
  const rows = db
    .prepare(
      'SELECT l.id, l.at, l.login, u.full_name, l.action, l.entity, l.entity_id, l.details FROM audit l LEFT JOIN users u ON u.id = l.user_id ORDER BY l.id',
    )
    .all() as {
    id: number;
    at: string;
    login: string | null;
    full_name: string | null;
    action: string;
    entity: string | null;
    entity_id: number | null;
    details: string;
  }[];
  const local = (iso: string) => {
    const d = new Date(iso);
    const p2 = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
  };
  const head = (db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get() as { hash: string }).hash;
  return {
    rows: rows.map((r) => [r.id, local(r.at), r.login, r.full_name, r.action, r.entity, r.entity_id, r.details === '{}' ? null : r.details]),
    trailer: `Проверка цепочки хешей журнала событий: цепочка цела, записей ${rows.length}, вершина цепочки ${head}.`,
  };
}

// ---- LibreOffice -------------------------------------------------------------------------------

// One soffice per input kind (a CSV needs the import filter's options, an XLSX must not get
// them), each with its own profile so the two runs and other tests do not collide.
async function libreOfficeToCsv(files: string[], outDir: string, csvInput: boolean): Promise<void> {
  const profile = join(tmpdir(), `lo-${randomBytes(6).toString('hex')}`);
  try {
    await run(
      'soffice',
      [
        `-env:UserInstallation=file://${profile}`,
        '--headless',
        ...(csvInput ? ['--infilter=CSV:59,34,76,1'] : []),
        '--convert-to',
        'csv:Text - txt - csv (StarCalc):44,34,76,1',
        '--outdir',
        outDir,
        ...files,
      ],
      { timeout: 120_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

function readLibreOfficeCsv(path: string): string[][] {
  return parse(readFileSync(path, 'utf8'), { relax_column_count: true }) as string[][];
}

// What a cell must read as in LibreOffice: numbers as their digits, empty as '', a CSV's phones and
// number-like identifiers with the apostrophe that kept them text.
function asSeen(value: unknown, kind: string, format: 'csv' | 'xlsx'): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return value;
  if (format === 'csv' && kind === 'phone') return `'${value}`;
  if (format === 'csv' && kind === 'ref' && /^[\d\s.,:/-]+$/.test(value)) return `'${value}`;
  return value;
}

// LibreOffice reads a CSV's "2026-02-16 09:00" as a date-time and writes it back with seconds.
function fromLibreOffice(value: string, kind: string, format: 'csv' | 'xlsx'): string {
  if (format === 'csv' && kind === 'datetime') return value.replace(/^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):00$/, '$1');
  return value;
}

const exported: { register: RegisterName | 'marketing'; format: 'csv' | 'xlsx'; path: string; rows: number }[] = [];
const pdfs: Partial<Record<RegisterName, string>> = {};
let loDir = '';

beforeAll(async () => {
  reg = await makeRegister();
  dir = join(reg.dir, 'exports');
  mkdirSync(dir);
  await buildRegister();
  const m = reg.manager.ctx;
  for (const register of Object.keys(registers) as RegisterName[]) {
    for (const format of ['xlsx', 'csv'] as const) {
      // The audit register changes with every export (each is logged): capture it just before.
      if (register === 'audit') auditExpected[format] = captureAudit();
      const path = join(dir, `${register}-${format}.${format}`);
      const r = await call(m, 'register.export', { register, format, outPath: path });
      exported.push({ register, format, path, rows: r.rows });
    }
    const pdf = join(dir, `${register}.pdf`);
    await call(m, 'register.export', { register, format: 'pdf', outPath: pdf });
    pdfs[register] = pdf;
  }
  for (const format of ['xlsx', 'csv'] as const) {
    const path = join(dir, `marketing-${format}.${format}`);
    const r = await call(m, 'marketing.export', { format, outPath: path });
    exported.push({ register: 'marketing', format, path, rows: r.rows });
  }
  loDir = join(reg.dir, 'lo');
  mkdirSync(loDir);
  await Promise.all([
    libreOfficeToCsv(
      exported.filter((e) => e.format === 'xlsx').map((e) => e.path),
      loDir,
      false,
    ),
    libreOfficeToCsv(
      exported.filter((e) => e.format === 'csv').map((e) => e.path),
      loDir,
      true,
    ),
  ]);
}, 120_000);

// PRIVACY_DESK_KEEP_EXPORTS=DIR keeps the files for a look (pdftoppm) after the run.
afterAll(() => {
  const keep = process.env.PRIVACY_DESK_KEEP_EXPORTS;
  if (keep && dir) cpSync(dir, keep, { recursive: true });
  reg?.cleanup();
});

describe('every XLSX and CSV register, as LibreOffice reads it', () => {
  it('LibreOffice converted every file', () => {
    expect(readdirSync(loDir).sort()).toEqual(exported.map((e) => `${e.register}-${e.format}.csv`).sort());
  });

  for (const register of [...Object.keys(registers), 'marketing'] as (RegisterName | 'marketing')[]) {
    for (const format of ['csv', 'xlsx'] as const) {
      it(`${register}.${format}: header and every cell`, () => {
        const e = exported.find((x) => x.register === register && x.format === format)!;
        const seen = readLibreOfficeCsv(join(loDir, `${register}-${format}.csv`));
        const kinds = kindsOf(register);
        const expectedData = register === 'audit' ? auditExpected[format]!.rows : expectedRows(register);
        expect(seen[0]).toEqual(headersOf(register));
        const body = seen.slice(1, 1 + expectedData.length);
        expect(body.length).toBe(expectedData.length);
        expect(e.rows).toBe(expectedData.length);
        body.forEach((cells, r) => {
          const want = expectedData[r]!;
          expect(cells.length, `row ${r + 1} width`).toBe(kinds.length);
          cells.forEach((cell, c) => {
            const expected = asSeen(want[c], kinds[c]!, format);
            const got = fromLibreOffice(cell, kinds[c]!, format);
            if (typeof expected === 'string') expect(got, `${register}.${format} row ${r + 1} column «${headersOf(register)[c]}»`).toBe(expected);
            else expect(got).toEqual(expected);
          });
        });
        const rest = seen.slice(1 + expectedData.length).map((cells) => cells.filter(Boolean));
        if (register === 'audit') expect(rest).toEqual([[auditExpected[format]!.trailer]]);
        else expect(rest).toEqual([]);
      });
    }
  }

  it('no file holds the destroyed person’s name or phone, and no partial file was left', () => {
    for (const e of exported) {
      const text = readFileSync(join(loDir, `${e.register}-${e.format}.csv`), 'utf8');
      expect(text).not.toContain('Удаляева');
      expect(text).not.toContain(phones.gone.slice(1));
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('every PDF register, as pdftotext reads it', () => {
  const meta = ['ООО «Клиника Здоровье»', 'Период: за всё время', 'Сформировано: 2026-02-16 09:00, Руководова Мария Петровна (manager)', 'Страница 1'];
  const words = (s: string) => s.split(/\s+/).filter((w) => w.length > 1);
  const mustShow = (): Record<RegisterName, string[]> => ({
    persons: [...words(names.galiya), ...words(names.hadiya), 'Ёлкин', phones.erlan, '№ УД-2026/07 от 2026-02-16'],
    consents: ['Әбілқайыр', 'Һашимова', 'Үміт', 'Ұланқызы', 'Өтегенов', 'Жаңабайұлы', 'М-2026.1', '000123', 'отозвано', 'заблокирована', 'уничтожены'],
    requests: ['2026-01-26', '2026-03-11', 'Ғалия,', 'Өтегенова', 'просрочено', 'Запрошены', 'архива', 'опозданием'],
    blocks: ['Ёлкин', 'Һашимова', 'недостоверные', 'представителя', 'действует'],
    acts: ['УД-2026/07', `P-${String(ids.gone).padStart(6, '0')}`, 'Отзыв', 'субъектом', 'Privacy Desk', 'Главный врач', 'привлекался', 'использовались'],
    audit: ['person.destroy', 'export.register', 'Проверка цепочки хешей журнала событий: цепочка цела'],
  });

  for (const register of Object.keys(registers) as RegisterName[]) {
    it(`${register}.pdf: title, operator, period, who and when, page number, every header word, names`, async () => {
      const { stdout } = await run('pdftotext', ['-layout', pdfs[register]!, '-']);
      // Line breaks and column gaps of the layout are not what is being tested.
      const flat = stdout.replace(/\s+/g, ' ');
      expect(flat).toContain(registers[register].title);
      for (const m of meta) expect(flat).toContain(m);
      expect(flat).toContain(registers[register].filterNote.slice(0, 40));
      for (const c of registers[register].columns) for (const w of words(c.header)) expect(stdout, `${register}: header word «${w}»`).toContain(w);
      for (const s of mustShow()[register]) expect(flat, `${register}: «${s}»`).toContain(s);
      expect(flat).not.toContain('Удаляева');
      expect(readFileSync(pdfs[register]!).subarray(0, 5).toString()).toBe('%PDF-');
    });
  }
});

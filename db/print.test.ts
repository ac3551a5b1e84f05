import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import { qrPayload, qrPlacement } from './print/consent-form.ts';
import { page, qrMatrix } from './print/pdf.ts';

// Every printed document is checked the way an inspector would read it: the text pdftotext
// extracts from the PDF must hold each field the law asks for. Each page is also rendered to
// out/screenshots/print-*.png for a person to look at.

const screenshots = fileURLToPath(new URL('../out/screenshots/', import.meta.url));

function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
}

// Non-breaking spaces (kept between "№" and its number) read as spaces; a line wrap as one space,
// or as nothing after a hyphen ("152-|ФЗ").
function flat(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .replace(/-[ \t]*\n\s*/g, '-')
    .replace(/\s+/g, ' ');
}

function pages(path: string): number {
  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
}

function screenshot(path: string, name: string): string[] {
  mkdirSync(screenshots, { recursive: true });
  for (const f of readdirSync(screenshots)) if (f.startsWith(`print-${name}-`)) rmSync(join(screenshots, f));
  execFileSync('pdftoppm', ['-png', '-r', '70', path, join(screenshots, `print-${name}`)]);
  return readdirSync(screenshots).filter((f) => f.startsWith(`print-${name}-`));
}

// The first page in 8-bit grey at `dpi`, as a PGM the test can read pixel by pixel.
function greyPage(path: string, dpi: number): { width: number; height: number; px: (x: number, y: number) => number } {
  const prefix = `${path}.grey`;
  execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', path, prefix]);
  const buf = readFileSync(`${prefix}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 40).toString('latin1'));
  if (!header) throw new Error('not a PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const offset = header[0].length;
  return { width, height, px: (x, y) => buf[offset + Math.round(y) * width + Math.round(x)] ?? 255 };
}

let reg: TestRegister;
let out: string;
beforeEach(async () => {
  reg = await makeRegister();
  out = join(reg.dir, 'print');
  mkdirSync(out);
});
afterEach(() => reg.cleanup());

async function anna(r: TestRegister = reg) {
  return call(r.desk.ctx, 'person.add', { fullName: 'Иванова Анна Сергеевна', phone: '8 916 123-45-67', email: 'anna@example.ru', source: 'walk_in' });
}

describe('print.consent', () => {
  it('prints a Russian consent form with every element of 152-FZ art. 9 part 4, its version and the QR text', async () => {
    await call(reg.admin.ctx, 'settings.setGeneral', { processor: { name: 'ООО «Обработчик»', address: 'г. Москва, ул. Тверская, д. 5' } });
    const p = await anna();
    const path = join(out, 'consent.pdf');
    const res = await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: path });
    expect(res).toMatchObject({ path, formVersion: 'ru-v1', language: 'ru', purpose: 'appointment', payload: `PD1:${p.id}:appointment:ru-v1` });
    expect(res.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
    // Written under a temporary name and renamed: nothing else is left in the folder.
    expect(readdirSync(out)).toEqual(['consent.pdf']);

    const raw = pdfText(path);
    const text = flat(raw);
    // The subject: full name, address, ID document (number, date, issuer) — the last two by hand.
    expect(text).toContain('Я, Иванова Анна Сергеевна,');
    expect(text).toContain('адрес регистрации (места жительства):');
    expect(text).toContain('документ, удостоверяющий личность (вид, серия, номер):');
    expect(text).toContain('дата выдачи и орган, выдавший документ:');
    expect(text).toContain('телефон: +7 916 123 45 67');
    expect(text).toContain('адрес электронной почты: anna@example.ru');
    // A representative's details and authority.
    expect(text).toContain('представитель (фамилия, имя, отчество):');
    expect(text).toContain('документ, подтверждающий полномочия представителя');
    // The operator's name and address.
    expect(text).toContain('ООО «Клиника Здоровье» (ИНН 7701234567), адрес: г. Москва, ул. Ленина, д. 1');
    // The purpose, the list of data, the processor, the actions and methods.
    expect(text).toContain('1. Цель обработки: Связь по записи на приём и оказанию услуг.');
    expect(text).toContain('фамилия, имя, отчество, номер телефона, адрес электронной почты');
    expect(text).toContain('по поручению оператора: ООО «Обработчик», адрес: г. Москва, ул. Тверская, д. 5.');
    expect(text).toContain('4. Перечень действий с персональными данными: сбор, запись, систематизация');
    expect(text).toContain('5. Способы обработки: автоматизированная обработка в информационной системе «Privacy Desk — реестр персональных данных»');
    // The term and how to withdraw.
    expect(text).toContain('8. Срок действия согласия: до достижения цели обработки или до отзыва настоящего согласия.');
    expect(text).toContain('9. Порядок отзыва: согласие может быть отозвано в любой момент письменным заявлением');
    // A separate document (Law 156-FZ), signature and date lines.
    expect(text).toContain('Федерального закона от 24.06.2025 № 156-ФЗ');
    expect(text).toContain('Субъект персональных данных (представитель):');
    expect(raw).toMatch(/\(подпись\)\s+\(фамилия, инициалы\)\s+\(дата\)/);
    // The version, shown in the header and on every page's footer, and the QR code's text.
    expect(text).toContain('Бланк согласия «appointment», редакция ru-v1');
    expect(text).toContain('№ бланка:');
    expect(text).toContain('Согласие принял (должность, ФИО, подпись):');
    expect(raw.match(/Бланк согласия «appointment», редакция ru-v1 · PD1:\d+:appointment:ru-v1/g)?.length).toBe(pages(path));
    expect(raw).toContain(`PD1:${p.id}:appointment:ru-v1`);
    expect(text).toContain(`Страница 1 из ${pages(path)}`);

    // Recorded by ids and codes only.
    const row = reg.desk.ctx.db.prepare("SELECT entity, entity_id AS entityId, details FROM audit WHERE action = 'print.consent'").get() as {
      entity: string;
      entityId: number;
      details: string;
    };
    expect(row.entity).toBe('person');
    expect(row.entityId).toBe(p.id);
    expect(JSON.parse(row.details)).toEqual({ purpose: 'appointment', language: 'ru', formVersion: 'ru-v1', sha256: res.sha256 });
    expect(row.details).not.toContain('Иванова');

    const shots = screenshot(path, 'consent-ru');
    expect(shots.length).toBe(pages(path));
  });

  it('prints each purpose as its own document naming only that purpose (Law 156-FZ)', async () => {
    const p = await anna();
    const files: Record<string, string> = {};
    for (const purpose of ['appointment', 'marketing', 'partners', 'health']) {
      files[purpose] = join(out, `${purpose}.pdf`);
      await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose, outPath: files[purpose] });
    }
    const marketing = flat(pdfText(files.marketing as string));
    expect(marketing).toContain('Цель обработки: Рекламные и информационные рассылки (новости, специальные предложения)');
    expect(marketing).toContain('ст. 18 Федерального закона от 13.03.2006 № 38-ФЗ «О рекламе»');
    expect(marketing).not.toContain('Связь по записи на приём');
    expect(marketing).toContain(`PD1:${p.id}:marketing:ru-v1`);
    const partners = flat(pdfText(files.partners as string));
    expect(partners).toContain('6. Передача третьим лицам: допускается партнёрам оператора (наименования и адреса):');
    expect(partners).toContain('передача (предоставление, доступ) партнёрам оператора');
    const health = flat(pdfText(files.health as string));
    expect(health).toContain('сведения о состоянии здоровья');
    expect(health).toContain('ст. 10 Федерального закона № 152-ФЗ');
    screenshot(files.marketing as string, 'consent-ru-marketing');
  });

  it('prints the Kazakh form of a KZ register with the elements of 94-V art. 8', async () => {
    const kz = await makeRegister({ jurisdiction: 'KZ' });
    try {
      await call(kz.admin.ctx, 'settings.setOperator', { name: 'ТОО «Денсаулық Клиника»', address: 'Алматы қ., Абай даңғылы, 10', taxId: '123456789012' });
      await call(kz.manager.ctx, 'purpose.update', { purpose: 'partners', defaultTermDays: 365 });
      const p = await call(kz.desk.ctx, 'person.add', { fullName: 'Сәрсенбаева Әйгерім Нұрланқызы', phone: '+7 701 123 4567', source: 'walk_in' });
      const path = join(kz.dir, 'kk.pdf');
      const res = await call(kz.desk.ctx, 'print.consent', { personId: p.id, purpose: 'partners', outPath: path });
      expect(res).toMatchObject({ language: 'kk', formVersion: 'kk-v1', payload: `PD1:${p.id}:partners:kk-v1` });
      const text = flat(pdfText(path));
      // The operator with its BIN, the subject.
      expect(text).toContain('ТОО «Денсаулық Клиника» (БСН 123456789012), мекенжайы: Алматы қ., Абай даңғылы, 10');
      expect(text).toContain('Мен, Сәрсенбаева Әйгерім Нұрланқызы,');
      expect(text).toContain('№ 94-V Заңының 8-бабына сәйкес');
      // The list of data and the purpose.
      expect(text).toContain('2. Дербес деректердің тізбесі: тегі, аты, әкесінің аты, телефон нөмірі, электрондық пошта мекенжайы.');
      expect(text).toContain('1. Жинау және өңдеу мақсаты: Деректерді серіктестерге беру.');
      // Transfer to third parties, cross-border transfer, publication: each stated.
      expect(text).toContain('6. Үшінші тұлғаларға беру: рұқсат етіледі — оператордың серіктестеріне');
      expect(text).toContain('7. Трансшекаралық беру: рұқсат етілмейді.');
      expect(text).toContain('8. Жалпыға қолжетімді дереккөздерде жариялау: рұқсат етілмейді.');
      // The term, from the purpose's own term.
      expect(text).toContain('9. Келісімнің қолданылу мерзімі: қол қойылған күннен бастап 365 күн');
      expect(text).toContain('Келісімді кері қайтарып алу тәртібі');
      // No address or ID document is asked in Kazakhstan; no e-mail given prints a line to fill in.
      expect(text).not.toContain('куәландыратын құжат (түрі');
      expect(text).toContain('«partners» келісім бланкісі, kk-v1 редакциясы');
      expect(text).toContain(`PD1:${p.id}:partners:kk-v1`);
      expect(text).toMatch(/\(қолы\) \(тегі, аты-жөнінің бас әріптері\) \(күні\)/);
      expect(text).toContain('1-бет, барлығы');
      screenshot(path, 'consent-kk');

      // The same register prints Russian on request, still under Kazakh law (BIN, 94-V).
      const ruPath = join(kz.dir, 'ru.pdf');
      const ru = await call(kz.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', language: 'ru', outPath: ruPath });
      expect(ru.formVersion).toBe('ru-v1');
      const ruText = flat(pdfText(ruPath));
      expect(ruText).toContain('(БИН 123456789012)');
      expect(ruText).toContain('статьёй 8 Закона Республики Казахстан от 21 мая 2013 года № 94-V');
      expect(ruText).toContain('7. Трансграничная передача: не разрешается.');
      expect(ruText).toContain('8. Распространение в общедоступных источниках: не разрешается.');
      screenshot(ruPath, 'consent-kz-ru');
    } finally {
      kz.cleanup();
    }
  });

  it('draws the QR code of PD1:<person>:<purpose>:<version> module for module', async () => {
    const p = await anna();
    const path = join(out, 'qr.pdf');
    const res = await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'marketing', outPath: path });
    const payload = qrPayload(p.id, 'marketing', 'ru-v1');
    expect(res.payload).toBe(payload);
    // The matrix drawn is the one the qrcode library makes for the payload on its own.
    const reference = QRCode.create(payload, { errorCorrectionLevel: 'M' });
    const matrix = qrMatrix(payload);
    expect(matrix.length).toBe(reference.modules.size);
    for (const [r, row] of matrix.entries()) {
      for (const [c, dark] of row.entries()) expect(dark, `${r},${c}`).toBe(Boolean(reference.modules.get(r, c)));
    }
    // And the printed page carries exactly that matrix: sample each module's centre.
    const dpi = 216;
    const scale = dpi / 72;
    const grey = greyPage(path, dpi);
    const box = qrPlacement(page);
    const m = box.size / matrix.length;
    let mismatches = 0;
    for (const [r, row] of matrix.entries()) {
      for (const [c, dark] of row.entries()) {
        const v = grey.px((box.x + (c + 0.5) * m) * scale, (box.y + (r + 0.5) * m) * scale);
        if (v < 128 !== dark) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
    // A quiet ring one module wide around the code stays white.
    for (let i = -1; i <= matrix.length; i++) {
      for (const [r, c] of [
        [-1, i],
        [matrix.length, i],
        [i, -1],
        [i, matrix.length],
      ] as const) {
        expect(grey.px((box.x + (c + 0.5) * m) * scale, (box.y + (r + 0.5) * m) * scale)).toBeGreaterThan(200);
      }
    }
  });

  it('refuses a blocked or destroyed person and leaves no file', async () => {
    const p = await anna();
    await call(reg.desk.ctx, 'person.block', { personId: p.id, reason: 'inaccurate_data', requestedBy: 'subject' });
    const blocked = join(out, 'blocked.pdf');
    await expect(call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: blocked })).rejects.toMatchObject({
      code: 'person_blocked',
    });
    const q = await call(reg.desk.ctx, 'person.add', { fullName: 'Петров Пётр', phone: '8 916 765-43-21', source: 'walk_in' });
    await call(reg.manager.ctx, 'person.destroy', {
      personIds: [q.id],
      act: { number: 'А-7', reason: 'отзыв согласия', method: 'удаление', destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }] },
    });
    await expect(call(reg.desk.ctx, 'print.consent', { personId: q.id, purpose: 'appointment', outPath: join(out, 'gone.pdf') })).rejects.toMatchObject({
      code: 'person_destroyed',
    });
    expect(readdirSync(out)).toEqual([]);
    expect(reg.desk.ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'print.consent'").get()).toEqual({ n: 0 });
  });

  it('refuses a relative path, a missing folder and the register file itself', async () => {
    const p = await anna();
    await expect(call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: 'consent.pdf' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: join(out, 'missing', 'consent.pdf') }),
    ).rejects.toMatchObject({ code: 'io_error' });
    await expect(call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: reg.dbPath })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'nope', outPath: join(out, 'x.pdf') })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('prints a saved template version, with values substituted once and never read as markup', async () => {
    const p = await call(reg.desk.ctx, 'person.add', { fullName: '{{operator.name}} Тестова', source: 'walk_in' });
    await call(reg.manager.ctx, 'formTemplate.save', {
      purpose: 'appointment',
      language: 'ru',
      body: '# СОГЛАСИЕ (ред. {{form.version}})\n\nЯ, {{person.fullName}}, согласен.\nE-mail: {{person.email}}\nЦель: {{purpose.title}}; оператор {{operator.name}}.\n{{signature}}',
    });
    const path = join(out, 'v2.pdf');
    const res = await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: path });
    expect(res.formVersion).toBe('ru-v2');
    const text = flat(pdfText(path));
    expect(text).toContain('СОГЛАСИЕ (ред. ru-v2)');
    // The name is printed as typed, braces and all: one pass, no second substitution.
    expect(text).toContain('Я, {{operator.name}} Тестова, согласен.');
    expect(text).toContain('E-mail:');
    expect(text).toContain('оператор ООО «Клиника Здоровье».');
    expect(text).toContain(`PD1:${p.id}:appointment:ru-v2`);
  });
});

async function destroyedAct(r: TestRegister) {
  const q = await call(r.desk.ctx, 'person.add', { fullName: 'Петров Пётр Петрович', phone: '8 916 765-43-21', email: 'petr@example.ru', source: 'walk_in' });
  const s = await call(r.desk.ctx, 'person.add', { fullName: 'Сидорова Ольга', phone: '8 903 111-22-33', source: 'phone_call' });
  return call(r.manager.ctx, 'person.destroy', {
    personIds: [q.id, s.id],
    act: {
      number: 'А-2026/3',
      reason: 'Отзыв согласия субъектом',
      method: 'Удаление записей из базы данных с перезаписью освобождённых страниц',
      destroyedBy: [
        { fullName: 'Руководова Мария Петровна', position: 'Главный врач' },
        { fullName: 'Админов Админ', position: 'Системный администратор' },
      ],
      paperMedia: [{ name: 'Бланки согласий', sheets: 4 }],
    },
  });
}

describe('print.act', () => {
  it('prints all ten Order 179 fields, the log extract and a signature line per person', async () => {
    await call(reg.admin.ctx, 'settings.setGeneral', { processor: { name: 'ООО «Обработчик»', address: 'г. Москва, ул. Тверская, д. 5' } });
    const act = await destroyedAct(reg);
    const path = join(out, 'act.pdf');
    const res = await call(reg.manager.ctx, 'print.act', { actId: act.id, outPath: path });
    expect(res).toMatchObject({ path, number: 'А-2026/3' });
    const raw = pdfText(path);
    const text = flat(raw);
    expect(text).toContain('АКТ № А-2026/3 об уничтожении персональных данных');
    expect(text).toContain('приказом Роскомнадзора от 28.10.2022 № 179');
    const [first, second] = act.subjects.map((s: { subjectRef: string }) => s.subjectRef);
    // 1. operator name and address
    expect(text).toContain('ООО «Клиника Здоровье»');
    expect(text).toContain('г. Москва, ул. Ленина, д. 1');
    // 2. processor
    expect(text).toContain('ООО «Обработчик»');
    expect(text).toContain('г. Москва, ул. Тверская, д. 5');
    // 3. subjects (identifiers: the names are gone)
    expect(text).toContain(`${first}, ${second}`);
    expect(text).not.toContain('Петров Пётр');
    // 4. who destroyed, with positions, and their signature lines
    expect(text).toContain('Руководова Мария Петровна, Главный врач');
    expect(text).toContain('Админов Админ, Системный администратор');
    expect(raw).toMatch(/Главный врач\s+Руководова М\. П\./);
    expect(raw).toMatch(/Системный администратор\s+Админов А\./);
    expect(raw.match(/\(должность\)\s+\(подпись\)\s+\(фамилия, инициалы\)\s+\(дата\)/g)?.length).toBe(2);
    // 5. categories
    expect(raw).toMatch(/^\s*5\s+Перечень категорий уничтоженных\s+фамилия, имя, отчество; номер телефона; адрес\s*$/m);
    expect(raw).toMatch(/^\s*персональных данных\s+электронной почты\s*$/m);
    // 6. paper media with sheets
    expect(text).toContain('Бланки согласий — 4 л.');
    // 7. information system, 8. method, 9. reason, 10. date
    expect(text).toContain('Privacy Desk — реестр персональных данных');
    expect(raw).toMatch(/^\s*8\s+Способ уничтожения персональных\s+Удаление записей из базы данных с перезаписью\s*$/m);
    expect(text).toContain('освобождённых страниц');
    expect(text).toContain('Отзыв согласия субъектом');
    expect(text).toContain('Дата уничтожения');
    expect(text).toContain('16.02.2026');
    for (const [n, label] of [
      ['1', 'Наименование оператора и его адрес'],
      ['2', 'Наименование и адрес лица'],
      ['3', 'Фамилия, имя, отчество субъекта'],
      ['4', 'Фамилия, имя, отчество и должность'],
      ['5', 'Перечень категорий уничтоженных'],
      ['6', 'Наименование уничтоженного'],
      ['7', 'Наименование информационной'],
      ['8', 'Способ уничтожения персональных'],
      ['9', 'Причина уничтожения персональных'],
      ['10', 'Дата уничтожения персональных'],
    ]) {
      expect(raw, `field ${n}`).toMatch(new RegExp(`^\\s*${n}\\s+${label}`, 'm'));
    }
    // The log extract: one row per subject with identifier, categories, system, reason and date.
    expect(text).toContain('Выписка из журнала регистрации событий');
    for (const ref of [first, second]) {
      expect(raw.replace(/\u00a0/g, ' ')).toMatch(
        new RegExp(`^\\s*\\d\\s+${ref}\\s+фамилия, имя, отчество;\\s+Privacy Desk — реестр\\s+Отзыв согласия\\s+16\\.02\\.2026 \\d\\d:\\d\\d$`, 'm'),
      );
    }
    expect(text).toContain('до 16.02.2029');
    const row = reg.manager.ctx.db.prepare("SELECT entity, entity_id AS id, details FROM audit WHERE action = 'print.act'").get() as {
      entity: string;
      id: number;
      details: string;
    };
    expect(row).toMatchObject({ entity: 'destruction_act', id: act.id });
    expect(JSON.parse(row.details)).toEqual({ number: 'А-2026/3', sha256: res.sha256 });
    screenshot(path, 'act');
  });

  it('is the manager’s: the desk and the administrator are refused', async () => {
    const act = await destroyedAct(reg);
    for (const s of [reg.desk, reg.admin]) {
      await expect(call(s.ctx, 'print.act', { actId: act.id, outPath: join(out, 'act.pdf') })).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(call(reg.manager.ctx, 'print.act', { actId: 999, outPath: join(out, 'act.pdf') })).rejects.toMatchObject({ code: 'not_found' });
    expect(existsSync(join(out, 'act.pdf'))).toBe(false);
  });
});

describe('print.answer', () => {
  it('lists what is held, on what basis, the blocks and requests, with 152-FZ art. 14', async () => {
    const p = await anna();
    await call(reg.desk.ctx, 'consent.give', { personId: p.id, purpose: 'appointment', channel: 'paper', formVersion: 'ru-v1', paperFormNumber: '000123' });
    await call(reg.desk.ctx, 'consent.give', {
      personId: p.id,
      purpose: 'marketing',
      channel: 'paper',
      formVersion: 'ru-v1',
      paperFormNumber: '000124',
      representative: { name: 'Иванов Сергей', authority: 'доверенность № 5' },
    });
    await call(reg.desk.ctx, 'consent.withdraw', { personId: p.id, purpose: 'marketing', channel: 'in_person' });
    await call(reg.desk.ctx, 'person.block', { personId: p.id, reason: 'inaccurate_data', requestedBy: 'subject' });
    await call(reg.desk.ctx, 'person.unblock', { personId: p.id, outcome: 'unblocked_unconfirmed' });
    const req = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person', person: p.id });
    const path = join(out, 'answer.pdf');
    const res = await call(reg.desk.ctx, 'print.answer', { requestId: req.id, outPath: path });
    expect(res).toMatchObject({ path, language: 'ru' });
    const raw = pdfText(path);
    const text = flat(raw);
    expect(text).toContain('ОТВЕТ на запрос субъекта персональных данных');
    expect(text).toContain('Иванова Анна Сергеевна');
    expect(text).toContain(`на запрос № ${req.id} от 16.02.2026`);
    expect(text).toContain('в соответствии с частью 7 статьи 14 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»');
    // What is held and where it came from.
    expect(text).toContain('источник получения: обращение в регистратуру');
    expect(raw).toMatch(/Номер телефона\s+\+7 916 123 45 67/);
    expect(raw).toMatch(/Адрес электронной почты\s+anna@example\.ru/);
    expect(raw).toMatch(/Сведения о представителе\s+Иванов Сергей \(доверенность № 5\)/);
    // Consents per purpose with dates, evidence and basis.
    expect(raw).toMatch(/Связь по записи на\s+152-ФЗ ст\. 6 ч\. 1\s+действует\s+16\.02\.2026\s+бумажный бланк с\s+до отзыва/);
    expect(text).toContain('№ 000123');
    expect(raw).toMatch(/Рекламные и\s+.*отозвано\s+16\.02\.2026/);
    // Blocks and requests, this one marked.
    expect(raw).toMatch(/16\.02\.2026\s+16\.02\.2026\s+сообщение о неточных\s+субъект\s+сведения не/);
    expect(raw).toMatch(new RegExp(`^\\s*${req.id}\\s+16\\.02\\.2026\\s+запрос сведений\\s+03\\.03\\.2026\\s+в работе`, 'm'));
    expect(text).toContain('(настоящий запрос)');
    // How it is processed, by whom, and the person's rights.
    expect(text).toContain('Трансграничная передача не осуществляется.');
    expect(text).toContain('по поручению оператора: не привлекается.');
    expect(text).toContain('(Роскомнадзор) или в суд (ст. 17)');
    expect(text).toContain('Ответственный за организацию обработки персональных данных:');
    expect(text).toContain('Подготовил(а): Регистраторова Анна, 16.02.2026.');
    const row = reg.desk.ctx.db.prepare("SELECT entity, entity_id AS id, details FROM audit WHERE action = 'print.answer'").get() as {
      entity: string;
      id: number;
      details: string;
    };
    expect(row).toMatchObject({ entity: 'request', id: req.id });
    expect(JSON.parse(row.details)).toEqual({ personId: p.id, language: 'ru', sha256: res.sha256 });
    screenshot(path, 'answer-ru');
  });

  it('answers in Kazakh under 94-V art. 24 in a KZ register', async () => {
    const kz = await makeRegister({ jurisdiction: 'KZ' });
    try {
      await call(kz.admin.ctx, 'settings.setOperator', { name: 'ТОО «Денсаулық Клиника»', address: 'Алматы қ., Абай даңғылы, 10', taxId: '123456789012' });
      const p = await call(kz.desk.ctx, 'person.add', { fullName: 'Сәрсенбаева Әйгерім', phone: '+7 701 123 4567', source: 'website_form' });
      await call(kz.desk.ctx, 'consent.give', { personId: p.id, purpose: 'appointment', channel: 'website' });
      // KZ ships no confirmed figure for this deadline: the manager sets one first.
      await call(kz.manager.ctx, 'deadline.setRule', { jurisdiction: 'KZ', code: 'access', days: 10, unit: 'working' });
      const req = await call(kz.desk.ctx, 'request.open', { type: 'access', channel: 'email', person: p.id });
      const path = join(kz.dir, 'answer-kk.pdf');
      const res = await call(kz.desk.ctx, 'print.answer', { requestId: req.id, outPath: path });
      expect(res.language).toBe('kk');
      const text = flat(pdfText(path));
      expect(text).toContain('Дербес деректер субъектісінің сұрау салуына ЖАУАП');
      expect(text).toContain('№ 94-V Заңының 24-бабына сәйкес');
      expect(text).toContain('БСН 123456789012');
      expect(text).toContain('Сәрсенбаева Әйгерім');
      expect(text).toContain('алу көзі: сайттағы нысан');
      // The purpose in Kazakh, its basis under Kazakh law only, the consent active until withdrawn.
      expect(text).toMatch(/Қабылдауға 94-V ст\. 7, 8 күшінде 16\.02\.2026 сайттағы нысан кері/);
      expect(text).not.toContain('152-ФЗ ст. 6');
      expect(text).toContain('Сіздің дербес деректеріңіз бұғатталмаған.');
      expect(text).toContain('(осы сұрау салу)');
      expect(text).toContain('уәкілетті органға немесе сотқа шағым жасауға құқылысыз');
      expect(text).toContain('Заңның 24-бабы).');
      screenshot(path, 'answer-kk');
    } finally {
      kz.cleanup();
    }
  });

  it('answers for a destroyed person that only the record of destruction is kept', async () => {
    const p = await anna();
    const req = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'post', person: p.id, requester: 'Иванова А. С., г. Москва' });
    await call(reg.manager.ctx, 'person.destroy', {
      personIds: [p.id],
      act: {
        number: 'А-9',
        reason: 'требование субъекта',
        method: 'удаление',
        destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }],
      },
    });
    const path = join(out, 'answer-destroyed.pdf');
    await call(reg.desk.ctx, 'print.answer', { requestId: req.id, outPath: path });
    const text = flat(pdfText(path));
    expect(text).toContain('Ваши персональные данные уничтожены 16.02.2026 (акт об уничтожении № А-9)');
    expect(text).not.toContain('anna@example.ru');
    expect(text).not.toContain('Иванова Анна');
  });

  it('refuses a request that is not an access request or names nobody', async () => {
    const p = await anna();
    const other = await call(reg.desk.ctx, 'request.open', { type: 'correction', channel: 'in_person', person: p.id });
    await expect(call(reg.desk.ctx, 'print.answer', { requestId: other.id, outPath: join(out, 'a.pdf') })).rejects.toMatchObject({ code: 'conflict' });
    const anon = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'post' });
    await expect(call(reg.desk.ctx, 'print.answer', { requestId: anon.id, outPath: join(out, 'a.pdf') })).rejects.toMatchObject({ code: 'conflict' });
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('the files', () => {
  it('are owner-only and appear whole', async () => {
    const p = await anna();
    const path = join(out, 'c.pdf');
    await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: path });
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    // Printing again replaces the file in one rename.
    const again = await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'appointment', outPath: path });
    expect(again.path).toBe(path);
    expect(readdirSync(out)).toEqual(['c.pdf']);
  });
});

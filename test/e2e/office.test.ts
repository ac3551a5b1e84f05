// Issue 4's acceptance for the manager's side, in a real Chromium through browser mode: the
// requests screen shows each open request with its days left and urgency (in words, not colour
// alone) and extends and closes them; a manager exports a register (path typed in the browser-mode
// field, progress, the file with its size, its folder opened) and builds an inspection pack; the
// audit view filters events and verifies the chain; every settings section renders and one change
// round-trips; an import is previewed with its line-numbered errors and then confirmed. axe-core
// finds nothing serious or critical on any screen; screenshots go to out/screenshots/office-*.png.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import kkOffice from '../../renderer/i18n/kk.office.json' with { type: 'json' };
import ruOffice from '../../renderer/i18n/ru.office.json' with { type: 'json' };
import { urgencyOf } from '../../renderer/screens/office/lib/urgency.ts';
import { describeE2E, expectState, expectText, expectValue, launchChromium, screenshot, seriousAxeViolations, watchConsole } from './support/browser.ts';
import { ensureRendererBuilt } from './support/build.ts';
import { type DeskHost, signIn, startDeskHost } from './support/desk.ts';

interface RequestRow {
  id: number;
  type: string;
  status: string;
  due: string;
  workingDaysLeft: number | null;
  calendarDaysLeft: number | null;
  overdue: boolean;
  canExtend: boolean;
  legalRef: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const display = (s: string) => `${s.slice(8, 10)}.${s.slice(5, 7)}.${s.slice(0, 4)}`;
const daysAgo = (n: number) => {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return iso(d);
};

function leaves(value: unknown): string[] {
  return value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [String(value)];
}

// Russian office texts that would show if a string escaped translation in Kazakh.
function russianLeftovers(body: string): string[] {
  const own = new Set(leaves(kkOffice));
  return leaves(ruOffice).filter((s) => s.length >= 6 && !s.includes('{{') && !own.has(s) && body.includes(s));
}

const urgencyWords = { overdue: 'Просрочено', urgent: 'Срочно', soon: 'Скоро', later: 'В срок' } as const;

describeE2E('browser mode: the manager’s screens', () => {
  let browser: Browser | undefined;
  let desk: DeskHost | undefined;
  let page: Page;
  let problems: string[] = [];
  const personIds: number[] = [];

  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchChromium();
    desk = await startDeskHost();
    for (const p of [
      { fullName: 'Иванова Анна Сергеевна', phone: '+7 916 123-45-67', email: 'anna@example.ru', source: 'walk_in' },
      { fullName: 'Петров Игорь Олегович', phone: '8 (903) 555-12-34', source: 'phone_call' },
      { fullName: 'Сейткали Әлия Ғабитқызы', email: 'aliya@example.kz', source: 'website_form' },
    ]) {
      personIds.push((await desk.as<{ id: number }>('manager', 'person.add', p)).id);
    }
    await desk.as('manager', 'request.open', { person: personIds[0], type: 'access', channel: 'in_person' });
    await desk.as('manager', 'request.open', { person: personIds[1], type: 'withdrawal', channel: 'email', receivedAt: daysAgo(45) });
    await desk.engine.lock();
    const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchConsole(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await desk?.close();
  });

  async function checkScreen(name: string): Promise<void> {
    expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
    expect(problems, `console on ${name}`).toEqual([]);
    await screenshot(page, name);
  }

  async function open(section: 'requests' | 'exports' | 'import' | 'audit' | 'settings', title: string): Promise<void> {
    await page.locator(`[data-nav="office:${section}"]`).click();
    await expectText(page.getByRole('heading', { level: 1 }), title);
  }

  const api = <T>(op: string, input: unknown) => desk!.as<T>('manager', op, input);

  it('signs in as the manager and finds the office sections in the navigation', async () => {
    await page.goto(desk!.host.url);
    await signIn(page, 'manager');
    await expectText(page.locator('[data-nav="office:requests"]'), 'Обращения');
  });

  it('requests: each open request with its due date, days left and urgency in words', async () => {
    await open('requests', 'Обращения');
    const rows = await api<RequestRow[]>('request.list', { status: 'open' });
    expect(rows).toHaveLength(2);
    const buckets = rows.map((r) => urgencyOf({ status: 'open', workingDaysLeft: r.workingDaysLeft, overdue: r.overdue }));
    // The fresh access request (10 working days) is on time; the 45-day-old withdrawal (30 days) is overdue.
    expect(buckets).toEqual(['overdue', 'later']);
    for (const r of rows) {
      const row = page.getByTestId('requests-table').locator('tbody tr', { hasText: `№ ${r.id}` });
      const u = urgencyOf({ status: 'open', workingDaysLeft: r.workingDaysLeft, overdue: r.overdue })!;
      await expectText(row.locator('.office-urgency-chip'), urgencyWords[u]);
      await expectText(row.locator('td').nth(2), new RegExp(display(r.due).replace(/\./g, '\\.')));
      const left = r.workingDaysLeft ?? 0;
      const expected = u === 'overdue' ? (left < 0 ? `на ${-left} раб. дн.` : `на ${Math.abs(r.calendarDaysLeft ?? 0)} дн.`) : `${left} раб. дн.`;
      await expectText(row.locator('.office-left-text'), expected);
      await expectText(row.locator('.office-law'), r.legalRef);
      expect(await row.getAttribute('class')).toContain(`office-urgency-${u}`);
    }
    await expectText(page.locator('.office-summary'), /^1\s+просрочено\s+0\s+срочно[^\n]*\s+0\s+скоро[^\n]*\s+1\s+больше 5 раб\. дней$/);
    await checkScreen('office-requests');
  });

  it('requests: extend with a reasoned notice by keyboard alone, and close with the answer', async () => {
    const [overdue, fresh] = await api<RequestRow[]>('request.list', { status: 'open' });
    // Only the rule that allows it offers the extension.
    const freshRow = page.locator('tbody tr', { hasText: `№ ${fresh!.id}` });
    const overdueRow = page.locator('tbody tr', { hasText: `№ ${overdue!.id}` });
    expect(await overdueRow.getByRole('button', { name: /Продлить/ }).count()).toBe(0);
    await freshRow.getByRole('button', { name: /Продлить/ }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Продление срока по обращению № ${fresh!.id}` });
    await dialog.waitFor();
    await expectState(dialog.getByLabel('Мотивированное уведомление'), 'focused');
    await checkScreen('office-requests-extend');
    await page.keyboard.type('Сведения хранятся в архиве филиала; ответ будет дан после их получения.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const extended = (await api<RequestRow[]>('request.list', { status: 'open' })).find((r) => r.id === fresh!.id)!;
    await expectText(page.locator('.toast-text').first(), `Срок по обращению № ${fresh!.id} продлён до ${display(extended.due)}.`);
    await expectText(freshRow.locator('td').nth(2), /продлён; исходный срок/);

    await overdueRow.getByRole('button', { name: /Закрыть с ответом/ }).click();
    const close = page.getByRole('dialog', { name: `Закрыть обращение № ${overdue!.id}` });
    await close.getByLabel('Ответ').fill('Обработка прекращена, данные уничтожены; уведомление направлено по e-mail.');
    await close.getByRole('button', { name: 'Закрыть обращение' }).click();
    await expectText(page.locator('.toast-text').last(), `Обращение № ${overdue!.id} закрыто с опозданием: это отмечено в журнале обращений.`);
    await page.getByText('Закрытые', { exact: true }).click();
    await expectText(page.locator('tbody tr', { hasText: `№ ${overdue!.id}` }).locator('.chip'), 'с опозданием');
    await checkScreen('office-requests-closed');
  });

  it('exports: a register to the path typed in the browser-mode field, with progress, size and its folder', async () => {
    await open('exports', 'Реестры и выгрузки');
    const panel = page.getByTestId('export-register');
    const path = panel.getByRole('textbox', { name: 'Сохранить в файл' });
    const today = iso(new Date());
    await expectValue(path, join(desk!.exportsDir, `persons_${today}.xlsx`));
    // Browser mode: no native dialog, so no "Choose…" button; the field is the way.
    expect(await panel.getByRole('button', { name: 'Выбрать…' }).count()).toBe(0);
    await panel.getByText('CSV', { exact: true }).click();
    await expectValue(path, join(desk!.exportsDir, `persons_${today}.csv`));
    await path.fill('persons.csv');
    await panel.getByRole('button', { name: 'Выгрузить' }).click();
    await expectText(panel.locator('.field-error'), /Укажите полный путь/);
    await checkScreen('office-exports-path-error');

    const target = join(desk!.exportsDir, 'реестр субъектов.xlsx');
    await panel.getByText('XLSX', { exact: true }).click();
    await path.fill(target);
    // The bar appears while the export runs, and the host's progress reaches it (its max is the
    // number of rows the register announced before writing them).
    await page.evaluate(`(() => {
      window.__progress = [];
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="job-progress"] progress');
        if (bar) window.__progress.push(bar.getAttribute('max'));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    await panel.getByRole('button', { name: 'Выгрузить' }).click();
    const result = panel.getByTestId('file-result');
    await expectText(result.locator('.message-title'), 'Реестр выгружен');
    expect(await page.evaluate('window.__progress')).toContain('3');
    await expectText(result.getByTestId('result-path'), target);
    await expectText(result.getByTestId('result-rows'), '3');
    expect(existsSync(target)).toBe(true);
    const bytes = statSync(target).size;
    expect(bytes).toBeGreaterThan(1000);
    // The size is shown when the operation reports it (register.export answers {path, rows, sha256}).
    if ((await result.getByTestId('result-size').count()) > 0) await expectText(result.getByTestId('result-size'), /^\d+(,\d)? КБ$/);
    await result.getByRole('button', { name: 'Открыть папку' }).click();
    await expect.poll(() => desk!.revealed).toEqual([desk!.exportsDir]);
    await checkScreen('office-exports');

    // Today's marketing list: nobody has a marketing consent here, so the file has no rows.
    const marketing = page.getByTestId('export-marketing');
    await marketing.getByText('CSV', { exact: true }).click();
    await expectValue(marketing.getByRole('textbox', { name: 'Сохранить в файл' }), join(desk!.exportsDir, `marketing-list_${today}.csv`));
    await marketing.getByRole('button', { name: 'Выгрузить список' }).click();
    await expectText(marketing.getByTestId('file-result').locator('.message-title'), 'Список для рассылок выгружен');
    await expectText(marketing.getByTestId('result-rows'), '0');
    expect(existsSync(join(desk!.exportsDir, `marketing-list_${today}.csv`))).toBe(true);
  });

  it('exports: the inspection pack in one action, then checked', async () => {
    const pack = page.getByTestId('export-pack');
    await pack.getByRole('button', { name: 'Собрать пакет' }).click();
    const result = pack.getByTestId('file-result');
    await expectText(result.locator('.message-title'), 'Пакет для проверки собран', 120_000);
    const packPath = ((await result.getByTestId('result-path').textContent()) ?? '').trim();
    expect(packPath.startsWith(desk!.exportsDir)).toBe(true);
    expect(existsSync(join(packPath, 'manifest.json'))).toBe(true);
    const verify = page.getByTestId('export-verify');
    await verify.getByRole('textbox', { name: 'Папка или ZIP-файл пакета' }).fill(packPath);
    await verify.getByRole('button', { name: 'Проверить' }).click();
    await expectText(verify.getByTestId('pack-verify-result').locator('.message-title'), 'Пакет цел: все файлы на месте и не изменены.', 60_000);
    await checkScreen('office-exports-pack');
  }, 240_000);

  it('audit: filters the log and verifies the chain', async () => {
    await open('audit', 'Журнал событий');
    await page.getByRole('button', { name: 'Проверить цепочку' }).click();
    await expectText(page.getByTestId('verify-result').locator('.message-title'), /^Журнал цел: проверено записей — \d+\.$/, 60_000);
    await expectText(page.getByTestId('verify-result'), /Хеш последней записи: [0-9a-f]{64}/);
    const log = page.getByTestId('audit-log');
    await log.getByLabel('Действие').selectOption({ label: 'Выгрузки' });
    await log.getByRole('button', { name: 'Показать' }).click();
    await expectText(log.getByRole('status'), /Показано событий: [1-9]/);
    const codes = await page.getByTestId('audit-table').locator('tbody tr td:nth-of-type(3) .office-mono').allTextContents();
    // Newest first: the marketing list, then the register (the pack has its own action).
    expect(codes).toEqual(['export.marketing', 'export.register']);
    await expectText(page.getByTestId('audit-table').locator('tbody tr').nth(1), /Выгрузка реестра/);
    await checkScreen('office-audit');
  });

  it('settings: every section renders for the manager, and the idle-lock time round-trips', async () => {
    await open('settings', 'Настройки');
    const sections: Array<[string, string]> = [
      ['operator', 'Оператор персональных данных'],
      ['jurisdiction', 'Юрисдикция'],
      ['general', 'Общие настройки'],
      ['purposes', 'Цели обработки'],
      ['forms', 'Бланки согласий'],
      ['deadlines', 'Сроки'],
      ['calendars', 'Производственные календари'],
      ['users', 'Пользователи и роли'],
      ['backup', 'Резервные копии'],
      ['language', 'Язык интерфейса'],
    ];
    for (const [id, title] of sections) {
      await page.locator(`[data-section="${id}"]`).click();
      await expectText(page.getByRole('heading', { level: 2, name: title }), title);
      await page.locator('.office-settings-body .loading').waitFor({ state: 'detached' });
      await checkScreen(`office-settings-${id}`);
    }

    await page.locator('[data-section="general"]').click();
    const idle = page.getByLabel('Блокировка при бездействии, минут');
    await expectValue(idle, '5');
    await idle.fill('7');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await expectText(page.locator('.toast-text').last(), 'Сохранено.');
    expect((await api<{ general: { idleLockMinutes: number } }>('settings.get', {})).general.idleLockMinutes).toBe(7);
    await page.locator('[data-section="operator"]').click();
    await page.locator('[data-section="general"]').click();
    await expectValue(page.getByLabel('Блокировка при бездействии, минут'), '7');
    await idle.fill('0');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await expectText(page.locator('.field-error'), 'Целое число от 1 до 240.');

    // Kazakh deadlines without a figure are highlighted "to be set", with their legal reference.
    await page.locator('[data-section="deadlines"]').click();
    await page.getByText('Казахстан', { exact: true }).click();
    await expectText(page.getByTestId('deadline-rules').locator('caption'), 'Сроки: Казахстан');
    expect(await page.getByTestId('deadline-rules').locator('.office-row-missing').count()).toBeGreaterThan(0);
    await expectText(page.getByTestId('deadline-rules').locator('.office-row-missing').first().locator('.chip').first(), 'Нужно задать');
    await checkScreen('office-settings-deadlines-kz');

    // A backup beside the register, checked, with its size.
    await page.locator('[data-section="backup"]').click();
    await page.getByRole('button', { name: 'Создать копию сейчас' }).click();
    const backup = page.getByTestId('file-result');
    await expectText(backup.locator('.message-title'), 'Резервная копия создана и проверена', 60_000);
    const backupPath = ((await backup.getByTestId('result-path').textContent()) ?? '').trim();
    expect(backupPath.startsWith(join(desk!.dir, 'backups'))).toBe(true);
    await expectText(backup.getByTestId('result-size'), /^\d+(,\d)? (КБ|МБ)$/);
    expect(statSync(backupPath).size).toBeGreaterThan(0);
    await checkScreen('office-settings-backup-done');

    await page.locator('[data-section="users"]').click();
    await page.getByRole('button', { name: 'Добавить пользователя' }).click();
    await page.getByRole('dialog', { name: 'Новый пользователь' }).waitFor();
    await checkScreen('office-settings-users-add');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('import: preview with line-numbered errors writes nothing; confirming adds the valid rows', async () => {
    await open('import', 'Импорт контактов');
    const csv = [
      'ФИО;Телефон;E-mail',
      'Смирнова Ольга Петровна;+7 912 000-11-22;olga@example.ru',
      'Без Телефона;12;',
      ';+7 913 000-22-33;noname@example.ru',
      'Иванова Анна;+7 916 123-45-67;',
    ].join('\r\n');
    const before = await api<{ items: unknown[] }>('person.find', { query: 'Смирнова', limit: 10 });
    expect(before.items).toHaveLength(0);
    await page.getByLabel('Файл CSV или XLSX').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(`\ufeff${csv}`, 'utf8') });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor({ timeout: 30_000 });
    const counts = await preview.locator('.office-count-value').allTextContents();
    expect(counts).toEqual(['4', '1', '2', '1']);
    const lines = await page.getByTestId('import-problems').locator('.office-problem-line').allTextContents();
    expect(lines).toEqual(expect.arrayContaining(['строка 3', 'строка 4', 'строка 5']));
    expect((await api<{ items: unknown[] }>('person.find', { query: 'Смирнова', limit: 10 })).items).toHaveLength(0);
    await expectValue(page.getByTestId('import-mapping').getByRole('combobox', { name: /^ФИО/ }), 'ФИО');
    await checkScreen('office-import-preview');
    await page.getByRole('button', { name: 'Импортировать (1)' }).click();
    await expectText(page.getByTestId('import-result').locator('.message-title'), 'Импорт завершён: добавлено записей — 1.', 30_000);
    expect((await api<{ items: unknown[] }>('person.find', { query: 'Смирнова', limit: 10 })).items).toHaveLength(1);
    await checkScreen('office-import-done');
  });

  it('language: switched to Kazakh in settings, applied at once and remembered for the user', async () => {
    await open('settings', 'Настройки');
    await page.locator('[data-section="language"]').click();
    await page.getByRole('radio', { name: 'Қазақша' }).check();
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await expectText(page.getByRole('heading', { level: 1 }), 'Баптаулар');
    expect(await page.locator('html').getAttribute('lang')).toBe('kk');
    expect((await api<{ language: string }>('user.me', {})).language).toBe('kk');
    for (const [section, title, shot] of [
      ['requests', 'Өтініштер', 'office-requests-kk'],
      ['exports', 'Тізілімдер мен экспорт', 'office-exports-kk'],
      ['audit', 'Оқиғалар журналы', 'office-audit-kk'],
    ] as const) {
      await open(section, title);
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright Locator API (visible text)
      expect(russianLeftovers(await page.locator('main').innerText()), `Russian left on ${shot}`).toEqual([]);
      await checkScreen(shot);
    }
    await open('settings', 'Баптаулар');
    await page.locator('[data-section="language"]').click();
    await page.getByRole('radio', { name: 'Русский' }).check();
    await page.getByRole('button', { name: 'Сақтау' }).click();
    await expectText(page.getByRole('heading', { level: 1 }), 'Настройки');
    expect((await api<{ language: string }>('user.me', {})).language).toBe('ru');
  });

  it('each role sees only its sections', async () => {
    const officeNav = async () => (await page.locator('[data-nav^="office:"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav')))).sort();
    expect(await officeNav()).toEqual(['office:audit', 'office:exports', 'office:import', 'office:requests', 'office:settings']);
    for (const [login, expected, sections] of [
      ['admin', ['office:audit', 'office:import', 'office:requests', 'office:settings'], 10],
      ['desk', ['office:requests'], 0],
    ] as const) {
      await page.getByRole('button', { name: 'Заблокировать' }).click();
      await signIn(page, login);
      expect(await officeNav()).toEqual([...expected].sort());
      if (sections > 0) {
        await open('settings', 'Настройки');
        expect(await page.locator('[data-section]').count()).toBe(sections);
      }
    }
    expect(problems).toEqual([]);
  });
});

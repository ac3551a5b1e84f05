// Issue 4's receptionist in a real Chromium through browser mode: search as you type, a new person
// with the duplicate offer, printing a consent form and recording it signed (with a scan), a
// marketing withdrawal, the form's code typed into the page, a request, verification, blocking
// (edit actions unavailable, with the reason) and unblocking with a correction; then the manager's
// history and destruction. Keyboard first where a desk would use it. On every screen and dialog:
// axe-core finds nothing serious or critical, the console stays clean, and a screenshot goes to
// out/screenshots/desk-*.png.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import ruDesk from '../../renderer/i18n/ru.desk.json' with { type: 'json' };
import {
  describeE2E,
  expectAttribute,
  expectFocus,
  expectState,
  expectText,
  expectTexts,
  expectValue,
  launchChromium,
  screenshot,
  screenshotDir,
  seriousAxeViolations,
  watchConsole,
} from './support/browser.ts';
import { ensureRendererBuilt } from './support/build.ts';
import { type DeskHost, signIn, startDeskHost } from './support/desk.ts';

const d = ruDesk.desk;
const marketing = 'Рекламные и информационные рассылки (новости, специальные предложения)';
const appointment = 'Связь по записи на приём и оказанию услуг';
// A 1×1 PNG: the smallest scan the register accepts as an image.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function todayDisplay(): string {
  const n = new Date();
  return `${String(n.getDate()).padStart(2, '0')}.${String(n.getMonth() + 1).padStart(2, '0')}.${n.getFullYear()}`;
}

describeE2E('browser mode: the receptionist’s desk', () => {
  let desk: DeskHost;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[] = [];
  let petrovaId = 0;
  let newId = 0;

  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchChromium();
    desk = await startDeskHost();
    // People already in the register, added as the desk would.
    const add = (fullName: string, phone: string | null, email: string | null, source = 'walk_in') =>
      desk.as<{ id: number }>('desk', 'person.add', { fullName, phone, email, source });
    petrovaId = (await add('Петрова Мария Ивановна', '+7 916 123-45-67', 'maria.petrova@example.ru')).id;
    await add('Петров Игорь Олегович', '8 (903) 555-12-34', null, 'phone_call');
    const olga = await add('Петренко Ольга', null, 'olga@example.kz', 'website_form');
    await desk.as('desk', 'person.markVerify', { personId: olga.id, reason: 'Адрес почты вернул ошибку' });
    await desk.engine.lock();
    const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchConsole(page);
    await page.goto(desk.host.url);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await desk?.close();
  });

  async function checkScreen(name: string): Promise<void> {
    expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
    expect(problems, `console on ${name}`).toEqual([]);
    // A modal dialog is shown as the user sees it (the backdrop covers the window, not the page).
    if (await page.locator('dialog[open]').count()) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `desk-${name}.png`) });
    } else {
      await screenshot(page, `desk-${name}`);
    }
  }

  const toastText = () => page.getByTestId('toast').last().locator('.toast-text');
  const dialog = (name: string) => page.getByRole('dialog', { name });
  const consentRow = (purpose: string) =>
    page
      .getByTestId('consents')
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${purpose.slice(0, 20)}`) }) });

  it('signs in to the search screen: the field is focused and F2 is shown as its shortcut', async () => {
    await signIn(page, 'desk');
    await expectText(page.getByRole('banner'), /Регистраторова Анна/);
    await expectText(page.getByRole('banner'), /регистратор/);
    await expectText(page.getByRole('banner'), new RegExp(`Сегодня ${todayDisplay().replace(/\./g, '\\.')}`));
    const nav = page.getByRole('navigation', { name: 'Разделы' });
    await expectText(nav.getByRole('button', { name: /Поиск/ }), /Поиск\s*F2/);
    expect(await nav.getByRole('button', { name: /Поиск/ }).getAttribute('aria-current')).toBe('page');
    await checkScreen('01-search');
  });

  it('finds people as the desk types, with status chips, and opens one by keyboard', async () => {
    await page.keyboard.type('петр');
    await expectText(page.getByRole('status'), 'Найдено: 3');
    await expectTexts(page.locator('.person-name'), ['Петренко Ольга', 'Петров Игорь Олегович', 'Петрова Мария Ивановна']);
    await expectText(page.getByRole('option', { name: /Петренко Ольга/ }).locator('.chip'), 'На проверке');
    // The first row is highlighted and the field points at it (aria-activedescendant).
    await expectAttribute(page.getByRole('option', { name: /Петренко/ }), 'aria-selected', 'true');
    await checkScreen('02-search-results');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expectAttribute(page.getByRole('option', { name: /Петрова Мария/ }), 'aria-selected', 'true');
    const searchbox = page.getByRole('searchbox');
    const active = await searchbox.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${active}"]`).textContent()).toContain('Петрова Мария Ивановна');
    await page.keyboard.press('Enter');
    await expectText(page.getByTestId('person-name'), 'Петрова Мария Ивановна');
    await expectText(page.locator('.card-subtitle'), new RegExp(`№ ${petrovaId}`));
    // F2 from the card: back to the search, the query still there.
    await page.keyboard.press('F2');
    await expectState(page.getByRole('searchbox'), 'focused');
    await expectValue(page.getByRole('searchbox'), 'петр');
    // By phone digits, typed as they are dialled.
    await page.keyboard.type('8 916 123');
    await expectTexts(page.locator('.person-name'), ['Петрова Мария Ивановна']);
    await page.getByRole('searchbox').fill('');
    await expectText(page.getByRole('status'), '');
  });

  it('adds a new person: the phone is formatted as typed and the existing holder is offered first', async () => {
    await page.keyboard.type('Сидорова Анна Павловна');
    await expectText(page.getByRole('status'), 'Никого не нашли.');
    // The "new person" button is just before the field: Shift+Tab reaches it.
    await page.keyboard.press('Shift+Tab');
    await expectFocus(page, d.search.newPerson);
    await page.keyboard.press('Enter');
    await expectText(page.getByRole('heading', { level: 1 }), d.newPerson.title);
    await expectValue(page.getByLabel(d.person.fullName), 'Сидорова Анна Павловна');
    await expectFocus(page, d.person.fullName);
    await page.keyboard.press('Tab');
    await page.keyboard.type('89161234567');
    await expectValue(page.getByLabel(/^Телефон/), '8 (916) 123-45-67');
    await page.keyboard.press('Tab');
    // Leaving the field shows who already has this phone.
    await expectText(page.getByTestId('holders-phone'), /Этот телефон уже есть в реестре:\s*Открыть: Петрова Мария Ивановна, \+7 916 123 45 67/);
    await checkScreen('03-new-person-holder');
    await page.keyboard.press('Enter');
    // The register's own check: the duplicate is offered before anything is created.
    const offer = page.getByTestId('duplicate-offer');
    await expectText(offer.getByRole('heading'), d.newPerson.duplicateTitle);
    await expectText(offer.locator('.match-who'), /Петрова Мария Ивановна\s*совпадает телефон/);
    await expectState(offer, 'focused');
    await checkScreen('04-new-person-duplicate');
    const found = (await desk.engine.call('person.find', { query: 'Сидорова', limit: 10 })) as { items: unknown[] };
    expect(found.items).toEqual([]);
    await offer.getByRole('button', { name: d.newPerson.addShared }).click();
    await expectText(page.getByTestId('person-name'), 'Сидорова Анна Павловна');
    await expectText(toastText(), /Человек добавлен в реестр \(№ \d+\)/);
    const again = (await desk.engine.call('person.find', { query: 'Сидорова', limit: 10 })) as { items: { id: number; phone: string }[] };
    expect(again.items.map((p) => p.phone)).toEqual(['+79161234567']);
    newId = again.items[0]!.id;
  });

  it('shows the card: contacts, every purpose with its state, requests and history', async () => {
    await expectText(page.getByRole('heading', { level: 1 }), 'Сидорова Анна Павловна');
    await expectTexts(page.getByTestId('consents').getByRole('rowheader'), [
      appointment,
      `${marketing}`,
      'Передача данных партнёрам',
      'Обработка сведений о состоянии здоровья\nтолько письменное согласие',
    ]);
    await expectText(consentRow(marketing).locator('.chip'), 'Не давалось');
    await expectText(page.getByTestId('requests'), /Обращений не было\./);
    await expectText(page.getByTestId('history'), /Добавлен в реестр/);
    // A receptionist may not read the audit log: the history says where it comes from.
    await expectText(page.getByTestId('history').locator('.panel-note'), d.history.fromRecords);
    await checkScreen('05-person-card');
  });

  it('prints the consent form for a purpose and records it signed, with a scan', async () => {
    await page.getByRole('button', { name: `Печать бланка: ${marketing}` }).click();
    const print = dialog(d.print.title);
    await print.waitFor();
    const expectedPath = new RegExp(`exports/consent-${newId}-marketing-ru-\\d{8}\\.pdf$`);
    await expect.poll(() => print.getByLabel(d.print.path).inputValue()).toMatch(expectedPath);
    await checkScreen('06-print-dialog');
    await print.getByRole('button', { name: d.print.submit }).click();
    const done = dialog(d.print.doneTitle);
    await done.waitFor({ timeout: 30_000 });
    const path = ((await done.getByTestId('printed-path').textContent()) ?? '').trim();
    expect(path).toMatch(expectedPath);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
    await expectText(done, /редакция ru-v1/);
    await checkScreen('07-print-done');
    await done.getByRole('button', { name: d.print.reveal }).click();
    await expect.poll(() => desk.revealed.length).toBe(1);
    expect(desk.revealed[0]).toBe(desk.exportsDir);
    await done.getByRole('button', { name: d.print.recordSigned }).click();

    const paper = dialog(d.paper.title);
    await paper.waitFor();
    await expectValue(paper.getByLabel(d.paper.formVersion), 'ru-v1');
    await expectValue(paper.getByLabel(d.paper.date), todayDisplay());
    await expectValue(paper.getByRole('combobox', { name: d.consents.purpose }), 'marketing');
    // Sent without the form number: the field says so and takes focus.
    await paper.getByRole('button', { name: d.paper.submit }).click();
    await expectText(paper.locator('.field-error'), 'Заполните это поле.');
    await expectFocus(page, d.paper.formNumber);
    await page.keyboard.type('М-0042');
    await paper.getByLabel(/^Скан подписанного бланка/).setInputFiles({ name: 'form.png', mimeType: 'image/png', buffer: png });
    await checkScreen('08-paper-dialog');
    await page.keyboard.press('Enter');
    await paper.waitFor({ state: 'detached' });
    await expectText(toastText(), `Согласие записано: ${marketing}.`);
    await expectText(consentRow(marketing).locator('.chip'), 'Действует');
    await expectText(consentRow(marketing), /бумажный бланк · бланк № М-0042 · редакция ru-v1/);
    await expectText(consentRow(marketing), /Принял\(а\): Регистраторова Анна/);
    await checkScreen('09-card-consent-given');
    await consentRow(marketing)
      .getByRole('button', { name: /Скан бланка/ })
      .click();
    const scan = dialog(d.scanView.title);
    await expectState(scan.getByRole('img', { name: d.scanView.alt }), 'visible');
    await checkScreen('10-scan');
    // Esc closes a dialog and gives the focus back to what opened it.
    await page.keyboard.press('Escape');
    await scan.waitFor({ state: 'detached' });
    await expectFocus(page, 'Скан бланка');
  });

  it('records a marketing withdrawal; appointment contact is untouched', async () => {
    await desk.engine.call('consent.give', { personId: newId, purpose: 'appointment', channel: 'in_person' });
    await page.keyboard.press('F2');
    await page.keyboard.type('Сидорова');
    await expectTexts(page.locator('.person-name'), ['Сидорова Анна Павловна']);
    await page.keyboard.press('Enter');
    await expectText(consentRow(appointment).locator('.chip'), 'Действует');
    await page.getByRole('button', { name: `Отзыв согласия: ${marketing}` }).click();
    const withdraw = dialog(d.withdraw.title);
    await withdraw.waitFor();
    await expectText(withdraw.locator('.dialog-description'), `Субъект отзывает согласие на цель «${marketing}».`);
    await withdraw.getByLabel(d.withdraw.channel).selectOption('email');
    await checkScreen('11-withdraw-dialog');
    await withdraw.getByRole('button', { name: d.withdraw.submit }).click();
    await withdraw.waitFor({ state: 'detached' });
    await expectText(consentRow(marketing).locator('.chip'), 'Отозвано');
    await expectText(consentRow(appointment).locator('.chip'), 'Действует');
    await expectText(page.getByTestId('history'), /Согласие отозвано\s*Рекламные и информационные рассылки[^·]*· по e-mail/);
  });

  it('the form’s code typed into the page opens the card at that purpose, ready to record it', async () => {
    // Typed into the search field, as a USB scanner would (fast, ending with Enter).
    await page.keyboard.press('F2');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`PD1:${petrovaId}:partners:ru-v1\n`, { delay: 5 });
    const paper = dialog(d.paper.title);
    await paper.waitFor();
    await expectText(page.getByTestId('person-name'), 'Петрова Мария Ивановна');
    await expectValue(paper.getByLabel(d.paper.formVersion), 'ru-v1');
    await expectValue(paper.getByRole('combobox', { name: d.consents.purpose }), 'partners');
    await expectText(paper.getByRole('status'), d.paper.fromCode.replace('{{version}}', 'ru-v1'));
    // The form number is the one thing left to type.
    await expectFocus(page, d.paper.formNumber);
    await checkScreen('12-code-paper-dialog');
    await page.keyboard.press('Escape');
    await paper.waitFor({ state: 'detached' });
    // The search field did not keep the code.
    await page.keyboard.press('F2');
    await expectValue(page.getByRole('searchbox'), '');
    // Typed anywhere else (focus on the page, not in a field), by hand.
    await page.getByRole('navigation').getByRole('button', { name: /Поиск/ }).focus();
    await page.keyboard.type(`PD1:${newId}:appointment:ru-v1`, { delay: 40 });
    await page.keyboard.press('Enter');
    await dialog(d.paper.title).waitFor();
    await expectText(page.getByTestId('person-name'), 'Сидорова Анна Павловна');
    await expectValue(dialog(d.paper.title).getByRole('combobox', { name: d.consents.purpose }), 'appointment');
    await expect.poll(() => page.locator('.row-highlight').count()).toBe(1);
    await page.keyboard.type('А-17');
    await page.keyboard.press('Enter');
    await dialog(d.paper.title).waitFor({ state: 'detached' });
    await expectText(consentRow(appointment), /бланк № А-17 · редакция ru-v1/);
  });

  it('registers a request with its due date and days left', async () => {
    await page.getByTestId('requests').getByRole('button', { name: d.actions.openRequest }).click();
    const request = dialog(d.request.title);
    await request.waitFor();
    await request.getByLabel(d.request.type).selectOption('access');
    await checkScreen('13-request-dialog');
    await request.getByRole('button', { name: d.request.submit }).click();
    await request.waitFor({ state: 'detached' });
    await expectText(toastText(), /Обращение № \d+ зарегистрировано, ответить до \d\d\.\d\d\.\d{4}\./);
    await expectText(page.getByTestId('requests').locator('.panel-note'), 'Открытых обращений: 1');
    await expectText(page.getByTestId('requests').getByRole('row').nth(1), /запрос сведений/);
    await expectText(page.getByTestId('requests').locator('.chip'), /осталось \d+ раб\. дн\./);
  });

  it('marks the data for verification and confirms it', async () => {
    await page.getByRole('button', { name: d.actions.markVerify }).click();
    const mark = dialog(d.verify.markTitle);
    await mark.getByLabel(/^Что проверить/).fill('Телефон не отвечает');
    await mark.getByRole('button', { name: d.verify.markSubmit }).click();
    await mark.waitFor({ state: 'detached' });
    await expectText(page.getByTestId('verify-banner'), /Данные на проверке с \d\d\.\d\d\.\d{4}\s*Что проверить: Телефон не отвечает/);
    await checkScreen('14-card-verification');
    await page.getByTestId('verify-banner').getByRole('button', { name: d.actions.confirmData }).click();
    const confirm = dialog(d.verify.confirmTitle);
    await checkScreen('15-confirm-verification');
    await confirm.getByRole('button', { name: d.verify.confirmSubmit }).click();
    await confirm.waitFor({ state: 'detached' });
    await expectState(page.getByTestId('verify-banner'), 'hidden');
  });

  it('blocks the record: it says why and since when, and edit actions are unavailable with that reason', async () => {
    await page.getByRole('button', { name: d.actions.block }).click();
    const block = dialog(d.block.title);
    await block.getByLabel(d.block.reason).selectOption('inaccurate_data');
    await block.getByLabel(d.block.requestedBy).selectOption('subject');
    await checkScreen('16-block-dialog');
    await block.getByRole('button', { name: d.block.submit, exact: true }).click();
    await block.waitFor({ state: 'detached' });
    const banner = page.getByTestId('blocked-banner');
    await expectText(banner, new RegExp(`Запись заблокирована с ${todayDisplay().replace(/\./g, '\\.')}`));
    await expectText(banner, /Причина: данные неточны \(на время проверки\)\. По требованию: субъект\./);
    const reason = `Недоступно: запись заблокирована с ${todayDisplay()} (данные неточны (на время проверки)).`;
    for (const name of [d.actions.edit, `Печать бланка: ${marketing}`, `Записать подписанный бланк: ${appointment}`]) {
      const button = page.getByRole('button', { name, exact: true });
      await expectAttribute(button, 'aria-disabled', 'true');
      expect(await button.getAttribute('title')).toBe(reason);
      const describedBy = await button.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe(reason);
    }
    // Unavailable buttons stay focusable (the reason is read out) but do nothing.
    await page.getByRole('button', { name: d.actions.edit, exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    expect(await page.getByRole('dialog').count()).toBe(0);
    // A withdrawal is still accepted while blocked.
    await expectAttribute(page.getByRole('button', { name: `Отзыв согласия: ${appointment}` }), 'aria-disabled', null);
    await checkScreen('17-card-blocked');
    // A scanned form for a blocked person opens the card but not the form.
    await page.keyboard.press('F2');
    await page.keyboard.type(`PD1:${newId}:marketing:ru-v1\n`, { delay: 5 });
    await expectText(toastText(), d.scan.blocked);
    expect(await page.getByRole('dialog').count()).toBe(0);
    // The search shows the block too.
    await page.keyboard.press('F2');
    await page.keyboard.type('Сидорова');
    await expectText(page.getByRole('option', { name: /Сидорова/ }).locator('.chip'), 'Заблокирован');
    await page.keyboard.press('Enter');
  });

  it('unblocks with the data corrected', async () => {
    await page.getByTestId('blocked-banner').getByRole('button', { name: d.actions.unblock }).click();
    const unblock = dialog(d.unblock.title);
    await unblock.getByLabel(d.unblock.outcome).selectOption('corrected');
    const phone = unblock.getByLabel(/^Телефон/);
    await phone.fill('');
    await phone.pressSequentially('+7 926 000 11 22');
    await checkScreen('18-unblock-dialog');
    await unblock.getByRole('button', { name: d.unblock.submit }).click();
    await unblock.waitFor({ state: 'detached' });
    await expectState(page.getByTestId('blocked-banner'), 'hidden');
    await expectText(page.locator('.facts').first(), /\+7 926 000 11 22/);
    await expectAttribute(page.getByRole('button', { name: d.actions.edit, exact: true }), 'aria-disabled', null);
    expect(problems).toEqual([]);
  });

  it('speaks Kazakh and English on the card', async () => {
    for (const [lng, label, lock] of [
      ['kk', 'Язык интерфейса', 'Құлыптау'],
      ['en', 'Интерфейс тілі', 'Lock'],
    ] as const) {
      await page.getByLabel(label).selectOption(lng);
      await expectState(page.getByRole('button', { name: lock, exact: true }), 'visible');
      await checkScreen(`19-card-${lng}`);
    }
    await page.getByLabel('Interface language').selectOption('ru');
    await expectState(page.getByRole('button', { name: 'Заблокировать', exact: true }), 'visible');
  });

  it('the manager sees the audit history and destroys the data with an act', async () => {
    await page.getByRole('button', { name: 'Заблокировать', exact: true }).click();
    await expectText(page.getByRole('heading', { level: 1 }), 'Вход');
    await signIn(page, 'manager');
    await page.keyboard.type('Сидорова');
    await page.keyboard.press('Enter');
    await expectText(page.getByTestId('history').locator('.panel-note'), d.history.fromAudit);
    await expectText(page.getByTestId('history'), /Напечатан бланк согласия/);
    await expectText(page.getByTestId('history'), /desk/);
    await page.getByRole('button', { name: d.actions.destroy }).click();
    const destroy = dialog(d.destroy.title);
    await destroy.waitFor();
    await expectValue(destroy.getByLabel('ФИО (1)'), 'Руководова Мария Петровна');
    await expectValue(destroy.getByLabel('Должность (1)'), 'Главный врач');
    await destroy.getByLabel(d.destroy.number).fill('У-2026/1');
    await destroy.getByLabel(/^Причина уничтожения/).fill('Отзыв согласия субъекта');
    const submit = destroy.getByRole('button', { name: d.destroy.submit });
    await expectState(submit, 'disabled');
    await destroy.getByLabel(`Для подтверждения введите номер субъекта: ${newId}`).fill(String(newId));
    await expectState(submit, 'enabled');
    await checkScreen('20-destroy-dialog');
    await submit.click();
    await destroy.waitFor({ state: 'detached', timeout: 30_000 });
    await expectText(
      page.getByTestId('destroyed-banner'),
      /Персональные данные уничтожены\s*Осталась только запись об уничтожении: акт № У-2026\/1 от \d\d\.\d\d\.\d{4}\./,
    );
    await expectText(page.getByRole('heading', { level: 1 }), `Субъект № ${newId}`);
    await checkScreen('21-card-destroyed');
    expect(problems).toEqual([]);
  });
});

// Backups from the settings screen, in a real Chromium through browser mode: a failed scheduled
// backup is shown to the manager on Home with a way to the settings; "Создать копию сейчас" runs
// with progress and the copy appears in the list as one that rotation manages; the schedule's
// fields are validated, saved after a confirmation and shown. Screenshots: out/screenshots/backup-*.png.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeE2E, expectState, expectText, launchChromium, screenshot, seriousAxeViolations, watchConsole } from './support/browser.ts';
import { ensureRendererBuilt } from './support/build.ts';
import { type DeskHost, signIn, startDeskHost } from './support/desk.ts';

describeE2E('browser mode: backups', () => {
  let browser: Browser | undefined;
  let desk: DeskHost | undefined;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchChromium();
    desk = await startDeskHost();
    // A scheduled backup that fails: its folder lies under a plain file.
    writeFileSync(join(desk.dir, 'not-a-folder'), '');
    await desk.as('manager', 'backup.setSettings', { folder: join(desk.dir, 'not-a-folder', 'backups') });
    await desk.engine.checkBackup();
    // Off until the test sets a schedule, so no scheduled copy races the one made from the page.
    await desk.as('manager', 'backup.setSettings', { folder: null, intervalHours: 0 });
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

  it('shows the failed scheduled backup on Home and leads to the backup settings', async () => {
    await page.goto(desk!.host.url);
    await signIn(page, 'manager');
    const banner = page.getByTestId('home-backup-warning');
    await expectText(banner.locator('.message-detail'), /^Автоматическая резервная копия не создана\. Папка резервных копий недоступна/);
    await checkScreen('backup-home-warning');
    await banner.getByRole('button', { name: 'Открыть настройки копий' }).click();
    await expectText(page.getByRole('heading', { level: 1 }), 'Настройки');
    await page.locator('[data-section="backup"]').click();
    await expectText(page.getByTestId('backup-list'), 'В папке копий пока нет файлов.');
  });

  it('creates a copy now and lists it', async () => {
    await page.getByRole('button', { name: 'Создать копию сейчас' }).click();
    await expectText(page.getByTestId('file-result').locator('.message-title'), 'Резервная копия создана и проверена', 60_000);
    const [file] = readdirSync(join(desk!.dir, 'backups')).filter((n) => n.endsWith('.pdesk'));
    expect(file).toMatch(/^register-\d{8}-\d{6}\.pdesk$/);
    const row = page.getByTestId('backup-list').locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    await expectText(row.locator('th'), file!);
    await expectText(row.locator('td').last(), 'В ротации');
    await expectText(page.getByTestId('backup-last'), new RegExp(`Последняя копия\\s+\\d{2}\\.\\d{2}\\.\\d{4} \\d{2}:\\d{2} — ${file!.replace('.', '\\.')}`));
  });

  it('validates the schedule, saves it after a confirmation and shows it', async () => {
    const form = page.getByTestId('backup-schedule');
    const interval = form.getByLabel('Интервал, часов');
    const keep = form.getByLabel('Сколько копий хранить');
    await keep.fill('0');
    await keep.press('Enter');
    await expectText(form.locator('.field-error').first(), 'Целое число от 1 до 1000');
    await expectState(keep, 'focused');
    await expectText(page.getByTestId('backup-last'), /Автоматические копии выключены/);
    await interval.fill('12');
    await keep.fill('5');
    await keep.press('Enter');
    const dialog = page.getByTestId('backup-confirm');
    await expectText(dialog.locator('p').first(), /каждые 12 ч.*5 последних/);
    await checkScreen('backup-confirm');
    await dialog.getByRole('button', { name: 'Сохранить' }).click();
    await expectState(dialog, 'hidden');
    await expectText(page.getByTestId('backup-last'), /Каждые 12 ч, хранить 5 последних/);
    await checkScreen('backup-settings');
  });
});

// Issue 3's acceptance as the user meets it: `npm start` on this machine (no Electron runtime can
// be downloaded here) says so in one line, starts browser mode and prints the one-time link; that
// link opened in Chromium is a working app that walks a first start through creating the register.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { electronRuntime } from '../../electron/runtime.ts';
import { missingRuntimeLine } from '../../electron/start.ts';
import { describeE2E, expectFocus, expectState, expectText, launchChromium, screenshot, seriousAxeViolations, watchConsole } from './support/browser.ts';
import { ensureRendererBuilt, repoRoot } from './support/build.ts';

const linkPattern = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/;

describeE2E('npm start (no Electron runtime): browser mode in Chromium', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let output = '';
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    // Built once for all e2e files; `npm start` then finds it fresh and does not rebuild.
    await ensureRendererBuilt();
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'pdesk-npm-start-'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null && child.pid) {
      // npm and the node it started share the group we gave them.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(electronRuntime() !== null)(
    'prints the missing-runtime line and the link; the link opens the first-start wizard',
    async () => {
      const dbPath = join(dir, 'data', 'register.pdesk');
      child = spawn('npm', ['start', '--', '--no-open', '--db', dbPath], {
        cwd: repoRoot,
        env: { ...process.env, PRIVACY_DESK_NO_OPEN: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no link printed within 60 s; output:\n${output}`)), 60_000);
        const check = () => {
          const m = linkPattern.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        };
        child!.stdout!.on('data', check);
        child!.on('exit', (code) => reject(new Error(`npm start exited (${code}) before printing a link; output:\n${output}`)));
      });
      expect(output).toContain(missingRuntimeLine);

      const context = await browser!.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      problems = watchConsole(page);
      await page.goto(url);
      await expectText(page.getByRole('heading', { level: 1 }), 'Создание реестра');
      await expectFocus(page, 'Россия');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, '00-npm-start-first-start');

      // Through the wizard to the home screen: the app works, not just its first page.
      await page.getByLabel('Наименование организации').fill('ТОО «Клиника Денсаулық»');
      await page.getByRole('radio', { name: /Казахстан/ }).check();
      await page.getByLabel('Адрес организации').fill('г. Алматы, пр. Абая, 10');
      await page.getByLabel('БИН').fill('123456789012');
      await expectState(page.getByLabel(/ОГРН/), 'hidden');
      await page.getByRole('button', { name: 'Далее' }).click();
      await page.getByLabel('Логин').fill('manager');
      await page.getByLabel('ФИО').fill('Сейткали Айгерим');
      await page.getByLabel('Пароль', { exact: true }).fill('manager-password');
      await page.getByLabel('Пароль ещё раз').fill('manager-password');
      await page.getByRole('button', { name: 'Создать реестр' }).click();
      await expectText(page.getByTestId('recovery-code'), /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/, 30_000);
      expect(existsSync(dbPath)).toBe(true);
      await page.getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Перейти ко входу' }).click();
      await page.getByLabel('Пароль').fill('manager-password');
      await page.keyboard.press('Enter');
      await expectState(page.getByRole('searchbox', { name: 'Найти человека' }), 'focused');
      await expectText(page.getByRole('banner'), /Сейткали Айгерим\s+администратор/);
      expect(problems).toEqual([]);

      // Ctrl+C in the terminal (SIGINT to the whole group): npm goes down with the signal, and the
      // app stops its host — the port answers no more.
      const exited = new Promise<void>((resolve) => child!.on('exit', () => resolve()));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      await expect
        .poll(
          () =>
            fetch(new URL(url).origin).then(
              () => 'answering',
              () => 'closed',
            ),
          { timeout: 10_000 },
        )
        .toBe('closed');
    },
    180_000,
  );
});

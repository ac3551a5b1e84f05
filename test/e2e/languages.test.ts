// Kazakh and English are complete alternatives: the same screens, nothing left in Russian, nothing
// clipped, and still accessible. Run on a small reception screen (1024×768) as well, where long
// Kazakh words have the least room. Screenshots: out/screenshots/lang-*.png.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../db/engine/engine.ts';
import { startBrowserHost } from '../../electron/browser-host.ts';
import en from '../../renderer/i18n/en.json' with { type: 'json' };
import kk from '../../renderer/i18n/kk.json' with { type: 'json' };
import ru from '../../renderer/i18n/ru.json' with { type: 'json' };
import { describeE2E, expectText, launchChromium, screenshot, seriousAxeViolations, watchConsole } from './support/browser.ts';
import { ensureRendererBuilt, rendererOut } from './support/build.ts';

function leaves(value: unknown): string[] {
  return value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [String(value)];
}

// Russian sentences that would show up if a string escaped translation: every Russian text that the
// other language does not share (names of languages and the like are the same in all three).
function russianLeftovers(body: string, dict: unknown): string[] {
  const own = new Set(leaves(dict));
  return leaves(ru).filter((s) => s.length >= 4 && !s.includes('{{') && !own.has(s) && body.includes(s));
}

describeE2E('browser mode in Kazakh and English', () => {
  let dir = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'pdesk-e2e-lang-'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function check(page: Page, problems: string[], name: string, dict: unknown): Promise<void> {
    expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
    expect(problems, `console on ${name}`).toEqual([]);
    // Nothing wider than the window, and no text cut inside its box.
    const overflow = (await page.evaluate(`(() => {
      const out = [];
      if (document.documentElement.scrollWidth > window.innerWidth) out.push('page is wider than the window');
      for (const el of document.querySelectorAll('h1, h2, label, button, p, li, legend, span')) {
        if (el.closest('.visually-hidden')) continue;
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible') out.push(el.textContent.slice(0, 60));
      }
      return out;
    })()`)) as string[];
    expect(overflow, `overflow on ${name}`).toEqual([]);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright Locator API (visible text)
    const visible = await page.locator('body').innerText();
    expect(russianLeftovers(visible, dict), `Russian left on ${name}`).toEqual([]);
    await screenshot(page, name);
  }

  for (const [lng, dict] of [
    ['kk', kk],
    ['en', en],
  ] as const) {
    it(`${lng}: first start, unlock and recovery screens`, async () => {
      const context = await browser!.newContext({ viewport: { width: 1024, height: 768 } });
      // The language choice lives in localStorage; set it before the page's own script runs.
      await context.addInitScript(`localStorage.setItem('privacy-desk.language', '${lng}')`);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const problems = watchConsole(page);
      // Each language starts from no register at all.
      const engine = new Engine({ dbPath: join(dir, `register-${lng}.pdesk`) });
      const host = await startBrowserHost({ engine, staticDir: rendererOut });
      try {
        await page.goto(host.url);
        await expectText(page.getByRole('heading', { level: 1 }), dict.firstStart.title);
        expect(await page.locator('html').getAttribute('lang')).toBe(lng);
        await page.getByRole('button', { name: dict.common.next }).click();
        await expectText(page.locator('.field-error').first(), dict.validation.required);
        await check(page, problems, `lang-${lng}-01-first-start-errors`, dict);
        await page.getByRole('radio', { name: dict.firstStart.operator.jurisdictionKZ }).check();
        await page.getByLabel(dict.firstStart.operator.name).fill('Clinic');
        await page.getByLabel(dict.firstStart.operator.address).fill('Almaty');
        await page.getByLabel(dict.firstStart.operator.taxIdKZ).fill('123456789012');
        await page.getByRole('button', { name: dict.common.next }).click();
        await page.getByRole('button', { name: dict.firstStart.admin.create }).click();
        await check(page, problems, `lang-${lng}-02-first-start-admin-errors`, dict);
        await page.getByLabel(dict.firstStart.admin.login, { exact: true }).fill('admin');
        await page.getByLabel(dict.firstStart.admin.fullName).fill('Seitkali Aigerim');
        await page.getByLabel(dict.firstStart.admin.password, { exact: true }).fill('admin-password');
        await page.getByLabel(dict.firstStart.admin.passwordConfirm).fill('admin-password');
        await page.getByRole('button', { name: dict.firstStart.admin.create }).click();
        await page.getByTestId('recovery-code').waitFor({ timeout: 30_000 });
        await check(page, problems, `lang-${lng}-03-recovery-code`, dict);
        await page.getByRole('checkbox').check();
        await page.getByRole('button', { name: dict.firstStart.recovery.continue }).click();
        await expectText(page.getByRole('heading', { level: 1 }), dict.unlock.title);
        await page.getByLabel(dict.unlock.login).fill('admin');
        await page.getByLabel(dict.unlock.password).fill('wrong-password');
        await page.keyboard.press('Enter');
        await expectText(page.getByRole('alert'), dict.unlock.wrongPassword);
        await check(page, problems, `lang-${lng}-04-unlock-wrong-password`, dict);
        await page.getByRole('button', { name: dict.unlock.forgot }).click();
        await page.getByRole('button', { name: dict.recover.submit }).click();
        await check(page, problems, `lang-${lng}-05-recover-errors`, dict);
      } finally {
        await context.close();
        await host.close();
        await engine.dispose();
      }
    }, 120_000);
  }
});

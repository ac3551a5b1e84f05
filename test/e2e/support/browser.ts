// Debian's Chromium driven by playwright-core. A missing browser fails the e2e tests loudly; only
// PRIVACY_DESK_SKIP_E2E=1 turns them off (and then they show as skipped, not passed).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type ConsoleMessage, chromium, type Locator, type Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { repoRoot } from './build.ts';

export const chromiumPath = process.env.PRIVACY_DESK_CHROMIUM ?? '/usr/bin/chromium';
export const skipE2E = process.env.PRIVACY_DESK_SKIP_E2E === '1';
export const describeE2E = skipE2E ? describe.skip : describe;
export const screenshotDir = join(repoRoot, 'out', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium не найден: ${chromiumPath}. Установите его (Debian/Ubuntu: sudo apt-get install -y chromium), ` +
        'укажите путь в PRIVACY_DESK_CHROMIUM или отключите e2e-тесты: PRIVACY_DESK_SKIP_E2E=1.',
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Every console error and uncaught page error (a CSP violation is reported as a console error).
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

// Serious and critical findings only: the acceptance bar of issues 3 and 4.
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// Playwright's web-first assertions live in @playwright/test, which is not a dependency: these wait
// the same way with vitest's expect.poll.
const pollOptions = { timeout: 15_000, interval: 50 };

export const texts = (l: Locator) => l.allInnerTexts().then((a) => a.map((s) => s.trim()));

export async function expectText(l: Locator, expected: string | RegExp, timeout = pollOptions.timeout): Promise<void> {
  const check = expect.poll(
    () =>
      l
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright Locator API
        .innerText({ timeout })
        .then((s) => s.trim())
        .catch(() => null),
    { ...pollOptions, timeout },
  );
  if (typeof expected === 'string') await check.toBe(expected);
  else await check.toMatch(expected);
}

export async function expectTexts(l: Locator, expected: string[]): Promise<void> {
  await expect.poll(() => texts(l), pollOptions).toEqual(expected);
}

export async function expectValue(l: Locator, expected: string): Promise<void> {
  await expect.poll(() => l.inputValue(), pollOptions).toBe(expected);
}

export async function expectAttribute(l: Locator, name: string, expected: string | null): Promise<void> {
  await expect.poll(() => l.getAttribute(name), pollOptions).toBe(expected);
}

export async function expectState(l: Locator, state: 'visible' | 'hidden' | 'enabled' | 'disabled' | 'focused'): Promise<void> {
  const probe = async () => {
    switch (state) {
      case 'visible':
        return l.isVisible();
      case 'hidden':
        return l.isHidden();
      case 'enabled':
        return l.isEnabled();
      case 'disabled':
        return l.isDisabled();
      case 'focused':
        return l.evaluate((el) => el === (el as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement);
    }
  };
  await expect.poll(probe, pollOptions).toBe(true);
}

// The accessible label (or text) of whatever has keyboard focus.
export function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(
    `(() => { const el = document.activeElement; if (!el) return ''; const l = el.labels && el.labels[0]; return ((l ? l.textContent : el.textContent) || '').trim(); })()`,
  ) as Promise<string>;
}

export async function expectFocus(page: Page, pattern: string | RegExp): Promise<void> {
  const check = expect.poll(() => focusedLabel(page), pollOptions);
  if (typeof pattern === 'string') await check.toContain(pattern);
  else await check.toMatch(pattern);
}

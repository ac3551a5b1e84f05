// A browser-mode host over a fresh register with the three users the desk tests need: admin
// (administrator), manager (manager) and desk (receptionist). Created through the engine, not the
// wizard (first-start.test.ts covers that), so each desk test starts in a second or two.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Engine } from '../../../db/engine/engine.ts';
import type { Jurisdiction } from '../../../db/schemas.ts';
import { type BrowserHost, startBrowserHost } from '../../../electron/browser-host.ts';
import { expectState } from './browser.ts';
import { rendererOut } from './build.ts';

export const deskUsers = {
  admin: { login: 'admin', password: 'admin-password-1', fullName: 'Админова Алия', position: 'Системный администратор' },
  manager: { login: 'manager', password: 'manager-password-1', fullName: 'Руководова Мария Петровна', position: 'Главный врач' },
  desk: { login: 'desk', password: 'desk-password-1', fullName: 'Регистраторова Анна', position: 'Администратор регистратуры' },
} as const;

export interface DeskHost {
  dir: string;
  exportsDir: string;
  engine: Engine;
  host: BrowserHost;
  // Folders the page asked the host to open (the OS opener is replaced in tests).
  revealed: string[];
  // Runs an operation as `login` from the test itself (the page's session is replaced).
  as<T = unknown>(login: keyof typeof deskUsers, op: string, input: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startDeskHost(o: { jurisdiction?: Jurisdiction; dbPath?: string } = {}): Promise<DeskHost> {
  const dir = mkdtempSync(join(tmpdir(), 'pdesk-e2e-desk-'));
  const exportsDir = join(dir, 'exports');
  mkdirSync(exportsDir);
  const engine = new Engine({ dbPath: o.dbPath ?? join(dir, 'register.pdesk') });
  if (!o.dbPath) {
    const { admin } = deskUsers;
    await engine.create({
      operator: { name: 'ООО «Клиника „Здоровье“»', address: 'г. Москва, ул. Лесная, д. 5', taxId: '7701234567' },
      jurisdiction: o.jurisdiction ?? 'RU',
      admin: { login: admin.login, fullName: admin.fullName, position: admin.position, password: admin.password },
    });
    await engine.unlock(admin.login, admin.password);
    for (const [role, u] of [
      ['manager', deskUsers.manager],
      ['receptionist', deskUsers.desk],
    ] as const) {
      await engine.call('user.add', { login: u.login, fullName: u.fullName, position: u.position, role, password: u.password });
    }
    await engine.lock();
  }
  const revealed: string[] = [];
  const host = await startBrowserHost({
    engine,
    staticDir: rendererOut,
    exportsDir,
    openFolder: (folder) => {
      revealed.push(folder);
      return { ok: true };
    },
  });
  return {
    dir,
    exportsDir,
    engine,
    host,
    revealed,
    as: async <T>(login: keyof typeof deskUsers, op: string, input: unknown) => {
      const u = deskUsers[login];
      if (engine.status().actor?.login !== u.login) await engine.unlock(u.login, u.password);
      return (await engine.call(op, input)) as T;
    },
    close: async () => {
      await host.close();
      await engine.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Signs in with the keyboard alone and waits for the search field to take focus.
export async function signIn(page: Page, login: keyof typeof deskUsers): Promise<void> {
  const u = deskUsers[login];
  await page.getByLabel('Логин').waitFor();
  await page.getByLabel('Логин').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(u.login);
  await page.keyboard.press('Tab');
  await page.keyboard.type(u.password);
  await page.keyboard.press('Enter');
  await expectState(page.getByRole('searchbox', { name: 'Найти человека' }), 'focused');
}

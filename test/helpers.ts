import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../db/api.ts';
import type { Ctx } from '../db/context.ts';
import { createRegister, openRegister, type Session } from '../db/register.ts';
import type { Jurisdiction } from '../db/schemas.ts';

export const passwords = { admin: 'admin-pass-1', manager: 'manager-pass-1', desk: 'desk-pass-1' } as const;

export interface TestRegister {
  dir: string;
  dbPath: string;
  recoveryCode: string;
  admin: Session;
  manager: Session;
  desk: Session;
  open: (login: string, password: string) => Promise<Session>;
  cleanup: () => void;
}

// A real encrypted register in a temp dir with three users: admin (administrator), manager,
// desk (receptionist). The clock is fixed unless `now` is given.
export async function makeRegister(o: { jurisdiction?: Jurisdiction; now?: () => Date } = {}): Promise<TestRegister> {
  const dir = mkdtempSync(join(tmpdir(), 'pdesk-test-'));
  const dbPath = join(dir, 'register.pdesk');
  const now = o.now ?? (() => new Date('2026-02-16T09:00:00'));
  const { recoveryCode } = await createRegister(
    {
      dbPath,
      operator: { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1', taxId: '7701234567' },
      jurisdiction: o.jurisdiction ?? 'RU',
      admin: { login: 'admin', fullName: 'Админов Админ', position: 'Системный администратор', password: passwords.admin },
    },
    now,
  );
  const sessions: Session[] = [];
  const open = async (login: string, password: string) => {
    const s = await openRegister({ dbPath, login, password, now });
    sessions.push(s);
    return s;
  };
  const admin = await open('admin', passwords.admin);
  await dispatch(admin.ctx, 'user.add', { login: 'manager', fullName: 'Руководова Мария Петровна', position: 'Главный врач', role: 'manager', password: passwords.manager });
  await dispatch(admin.ctx, 'user.add', { login: 'desk', fullName: 'Регистраторова Анна', position: 'Администратор регистратуры', role: 'receptionist', password: passwords.desk });
  const manager = await open('manager', passwords.manager);
  const desk = await open('desk', passwords.desk);
  return {
    dir,
    dbPath,
    recoveryCode,
    admin,
    manager,
    desk,
    open,
    cleanup: () => {
      for (const s of sessions) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function call(ctx: Ctx, name: string, input: unknown = {}): Promise<any> {
  return dispatch(ctx, name, input);
}

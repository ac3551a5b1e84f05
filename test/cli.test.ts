import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateCommanderError } from '../db/cli/program.ts';
import { applyKey } from '../db/connection.ts';
import { defaultDbPath } from '../db/paths.ts';
import { makeRegister, passwords } from './helpers.ts';

// The real `privacy-desk` command in a child process, as a manager's script would run it. The
// child inherits VITEST and PRIVACY_DESK_TEST_FAST_KDF from this worker, so unlocks stay fast.

const cliPath = fileURLToPath(new URL('../db/cli/privacy-desk.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], o: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PRIVACY_DESK_DB: undefined,
      PRIVACY_DESK_USER: undefined,
      PRIVACY_DESK_PASSWORD: undefined,
      PRIVACY_DESK_NEW_PASSWORD: undefined,
      ...base,
      ...o.env,
    };
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(o.input ?? '');
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

let dir: string;
let dbPath: string;
let base: Record<string, string>;
let recoveryCode: string;

const as = (user: string, password: string) => ({ env: { PRIVACY_DESK_USER: user, PRIVACY_DESK_PASSWORD: password } });
const admin = as('admin', 'admin-pass-1');
const manager = as('manager', 'manager-pass-1');
const desk = as('desk', 'desk-pass-1');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-cli-'));
  dbPath = join(dir, 'data', 'register.pdesk');
  base = { PRIVACY_DESK_DB: dbPath };
  const init = await run(
    [
      '--json',
      'init',
      '--operator-name',
      'ООО «Клиника Здоровье»',
      '--operator-address',
      'г. Москва, ул. Ленина, д. 1',
      '--tax-id',
      '7701234567',
      '--admin-login',
      'admin',
      '--admin-name',
      'Админов Админ',
    ],
    { env: { PRIVACY_DESK_PASSWORD: 'admin-pass-1' } },
  );
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
  const created = JSON.parse(init.stdout) as { dbPath: string; recoveryCode: string };
  expect(created.dbPath).toBe(dbPath);
  recoveryCode = created.recoveryCode;
  for (const [login, role, password, position] of [
    ['manager', 'manager', 'manager-pass-1', 'Главный врач'],
    ['desk', 'receptionist', 'desk-pass-1', 'Регистратор'],
  ]) {
    const r = await run(['user', 'add', login as string, '--name', `Сотрудник ${login}`, '--role', role as string, '--position', position as string], {
      env: { ...admin.env, PRIVACY_DESK_NEW_PASSWORD: password },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('help', () => {
  it.each([
    [['--help']],
    [['person', '--help']],
    [['person', 'add', '--help']],
    [['request', 'open', '--help']],
    [['help', 'consent']],
    [['user', 'add', '-h']],
  ])('%j prints Russian help and exits 0', async (args) => {
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Использование: privacy-desk/);
    expect(r.stdout).toContain('Опции:');
    expect(r.stdout).not.toMatch(/\bUsage:|display help/);
  });

  it('the top level lists every subcommand of the issue', async () => {
    const r = await run(['--help']);
    for (const c of [
      'init',
      'user',
      'person',
      'consent',
      'block',
      'unblock',
      'mark-verify',
      'clear-verify',
      'request',
      'destroy',
      'verify',
      'backup',
      'restore',
      'key',
      'recover',
      'recovery',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    }
  });
});

describe('usage errors exit 2 with one Russian line', () => {
  it.each([
    [['bogus'], 'неизвестная команда «bogus»'],
    [['person', 'add', '--name', 'Х', '--source', 'walk_in', '--bogus'], 'неизвестная опция «--bogus»'],
    [['person', 'add', '--name', 'Х'], 'не указана обязательная опция «--source <источник>»'],
    [['person', 'add', '--name', 'Х', '--source', 'street'], 'недопустимое значение «street» у опции «--source <источник>»'],
    [['person', 'show'], 'не указан обязательный аргумент «номер»'],
    [['person', 'show', 'abc'], 'неверное значение «abc» аргумента «номер»'],
    [['destroy', '1', '--act-number', 'А-1', '--reason', 'отзыв', '--method', 'удаление'], 'уничтожение необратимо: подтвердите его флагом --yes'],
    [['person'], ''],
  ])('%j', async (args, message) => {
    const r = await run(args, admin);
    expect(r.code).toBe(2);
    if (message) {
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing user is a usage error too', async () => {
    const r = await run(['user', 'list'], { env: { PRIVACY_DESK_PASSWORD: 'admin-pass-1' } });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['privacy-desk: не указан пользователь: --user ЛОГИН или переменная PRIVACY_DESK_USER. Справка: privacy-desk --help']);
  });

  it('translates what commander says', () => {
    expect(translateCommanderError("error: unknown option '--jsn'\n(Did you mean --json?)")).toBe(
      'неизвестная опция «--jsn» (возможно, имелось в виду: --json)',
    );
    expect(translateCommanderError("error: too many arguments for 'list'. Expected 0 arguments but got 1.")).toBe('лишние аргументы у команды «list»');
  });
});

describe('failures exit 1 with exactly one line on stderr', () => {
  it('a wrong password says only that', async () => {
    const r = await run(['user', 'list'], as('admin', 'wrong-password'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('privacy-desk: Неверный логин или пароль.\n');
  });

  it('a refusal by a rule is one line; with --json the error is also one JSON object on stdout', async () => {
    const r = await run(['--json', 'key', 'export-raw'], desk);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^privacy-desk: Недостаточно прав/);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('a missing register names the path', async () => {
    const r = await run(['user', 'list'], { env: { ...admin.env, PRIVACY_DESK_DB: join(dir, 'nowhere.pdesk') } });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`privacy-desk: Реестр не найден: ${join(dir, 'nowhere.pdesk')}`]);
  });
});

describe('--json results', () => {
  it('person add prints one JSON object with a numeric id and the E.164 phone', async () => {
    const r = await run(
      ['--json', 'person', 'add', '--name', 'Петров Пётр Петрович', '--phone', '8 (912) 345-67-01', '--email', 'petrov@example.ru', '--source', 'walk_in'],
      desk,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const p = JSON.parse(r.stdout);
    expect(typeof p.id).toBe('number');
    expect(p.id).toBeGreaterThan(0);
    expect(p).toMatchObject({ fullName: 'Петров Пётр Петрович', phone: '+79123456701', email: 'petrov@example.ru', source: 'walk_in' });

    const again = await run(['person', 'add', '--name', 'Другой Человек', '--phone', '+7 912 345 67 01', '--source', 'walk_in'], desk);
    expect(again.code).toBe(1);
    expect(lines(again.stderr)).toHaveLength(1);
    expect(again.stderr).toContain(`№${p.id}`);
    expect(again.stderr).not.toContain('345');

    const found = await run(['--json', 'person', 'find', 'петр'], desk);
    expect(JSON.parse(found.stdout).items.map((i: { id: number }) => i.id)).toContain(p.id);
  });

  it('request open prints the due date as YYYY-MM-DD', async () => {
    const p = JSON.parse(
      (await run(['--json', 'person', 'add', '--name', 'Сидорова Анна', '--email', 'sidorova@example.ru', '--source', 'website_form'], desk)).stdout,
    );
    const r = await run(
      ['--json', 'request', 'open', '--type', 'access', '--channel', 'in_person', '--person', String(p.id), '--received', '16.02.2026'],
      desk,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const req = JSON.parse(r.stdout);
    expect(typeof req.id).toBe('number');
    expect(req.due).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // domain.md's example: received Monday 16.02.2026, due Tuesday 03.03.2026.
    expect(req).toMatchObject({ receivedAt: '2026-02-16', due: '2026-03-03', personId: p.id });

    const human = await run(['request', 'list', '--status', 'all', '--person', String(p.id)], desk);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('16.02.2026');
    expect(human.stdout).toContain('03.03.2026');
  });

  it('lists are wrapped in one object', async () => {
    const r = await run(['--json', 'user', 'list'], admin);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).users.map((u: { login: string }) => u.login)).toEqual(['admin', 'manager', 'desk']);
  });
});

describe('passwords', () => {
  it('--password-stdin reads the password from the first line of stdin', async () => {
    const r = await run(['--json', '--user', 'manager', '--password-stdin', 'verify'], { input: 'manager-pass-1\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });

  it('without a terminal, stdin flag or variable the password is missing: a usage error, no hang', async () => {
    const r = await run(['--user', 'manager', 'verify']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('Пароль пользователя manager не задан');
  });

  it("user passwd changes one's own password (old one from the session, new one from stdin)", async () => {
    const r = await run(['--user', 'desk', '--password-stdin', 'user', 'passwd'], { input: 'desk-pass-1\ndesk-pass-2\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await run(['user', 'list'], as('desk', 'desk-pass-1'))).code).toBe(1);
    const back = await run(['--user', 'desk', '--password-stdin', 'user', 'passwd'], { input: 'desk-pass-2\ndesk-pass-1\n' });
    expect(back.code).toBe(0);
  });

  it('recover sets a new password with the recovery code printed by init', async () => {
    expect(recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    const wrong = await run(['recover', 'manager'], {
      env: { PRIVACY_DESK_RECOVERY_CODE: 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA', PRIVACY_DESK_NEW_PASSWORD: 'x-new-pass-1' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('privacy-desk: Неверный код восстановления.\n');
    const ok = await run(['--password-stdin', 'recover', 'manager'], { input: `${recoveryCode.toLowerCase()}\nmanager-pass-9\n` });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect((await run(['verify'], as('manager', 'manager-pass-9'))).code).toBe(0);
    const back = await run(['--user', 'manager', '--password-stdin', 'user', 'passwd'], { input: 'manager-pass-9\nmanager-pass-1\n' });
    expect(back.code).toBe(0);
  });
});

describe('manager commands', () => {
  it('key export-raw prints the 64-hex key to a manager only', async () => {
    const r = await run(['--json', 'key', 'export-raw'], manager);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('backup writes an encrypted copy beside the register and restore brings it back, keeping the replaced file', async () => {
    const b = await run(['--json', 'backup'], admin);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const backup = JSON.parse(b.stdout) as { path: string; keyringPath: string };
    expect(backup.path.startsWith(join(dir, 'data', 'backups', 'register-'))).toBe(true);
    expect(existsSync(backup.keyringPath)).toBe(true);

    const added = JSON.parse((await run(['--json', 'person', 'add', '--name', 'После Копии', '--source', 'other'], desk)).stdout) as { id: number };
    const restored = await run(['--json', 'restore', backup.path], manager);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).replacedPath).toMatch(/register\.pdesk\.replaced-\d{8}-\d{6}$/);
    expect(readdirSync(join(dir, 'data')).some((n) => n.startsWith('register.pdesk.replaced-'))).toBe(true);
    const gone = await run(['person', 'show', String(added.id)], desk);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`privacy-desk: Субъект №${added.id} не найден.\n`);
    expect((await run(['verify'], manager)).code).toBe(0);

    const refused = await run(['restore', backup.path], desk);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toHaveLength(1);
  });
});

describe('default register path', () => {
  it('follows each OS and PRIVACY_DESK_DB', () => {
    expect(defaultDbPath({ platform: 'win32', env: { APPDATA: 'C:\\Users\\reg\\AppData\\Roaming' }, home: 'C:\\Users\\reg' })).toBe(
      'C:\\Users\\reg\\AppData\\Roaming\\PrivacyDesk\\register.pdesk',
    );
    expect(defaultDbPath({ platform: 'darwin', env: {}, home: '/Users/reg' })).toBe('/Users/reg/Library/Application Support/PrivacyDesk/register.pdesk');
    expect(defaultDbPath({ platform: 'linux', env: {}, home: '/home/reg' })).toBe('/home/reg/.local/share/privacy-desk/register.pdesk');
    expect(defaultDbPath({ platform: 'linux', env: { XDG_DATA_HOME: '/data/reg' }, home: '/home/reg' })).toBe('/data/reg/privacy-desk/register.pdesk');
    expect(defaultDbPath({ platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, home: '/home/reg' })).toBe(
      '/home/reg/.local/share/privacy-desk/register.pdesk',
    );
    expect(defaultDbPath({ platform: 'win32', env: { PRIVACY_DESK_DB: 'D:\\r.pdesk' } })).toBe('D:\\r.pdesk');
  });
});

describe('verify', () => {
  it('names the first altered row of the audit log and exits 1; --json carries the details', async () => {
    const reg = await makeRegister();
    try {
      const key = Buffer.from(reg.manager.ctx.rawKey);
      reg.admin.close();
      reg.manager.close();
      reg.desk.close();
      const env = { env: { PRIVACY_DESK_DB: reg.dbPath, PRIVACY_DESK_USER: 'manager', PRIVACY_DESK_PASSWORD: passwords.manager } };
      expect((await run(['verify'], env)).code).toBe(0);
      const db = new Database(reg.dbPath);
      applyKey(db, key);
      db.exec('DROP TRIGGER audit_no_update');
      db.prepare("UPDATE audit SET action = 'login.tampered' WHERE id = 3").run();
      db.close();
      const r = await run(['--json', 'verify'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('privacy-desk: Журнал событий повреждён: Запись журнала №3 изменена после того, как была сделана.\n');
      expect(lines(r.stdout)).toHaveLength(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'audit_broken', details: { ok: false, firstBadId: 3 } } });
    } finally {
      reg.cleanup();
    }
  });
});

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../db/cli/main.ts';
import { makeRegister, passwords, type TestRegister } from './helpers.ts';

// `privacy-desk import` as a manager's script and a person at a terminal use it. The child
// inherits PRIVACY_DESK_TEST_FAST_KDF from the vitest worker, so unlocks stay fast.

const cliPath = fileURLToPath(new URL('../db/cli/privacy-desk.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/import/leads-bad-rows.csv', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let reg: TestRegister;
afterEach(() => reg?.cleanup());

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, PRIVACY_DESK_DB: reg.dbPath, PRIVACY_DESK_USER: 'desk', PRIVACY_DESK_PASSWORD: passwords.desk, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

function persons(): number {
  return (reg.admin.ctx.db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n;
}
function auditRows(): number {
  // Every run of the command logs its login; everything else must stay as it was.
  return (reg.admin.ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action <> 'login'").get() as { n: number }).n;
}

async function withExisting() {
  reg = await makeRegister();
  const { dispatch } = await import('../db/api.ts');
  await dispatch(reg.desk.ctx, 'person.add', { fullName: 'Кузнецов Олег', phone: '+7 903 555-66-77', source: 'walk_in' });
}

describe('privacy-desk import', () => {
  it('--dry-run lists every problem with its line and writes nothing', async () => {
    await withExisting();
    const before = { persons: persons(), audit: auditRows() };
    const r = await run(['import', fixture, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Файл: CSV, кодировка UTF-8, разделитель «;», заголовки в строке 1.');
    expect(r.stdout).toContain('Строк данных: 8; будут добавлены: 3; с ошибками: 3; дубликаты: 2.');
    expect(lines.filter((l) => l.startsWith('  строка '))).toEqual([
      '  строка 3, «Телефон»: Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.',
      '  строка 4, «ФИО»: Не указано ФИО.',
      '  строка 5, «Телефон»: Повтор строки 2: тот же телефон.',
      '  строка 6, «Телефон»: Уже есть в реестре: субъект №1 (совпадает телефон).',
      '  строка 9, «E-mail»: Адрес e-mail записан неверно: ожидается вид имя@домен.зона, без пробелов.',
    ]);
    expect({ persons: persons(), audit: auditRows() }).toEqual(before);

    const j = await run(['--json', 'import', fixture, '--dry-run']);
    expect(j.code).toBe(0);
    const preview = JSON.parse(j.stdout);
    expect(preview).toMatchObject({ total: 8, valid: 3, invalid: 3, duplicates: 2, encoding: 'utf-8' });
    expect(preview.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6, 9]);
  });

  it('without a terminal it asks for --yes (exit 2) and writes nothing; with --yes it imports the valid rows', async () => {
    await withExisting();
    const before = { persons: persons(), audit: auditRows() };
    const refused = await run(['import', fixture]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^privacy-desk: для записи подтвердите импорт: запустите команду в терминале или добавьте --yes \(будут добавлены 3 субъектов\)/,
    );
    expect({ persons: persons(), audit: auditRows() }).toEqual(before);

    const done = await run(['--json', 'import', fixture, '--yes', '--source', 'website_form']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const out = JSON.parse(done.stdout);
    expect(out.commit).toMatchObject({ inserted: 3, skipped: 5, firstPersonId: 2, lastPersonId: 4 });
    expect(out.preview.sha256).toBe(out.commit.sha256);
    expect(persons()).toBe(before.persons + 3);
    // Line 10 has no source of its own: --source applies.
    expect(reg.admin.ctx.db.prepare('SELECT source FROM persons WHERE id = 4').get()).toEqual({ source: 'website_form' });

    // Run again: everything is now a duplicate, nothing to import.
    const again = await run(['import', fixture, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('будут добавлены: 0; с ошибками: 3; дубликаты: 5.');
    expect(again.stderr).toContain('Нечего импортировать');
    expect(persons()).toBe(before.persons + 3);
  });

  it('--map picks columns by header or number, and refuses a file it cannot map', async () => {
    reg = await makeRegister();
    const file = join(reg.dir, 'leads.csv');
    writeFileSync(file, 'Клиент;Контакт;Адрес почты\nИванов Иван;+7 916 111-22-33;ivan@example.ru\n');
    const unmapped = await run(['import', file, '--yes', '--map', 'fullName=']);
    expect(unmapped.code).toBe(1);
    expect(unmapped.stdout).toContain('Не готово к импорту: Не выбран столбец с ФИО');
    expect(unmapped.stdout).toContain('#1 «Клиент», #2 «Контакт», #3 «Адрес почты»');
    expect(unmapped.stderr).toMatch(/^privacy-desk: Импорт невозможен: Не выбран столбец с ФИО/);
    const r = await run(['--json', 'import', file, '--yes', '--map', 'phone=#2,email=Адрес почты']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).preview.mapping).toEqual({ fullName: 'Клиент', phone: 'Контакт', email: 'Адрес почты' });
    expect(reg.admin.ctx.db.prepare('SELECT full_name, phone, email FROM persons').all()).toEqual([
      { full_name: 'Иванов Иван', phone: '+79161112233', email: 'ivan@example.ru' },
    ]);
  });

  it('says clearly what is wrong with the call or the file', async () => {
    reg = await makeRegister();
    const badField = await run(['import', fixture, '--map', 'name=ФИО']);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('неизвестное поле «name»');
    const missing = await run(['import', join(reg.dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('файл не найден или недоступен');
    const garbage = join(reg.dir, 'garbage.csv');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const g = await run(['import', garbage, '--dry-run']);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/^privacy-desk: Файл не похож на таблицу CSV/);
    expect(persons()).toBe(0);
  });
});

// A person at a terminal: the confirmation question, answered "да" or "нет".
describe('privacy-desk import at a terminal', () => {
  async function atTerminal(answer: string) {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const prompt = Object.assign(new PassThrough(), { isTTY: true });
    let promptText = '';
    prompt.on('data', (d: Buffer) => {
      promptText += d.toString('utf8');
      if (promptText.includes('[да/нет]') && !stdin.writableEnded) stdin.end(`${answer}\n`);
    });
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--db', reg.dbPath, '--user', 'desk', 'import', fixture], {
      env: { PRIVACY_DESK_PASSWORD: passwords.desk },
      streams: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
      stdin,
      prompt,
    });
    return { code, stdout, stderr, promptText };
  }

  it('"нет" writes nothing; "да" imports', async () => {
    await withExisting();
    const before = { persons: persons(), audit: auditRows() };
    const no = await atTerminal('нет');
    expect(no.promptText).toContain('Добавить в реестр 3 субъектов одной транзакцией? [да/нет]');
    expect(no.code).toBe(1);
    expect(no.stderr).toBe('privacy-desk: Импорт отменён: ничего не записано.\n');
    expect({ persons: persons(), audit: auditRows() }).toEqual(before);

    const yes = await atTerminal('да');
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('Импорт завершён: добавлено субъектов 3 (№2–№4); пропущено строк 5 (с ошибками 3, дубликаты 2).');
    expect(persons()).toBe(before.persons + 3);
    expect(readFileSync(fixture).length).toBeGreaterThan(0);
  });
});

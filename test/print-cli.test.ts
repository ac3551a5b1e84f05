import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeRegister, passwords, type TestRegister } from './helpers.ts';

// `privacy-desk print consent|act|answer` in a child process, as a manager's script would run it,
// against a register prepared in-process.

const cliPath = fileURLToPath(new URL('../db/cli/privacy-desk.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let reg: TestRegister;
let work: string;
let personId: number;
let blockedId: number;
let actId: number;
let requestId: number;

function run(args: string[], user: keyof typeof passwords = 'desk'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PRIVACY_DESK_DB: reg.dbPath,
      PRIVACY_DESK_USER: user,
      PRIVACY_DESK_PASSWORD: passwords[user],
    };
    const child = spawn(process.execPath, [cliPath, ...args], { env, cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

const text = (path: string) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).replace(/\u00a0/g, ' ');

beforeAll(async () => {
  reg = await makeRegister();
  work = join(reg.dir, 'work');
  mkdirSync(work);
  const p = await call(reg.desk.ctx, 'person.add', { fullName: 'Иванова Анна Сергеевна', phone: '8 916 123-45-67', source: 'walk_in' });
  personId = p.id;
  const b = await call(reg.desk.ctx, 'person.add', { fullName: 'Блокова Вера', phone: '8 916 000-00-01', source: 'walk_in' });
  blockedId = b.id;
  await call(reg.desk.ctx, 'person.block', { personId: blockedId, reason: 'subject_request', requestedBy: 'subject' });
  const gone = await call(reg.desk.ctx, 'person.add', { fullName: 'Петров Пётр', source: 'walk_in' });
  const act = await call(reg.manager.ctx, 'person.destroy', {
    personIds: [gone.id],
    act: { number: 'А-1', reason: 'отзыв согласия', method: 'удаление', destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }] },
  });
  actId = act.id;
  const req = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person', person: personId });
  requestId = req.id;
});

afterAll(() => reg?.cleanup());

describe('privacy-desk print', () => {
  it('consent: writes the form to a path relative to the current folder and prints its version and code', async () => {
    const r = await run(['--json', 'print', 'consent', '--person', String(personId), '--purpose', 'marketing', '--out', 'согласие.pdf']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ path: join(work, 'согласие.pdf'), formVersion: 'ru-v1', purpose: 'marketing', payload: `PD1:${personId}:marketing:ru-v1` });
    expect(text(res.path)).toContain(`PD1:${personId}:marketing:ru-v1`);

    const human = await run(['print', 'consent', '--person', String(personId), '--purpose', 'appointment', '--lang', 'kk', '--out', join(work, 'kk.pdf')]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      `Бланк согласия «appointment» (редакция kk-v1) для субъекта №${personId} записан: ${join(work, 'kk.pdf')}\nКод на бланке: PD1:${personId}:appointment:kk-v1\n`,
    );
    expect(text(join(work, 'kk.pdf'))).toContain('ДЕРБЕС ДЕРЕКТЕРДІ ӨҢДЕУГЕ');
  });

  it('consent: a blocked person is refused with one line and exit code 1', async () => {
    const r = await run(['print', 'consent', '--person', String(blockedId), '--purpose', 'appointment', '--out', 'blocked.pdf']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('privacy-desk: Запись заблокирована: бланк согласия не печатается, пока блокировка не снята.\n');
    expect(existsSync(join(work, 'blocked.pdf'))).toBe(false);
  });

  it('act: the manager prints it; the desk is refused', async () => {
    const denied = await run(['print', 'act', '--act', String(actId), '--out', 'act.pdf'], 'desk');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^privacy-desk: Недостаточно прав/);
    const r = await run(['print', 'act', '--act', String(actId), '--out', 'act.pdf'], 'manager');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Акт об уничтожении № А-1 записан: ${join(work, 'act.pdf')}\n`);
    expect(text(join(work, 'act.pdf'))).toContain('АКТ № А-1');
  });

  it('answer: prints the answer to an access request', async () => {
    const r = await run(['--json', 'print', 'answer', '--request', String(requestId), '--out', 'answer.pdf']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: join(work, 'answer.pdf'), language: 'ru' });
    const t = text(join(work, 'answer.pdf'));
    expect(t).toContain('Иванова Анна Сергеевна');
    expect(t).toContain('статьи 14');
  });

  it('usage errors exit 2 and the help is Russian', async () => {
    const missing = await run(['print', 'consent', '--person', String(personId), '--purpose', 'appointment']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('не указана обязательная опция «--out <файл>»');
    const lang = await run(['print', 'consent', '--person', String(personId), '--purpose', 'appointment', '--lang', 'en', '--out', 'x.pdf']);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain('недопустимое значение «en» у опции «--lang <язык>»');
    const help = await run(['print', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Использование: privacy-desk print/);
    for (const c of ['consent', 'act', 'answer']) expect(help.stdout).toContain(c);
    expect(readdirSync(work).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});

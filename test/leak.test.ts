import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegister } from '../db/register.ts';
import { call } from './helpers.ts';
import { findPlaintext, needlesOf, type Subject } from './leak-search.ts';

// Issue 2 acceptance: a scripted CLI session (init, users, 20 persons, consents, a withdrawal, a
// block, a request, a destruction, a backup) leaves no name, phone or e-mail of it readable in any
// file of the data folder. Every byte of every file there is read, WAL and backups included, and
// searched for each value in UTF-8 and UTF-16LE, as typed and as the register normalises it.

const cliPath = fileURLToPath(new URL('../db/cli/privacy-desk.mjs', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, PRIVACY_DESK_NEW_PASSWORD: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// --- the people of the session ------------------------------------------------------------------

const names = [
  'Абрамова Алёна Сергеевна',
  'Белозёров Борис Викторович',
  'Воронцова Вера Павловна',
  'Громов Глеб Андреевич',
  'Дьячкова Дарья Олеговна',
  'Ершов Егор Ильич',
  'Жукова Жанна Романовна',
  'Зайцев Захар Тимофеевич',
  'Игнатьева Инна Юрьевна',
  'Калинин Кирилл Семёнович',
  'Лебедева Лидия Фёдоровна',
  'Морозов Матвей Денисович',
  'Никитина Нина Григорьевна',
  'Орлов Олег Максимович',
  'Павлова Полина Эдуардовна',
  'Рябов Роман Аркадьевич',
  'Нұрланұлы Әлихан Серікұлы',
  'Тихонов Тимур Вадимович',
  'Smithson Jonathan Edward',
  'Фёдоров Фёдор Ёлкин',
];

const subjects: Subject[] = names.map((name, i) => {
  const nn = String(10 + i);
  const national = `91612345${nn}`;
  const typed = [`8 (916) 123-45-${nn}`, `+7 916 123 45 ${nn}`, `8916123-45-${nn}`][i % 3] as string;
  // Some typed with capitals: the register folds e-mails, so both forms are searched for.
  const typedEmail = i % 4 === 0 ? `Leak.Subject${nn}@Example-Clinic.RU` : `leak.subject${nn}.mail@example-clinic.ru`;
  return { name, typedPhone: typed, e164: `+7${national}`, typedEmail };
});

// Personal data that the session writes besides the subjects' own fields.
const representative = { name: 'Представителева Ольга Ивановна', authority: 'Доверенность 77 АБ 1234567' };
const requester = 'Запросчиков Аркадий Львович, 8 (903) 777-66-55, zaproschikov@example-mail.ru';
const extraPerson: Subject = {
  name: 'Пришедшийпозже Виталий Оскарович',
  typedPhone: '8 (916) 765-43-21',
  e164: '+79167654321',
  typedEmail: 'vitaly.later@example-clinic.ru',
};

const needles = [
  ...new Set([
    ...subjects.flatMap(needlesOf),
    ...needlesOf(extraPerson),
    representative.name,
    ...representative.name.split(' '),
    representative.authority,
    requester,
    'Запросчиков',
    '89037776655',
    '79037776655',
    'zaproschikov@example-mail.ru',
  ]),
];

// --- the session --------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'pdesk-leak-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('no plaintext personal data in the data folder', () => {
  it('the search finds a value written in plain UTF-8 or UTF-16LE, so it can fail', () => {
    const control = join(root, 'control');
    mkdirSync(control);
    writeFileSync(join(control, 'a.txt'), `x ${subjects[0]?.name} y`);
    writeFileSync(join(control, 'b.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(subjects[1]?.e164 ?? '', 'utf16le')]));
    const found = findPlaintext(control, needles);
    expect(found.hits).toContainEqual({ file: 'a.txt', needle: subjects[0]?.name, encoding: 'utf8' });
    expect(found.hits).toContainEqual({ file: 'b.bin', needle: subjects[1]?.e164, encoding: 'utf16le' });
    expect(findPlaintext(control, ['Никогонет Такого']).hits).toEqual([]);
  });

  it('a scripted CLI session leaves none of its names, phones or e-mails readable, WAL and backups included', { timeout: 600_000 }, async () => {
    const dataDir = join(root, 'data');
    const dbPath = join(dataDir, 'register.pdesk');
    const base = { PRIVACY_DESK_DB: dbPath };
    const as = (user: string, password: string) => ({ ...base, PRIVACY_DESK_USER: user, PRIVACY_DESK_PASSWORD: password });
    const admin = as('admin', 'admin-pass-1');
    const manager = as('manager', 'manager-pass-1');
    const desk = as('desk', 'desk-pass-1');
    const ok = async (args: string[], env: Record<string, string>) => {
      const r = await run(['--json', ...args], env);
      if (r.code !== 0) throw new Error(`privacy-desk ${args[0]} ${args[1] ?? ''}: exit ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };

    await ok(
      [
        'init',
        '--operator-name',
        'ООО «Клиника Тест»',
        '--operator-address',
        'г. Москва, ул. Пробная, д. 2',
        '--tax-id',
        '7701234567',
        '--admin-login',
        'admin',
        '--admin-name',
        'Админов Админ',
      ],
      admin,
    );
    await ok(['user', 'add', 'manager', '--name', 'Руководова Мария Петровна', '--role', 'manager', '--position', 'Главный врач'], {
      ...admin,
      PRIVACY_DESK_NEW_PASSWORD: 'manager-pass-1',
    });
    await ok(['user', 'add', 'desk', '--name', 'Регистраторова Анна', '--role', 'receptionist', '--position', 'Регистратор'], {
      ...admin,
      PRIVACY_DESK_NEW_PASSWORD: 'desk-pass-1',
    });

    const ids: number[] = [];
    for (const s of subjects) {
      const p = await ok(['person', 'add', '--name', s.name, '--phone', s.typedPhone, '--email', s.typedEmail, '--source', 'walk_in'], desk);
      expect(p.phone).toBe(s.e164);
      ids.push(p.id);
    }
    const id = (i: number) => String(ids[i]);
    for (let i = 0; i < 8; i++) {
      await ok(['consent', 'give', id(i), 'appointment', '--channel', 'paper', '--form-version', 'v1', '--form-number', `Б-${i + 1}`], desk);
    }
    for (let i = 0; i < 3; i++) await ok(['consent', 'give', id(i), 'marketing', '--channel', 'website'], desk);
    await ok(
      [
        'consent',
        'give',
        id(8),
        'appointment',
        '--channel',
        'paper',
        '--form-version',
        'v1',
        '--form-number',
        'Б-9',
        '--representative',
        representative.name,
        '--authority',
        representative.authority,
      ],
      desk,
    );
    const withdrawn = await ok(['consent', 'withdraw', id(1), 'marketing', '--channel', 'phone'], desk);
    expect(withdrawn.consent.state).toBe('withdrawn');
    await ok(['block', id(2), '--reason', 'inaccurate_data', '--requested-by', 'subject', '--note', 'сообщил о неверном телефоне'], desk);
    await ok(['mark-verify', id(4), '--reason', 'e-mail возвращается'], desk);
    const request = await ok(['request', 'open', '--type', 'destroy', '--channel', 'in_person', '--person', id(3), '--requester', requester], desk);
    expect(request.due).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const act = await ok(
      [
        'destroy',
        id(3),
        '--yes',
        '--act-number',
        'А-1',
        '--reason',
        'Требование субъекта об уничтожении',
        '--method',
        'Удаление записи из базы данных с перезаписью',
      ],
      manager,
    );
    expect(act.subjects).toEqual([{ personId: ids[3], subjectRef: expect.any(String), categories: expect.arrayContaining(['full_name', 'phone', 'email']) }]);
    await ok(['request', 'close', String(request.id), '--answer', 'Данные уничтожены, акт А-1'], desk);
    const backup = await ok(['backup'], admin);
    expect((await ok(['verify'], manager)).ok).toBe(true);

    // The data is really in the files (encrypted): the register finds the living and knows the
    // destroyed only as a tombstone.
    const found = await ok(['person', 'find', 'Воронцова'], desk);
    expect(found.items.map((p: { fullName: string }) => p.fullName)).toEqual([subjects[2]?.name]);
    expect(await ok(['person', 'show', id(3)], desk)).toMatchObject({ destroyed: true });

    const after = findPlaintext(dataDir, needles);
    expect(after.files).toEqual(
      expect.arrayContaining(['register.pdesk', 'register.pdesk.keyring', relative(dataDir, backup.path), relative(dataDir, backup.keyringPath)]),
    );
    expect(after.bytes).toBeGreaterThan(100_000);
    expect(after.hits).toEqual([]);

    // While a session is open and has written, the WAL holds the newest pages: encrypted as well.
    const session = await openRegister({ dbPath, login: 'desk', password: 'desk-pass-1' });
    try {
      await call(session.ctx, 'person.add', { fullName: extraPerson.name, phone: extraPerson.typedPhone, email: extraPerson.typedEmail, source: 'phone_call' });
      await call(session.ctx, 'consent.give', { personId: ids[5], purpose: 'partners', channel: 'paper', formVersion: 'v2', paperFormNumber: 'Б-99' });
      const open = findPlaintext(dataDir, needles);
      expect(open.files).toContain('register.pdesk-wal');
      expect(readFileSync(join(dataDir, 'register.pdesk-wal')).length).toBeGreaterThan(4096);
      expect(open.hits).toEqual([]);
    } finally {
      session.close();
    }
    expect(findPlaintext(dataDir, needles).hits).toEqual([]);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegisterClient } from '../renderer/api/client.ts';
import { createHttpClient } from '../renderer/api/http-client.ts';
import { diffSnapshots, filesUnder, findPlaintext, needlesOf, type Subject, searchBytes, snapshot } from './leak-search.ts';

// Issue #7 point 6: the same promise as test/leak.test.ts, but through the app's own host. The
// browser-mode host runs as a separate process exactly as `npm start` runs it, with its own HOME,
// TMPDIR and working folder (so everything it writes outside the data folder is visible), and is
// driven over HTTP with the renderer's own client through a whole working day: setup, staff,
// persons, consents with a scan, withdrawal, block, request, destruction, a CSV import, every
// register exported, the inspection pack, printed documents, a backup, lock and unlock, failed
// logins. Then: no name, phone or e-mail of that day is readable in the data folder, the temp
// folder, HOME, the working folder, or what the host printed; the only new plaintext files are
// the ones the user asked for, at the paths the user named; the keyring names nobody.

const mainScript = fileURLToPath(new URL('../electron/browser-main.ts', import.meta.url));

// --- the people of the day -----------------------------------------------------------------------

const names = [
  'Аксёнова Арина Всеволодовна',
  'Богданов Борислав Ефимович',
  'Веселова Варвара Лукинична',
  'Голубев Герман Савельевич',
  'Дорофеева Диана Ростиславовна',
  'Ефремов Евсей Платонович',
  'Жаркова Жозефина Глебовна',
  'Касымова Айгерім Нұрланқызы',
  'Ломоносова Любовь Тарасовна',
  'Мельников Мирон Филиппович',
  'Windsor Penelope Grace',
  'Щербакова Ульяна Ёсифовна',
];

const subjects: Subject[] = names.map((name, i) => {
  const nn = String(30 + i);
  const typed = [`8 (926) 555-17-${nn}`, `+7 926 555 17 ${nn}`, `8926555-17-${nn}`][i % 3] as string;
  const typedEmail = i % 4 === 0 ? `Host.Leak${nn}@Clinic-Mail.RU` : `host.leak${nn}.box@clinic-mail.ru`;
  return { name, typedPhone: typed, e164: `+792655517${nn}`, typedEmail };
});

// People who arrive in the CSV import only.
const imported: Subject[] = [
  { name: 'Импортова Инесса Карловна', typedPhone: '+7 (927) 101-20-30', e164: '+79271012030', typedEmail: 'inessa.import@clinic-mail.ru' },
  { name: 'Лидогенов Лев Маркович', typedPhone: '89271012031', e164: '+79271012031', typedEmail: 'lev.lead@clinic-mail.ru' },
  { name: 'Формочкина Фаина Рудольфовна', typedPhone: '8 927 101 20 32', e164: '+79271012032', typedEmail: 'faina.form@clinic-mail.ru' },
];

const staff = {
  admin: { login: 'adm.kuznetsova', fullName: 'Кузнецова Клавдия Митрофановна', password: 'adm-pass-Kz-41' },
  manager: { login: 'mgr.sokolovsky', fullName: 'Соколовский Станислав Игоревич', password: 'mgr-pass-Sk-42' },
  desk: { login: 'reg.panteleeva', fullName: 'Пантелеева Прасковья Олеговна', password: 'reg-pass-Pt-43' },
};
// A receptionist types the patient's surname into the login field by mistake: a failed login
// with a personal value for its login.
const mistypedLogin = 'Щербакова';

const representative = { name: 'Доверенцева Раиса Павловна', authority: 'Доверенность 50 АА 7654321' };
const requester = 'Запрашивающий Остап Ильич, 8 (905) 333-22-11, ostap.asks@clinic-mail.ru';
const correction = { name: 'Голубева-Исправленная Гертруда', phone: '8 (926) 555-99-01', e164: '+79265559901' };

const needles = [
  ...new Set([
    ...subjects.flatMap(needlesOf),
    ...imported.flatMap(needlesOf),
    ...Object.values(staff).flatMap((u) => [u.login, u.fullName, ...u.fullName.split(' ')]),
    mistypedLogin,
    representative.name,
    ...representative.name.split(' '),
    representative.authority,
    requester,
    'Запрашивающий',
    '89053332211',
    '79053332211',
    'ostap.asks@clinic-mail.ru',
    correction.name,
    'Гертруда',
    correction.e164,
    correction.e164.slice(1),
  ]),
];

// A scanned consent form: a PNG whose text chunk carries the subject's name (scanners and phone
// apps write such metadata), so a scan stored anywhere in clear is caught by the same search.
function scanPng(text: string): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from('Comment\0', 'latin1'), Buffer.from(text, 'utf8')]);
  const chunk = Buffer.alloc(4 + body.length + 4);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  return Buffer.concat([signature, chunk]);
}

// --- the host as a separate process ---------------------------------------------------------------

interface Folders {
  root: string;
  data: string;
  tmp: string;
  home: string;
  cwd: string;
  chosen: string;
  web: string;
  dbPath: string;
}

function makeFolders(): Folders {
  const root = mkdtempSync(join(tmpdir(), 'pdesk-leak-host-'));
  const f: Folders = {
    root,
    data: join(root, 'data'),
    tmp: join(root, 'tmp'),
    home: join(root, 'home'),
    cwd: join(root, 'cwd'),
    chosen: join(root, 'Выгрузки для проверки'),
    web: join(root, 'web'),
    dbPath: join(root, 'data', 'register.pdesk'),
  };
  for (const d of [f.data, f.tmp, f.home, f.cwd, f.chosen, f.web]) mkdirSync(d, { recursive: true });
  // A home like a clinic PC's: a config folder with the desktop's user dirs.
  mkdirSync(join(f.home, '.config'), { recursive: true });
  writeFileSync(join(f.home, '.config', 'user-dirs.dirs'), 'XDG_DOCUMENTS_DIR="$HOME/Документы"\n');
  writeFileSync(join(f.web, 'index.html'), '<!doctype html><title>Privacy Desk</title>');
  return f;
}

interface Host {
  child: ChildProcess;
  url: string;
  origin: string;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startHost(f: Folders, extraArgs: string[] = []): Promise<Host> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOME: f.home,
    USERPROFILE: f.home,
    TMPDIR: f.tmp,
    TMP: f.tmp,
    TEMP: f.tmp,
    XDG_CONFIG_HOME: join(f.home, '.config'),
    XDG_DATA_HOME: join(f.home, '.local', 'share'),
    XDG_CACHE_HOME: join(f.home, '.cache'),
    XDG_STATE_HOME: join(f.home, '.local', 'state'),
    PRIVACY_DESK_DB: undefined,
    // No browser is opened: the test is the browser.
    DISPLAY: undefined,
    BROWSER: undefined,
  };
  const child = spawn(process.execPath, [...extraArgs, mainScript, '--db', f.dbPath, '--static', f.web], {
    cwd: f.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start: ${stdout} ${stderr}`)), 30_000);
    const onData = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const url = m[1]!;
      resolve({ child, url, origin: new URL(url).origin, output: () => ({ stdout, stderr }), exited });
    };
    child.stdout!.on('data', onData);
    child.on('error', reject);
    void exited.then(() => reject(new Error(`host exited: ${stdout} ${stderr}`)));
  });
}

// What a browser does: exchange the one-time link for the session cookie, then send it and its
// Origin with every call.
async function browserClient(host: Host): Promise<RegisterClient> {
  const res = await fetch(host.url, { redirect: 'manual' });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie).toMatch(/^pdesk_session=/);
  const browserFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Cookie', cookie);
    headers.set('Origin', host.origin);
    return fetch(input, { ...init, headers });
  };
  return createHttpClient({ base: host.origin, fetch: browserFetch });
}

async function stopHost(host: Host): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGTERM');
  return host.exited;
}

// --- the day --------------------------------------------------------------------------------------

const folders = makeFolders();
const started: Host[] = [];
afterAll(async () => {
  // A failed step must not leave a host running.
  for (const h of started) if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
  rmSync(folders.root, { recursive: true, force: true });
});

const csv = (rows: string[][]) => `\uFEFF${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;

// Files under the chosen folder (dot-files and part-folders included) that an export has begun.
function partFiles(dir: string): string[] {
  return filesUnder(dir).filter((p) => /\.partial(\/|$)/.test(p));
}

// Resolves once the pack has written its first file under its part-folder, so the interruption
// lands while the work is surely under way (a pack of every register in three formats takes
// seconds; the check runs every few milliseconds).
async function whenPackBegun(dir: string, settled: () => boolean): Promise<boolean> {
  for (;;) {
    if (settled()) return false;
    if (partFiles(dir).some((p) => /registers\/./.test(p))) return true;
    await new Promise((r) => setTimeout(r, 3));
  }
}

// The day, then the same host interrupted twice (the register locked mid-pack, then Ctrl+C
// mid-pack), then the checks over everything the process left. One host process for all of it:
// each start and each worker costs ~1 s of CPU.
describe('a working day through the browser-mode host leaves nothing personal behind', () => {
  const f = folders;
  const outside = () => ({ tmp: snapshot(f.tmp), home: snapshot(f.home), cwd: snapshot(f.cwd), chosen: snapshot(f.chosen) });
  let before: ReturnType<typeof outside>;
  let afterDay: ReturnType<typeof outside>;
  const written: string[] = [];
  const leftovers: Record<string, string[]> = {};
  let host: Host;
  let ui: RegisterClient;
  let logs = { stdout: '', stderr: '' };

  it('runs the day: setup, staff, desk work, import, exports, pack, prints, backup, lock, failed logins', { timeout: 120_000 }, async () => {
    before = outside();
    host = await startHost(f);
    started.push(host);
    ui = await browserClient(host);
    expect(await ui.status()).toMatchObject({ registerExists: false, unlocked: false });
    await ui.create({
      operator: { name: 'ООО «Клиника Проверка»', address: 'г. Москва, ул. Тестовая, д. 7', taxId: '7709876543' },
      jurisdiction: 'RU',
      admin: staff.admin,
    });
    await ui.unlock(staff.admin.login, staff.admin.password);
    const defaults = await ui.defaults();
    expect(defaults.exportsDir).toBe(join(f.home, 'Документы', 'PrivacyDesk'));
    await ui.call('user.add', { ...staff.manager, role: 'manager', position: 'Главный врач' });
    await ui.call('user.add', { ...staff.desk, role: 'receptionist', position: 'Регистратор' });
    await ui.lock();

    // Failed logins: a wrong password, and a patient's surname typed as the login.
    await expect(ui.unlock(staff.desk.login, 'not-the-password-1')).rejects.toMatchObject({ code: 'auth_failed' });
    await expect(ui.unlock(mistypedLogin, staff.desk.password)).rejects.toMatchObject({ code: 'auth_failed' });

    // The desk.
    await ui.unlock(staff.desk.login, staff.desk.password);
    const ids: number[] = [];
    for (const s of subjects) {
      const p = await ui.call('person.add', { fullName: s.name, phone: s.typedPhone, email: s.typedEmail, source: 'walk_in' });
      expect(p.phone).toBe(s.e164);
      ids.push(p.id);
    }
    const id = (i: number) => ids[i] as number;
    expect((await ui.call('person.find', { query: subjects[1]!.name.split(' ')[0]! })).items).toHaveLength(1);
    for (let i = 0; i < 8; i++) {
      await ui.call('consent.give', { personId: id(i), purpose: 'appointment', channel: 'paper', formVersion: 'v1', paperFormNumber: `П-${i + 1}` });
    }
    for (let i = 0; i < 4; i++) await ui.call('consent.give', { personId: id(i), purpose: 'marketing', channel: 'website' });
    const scanned = await ui.call('consent.give', {
      personId: id(8),
      purpose: 'appointment',
      channel: 'paper',
      formVersion: 'v1',
      paperFormNumber: 'П-9',
      representative,
      scan: { content: scanPng(`Скан бланка: ${subjects[8]!.name}, ${subjects[8]!.typedPhone}`).toString('base64'), mime: 'image/png' },
    });
    expect(scanned).toBeTruthy();
    await ui.call('consent.withdraw', { personId: id(1), purpose: 'marketing', channel: 'phone', note: 'Позвонила и отказалась от рассылки' });
    await ui.call('person.block', { personId: id(3), reason: 'inaccurate_data', requestedBy: 'subject', note: 'неверное имя' });
    await ui.call('person.unblock', { personId: id(3), outcome: 'corrected', corrections: { fullName: correction.name, phone: correction.phone } });
    await ui.call('person.block', { personId: id(5), reason: 'inaccurate_data', requestedBy: 'subject' });
    await ui.call('person.markVerify', { personId: id(6), reason: 'письма возвращаются' });
    const access = await ui.call('request.open', { type: 'access', channel: 'in_person', person: id(7), requester });
    const destroy = await ui.call('request.open', { type: 'destroy', channel: 'in_person', person: id(2), requester });
    await ui.lock();

    // The manager: import, destruction, every export, the pack, documents, a backup.
    await ui.unlock(staff.manager.login, staff.manager.password);
    const file = csv([
      ['ФИО', 'Телефон', 'E-mail', 'Согласие на рассылку', 'Дата согласия'],
      ...imported.map((s, i) => [s.name, s.typedPhone, s.typedEmail, i === 0 ? 'да' : 'нет', i === 0 ? '2026-01-15' : '']),
    ]);
    const contentBase64 = Buffer.from(file, 'utf8').toString('base64');
    const preview = await ui.call('import.preview', { fileName: 'заявки с сайта.csv', contentBase64, source: 'website_form' });
    expect(preview).toMatchObject({ sha256: expect.any(String) });
    const committed = await ui.call('import.commit', {
      fileName: 'заявки с сайта.csv',
      contentBase64,
      mapping: preview.mapping,
      sha256: preview.sha256,
      source: 'website_form',
    });
    expect(committed).toMatchObject({ inserted: imported.length, invalid: 0 });

    await ui.call('person.destroy', {
      personIds: [id(2)],
      act: {
        number: 'АУ-1',
        reason: 'Требование субъекта',
        method: 'Удаление из базы данных',
        destroyedBy: [{ fullName: staff.manager.fullName, position: 'Главный врач' }],
      },
    });
    await ui.call('request.close', { id: destroy.id, answer: 'Данные уничтожены, акт АУ-1' });
    const actId = (await ui.call('act.list', {}))[0]!.id;

    // One register to a file the user named; the pack then writes every register in every format
    // (CSV, XLSX, PDF) to the folder the user chose. A job worker each: kept few, they cost ~0.5 s.
    const one = await ui.call('register.export', { register: 'persons', format: 'xlsx', outPath: join(f.chosen, 'Субъекты.xlsx') });
    written.push(one.path);
    written.push((await ui.call('marketing.export', { format: 'xlsx', outPath: join(f.chosen, 'рассылка.xlsx') })).path);
    written.push((await ui.call('consent.exportRecords', { outPath: join(f.chosen, 'согласия.json') })).path);
    written.push((await ui.call('print.consent', { personId: id(0), purpose: 'appointment', outPath: join(f.chosen, 'бланк.pdf') })).path);
    written.push((await ui.call('print.act', { actId, outPath: join(f.chosen, 'акт.pdf') })).path);
    written.push((await ui.call('print.answer', { requestId: access.id, outPath: join(f.chosen, 'ответ.pdf') })).path);
    const pack = await ui.call('pack.create', { outDir: f.chosen, zip: true });
    written.push(pack.path);
    const backup = await ui.call('backup.create', {});
    expect(backup.path.startsWith(f.data)).toBe(true);
    expect((await ui.call('person.find', { query: 'Импортова' })).items).toHaveLength(1);
    await ui.lock();
    afterDay = outside();
  });

  it('locking the register while the pack is written interrupts it', { timeout: 60_000 }, async () => {
    await ui.unlock(staff.manager.login, staff.manager.password);
    const start = snapshot(f.chosen);
    let settled = false;
    const running = ui.call('pack.create', { outDir: f.chosen }).finally(() => (settled = true));
    running.catch(() => undefined);
    expect(await whenPackBegun(f.chosen, () => settled)).toBe(true);
    await ui.lock();
    await expect(running).rejects.toMatchObject({ code: expect.stringMatching(/^(locked|cancelled)$/) });
    leftovers.lock = diffSnapshots(start, snapshot(f.chosen)).added;
  });

  it('stopping the host (Ctrl+C) while the pack is written: it exits cleanly and removes its part-files', { timeout: 60_000 }, async () => {
    await ui.unlock(staff.manager.login, staff.manager.password);
    const start = snapshot(f.chosen);
    let settled = false;
    const running = ui.call('pack.create', { outDir: f.chosen, zip: true }).finally(() => (settled = true));
    running.catch(() => undefined);
    expect(await whenPackBegun(f.chosen, () => settled)).toBe(true);
    expect(await stopHost(host)).toEqual({ code: 0, signal: null });
    await expect(running).rejects.toBeTruthy();
    logs = host.output();
    leftovers.stop = diffSnapshots(start, snapshot(f.chosen)).added;
    expect(leftovers.stop).toEqual([]);
  });

  it('no personal value in the data folder (WAL, keyring, backups included)', () => {
    const found = findPlaintext(f.data, needles);
    expect(found.files).toEqual(expect.arrayContaining(['register.pdesk', 'register.pdesk.keyring']));
    expect(found.files.some((p) => p.startsWith('backups/'))).toBe(true);
    expect(found.bytes).toBeGreaterThan(100_000);
    expect(found.hits).toEqual([]);
  });

  it('no personal value in what the host printed (stdout, stderr)', () => {
    expect(logs.stdout).toContain('Privacy Desk, браузерный режим');
    expect(searchBytes('stdout', Buffer.from(logs.stdout), needles)).toEqual([]);
    expect(searchBytes('stderr', Buffer.from(logs.stderr), needles)).toEqual([]);
  });

  it('temp, HOME and the working folder: no new file, nothing personal; exports only at the paths the user named', () => {
    const after = outside();
    for (const where of ['tmp', 'cwd'] as const) expect(diffSnapshots(before[where], after[where]), where).toEqual({ added: [], removed: [], changed: [] });
    // The one thing the host makes in HOME: the default exports folder (empty, owner-only).
    expect(diffSnapshots(before.home, after.home)).toEqual({ added: ['Документы/', 'Документы/PrivacyDesk/'], removed: [], changed: [] });
    for (const dir of [f.tmp, f.home, f.cwd]) expect(findPlaintext(dir, needles).hits).toEqual([]);
    // The day's exports (the interrupted packs are the next tests' subject).
    const chosen = diffSnapshots(before.chosen, afterDay.chosen);
    expect(chosen.added.sort()).toEqual(written.map((p) => relative(f.chosen, p)).sort());
    // And they are plaintext indeed: the search would have found a leak had one been there.
    expect(findPlaintext(f.chosen, needles).hits.length).toBeGreaterThan(0);
  });

  it('the keyring names nobody: no login, staff name or mistyped login in clear, only HMAC tags', () => {
    const text = readFileSync(`${f.dbPath}.keyring`, 'utf8');
    const keyring = JSON.parse(text) as { slots: { loginTag: string | null }[]; failedLogins: { at: string; loginTag: string }[] };
    expect(searchBytes('keyring', Buffer.from(text), needles)).toEqual([]);
    for (const u of Object.values(staff)) expect(text.toLowerCase()).not.toContain(u.login.toLowerCase());
    expect(keyring.slots.filter((s) => s.loginTag !== null)).toHaveLength(3);
    for (const s of keyring.slots) if (s.loginTag !== null) expect(s.loginTag).toMatch(/^[A-Za-z0-9+/=_-]{32,}$/);
    for (const l of keyring.failedLogins) expect(l.loginTag).toMatch(/^[A-Za-z0-9+/=_-]{32,}$/);
  });

  // Engine.lock() once terminated job workers at once, so the export's own cleanup never ran and a
  // half-written pack stayed in the chosen folder as a hidden `.…partial` folder of plaintext.
  it('locking mid-pack leaves no part-file behind', () => {
    expect(leftovers.lock).toBeDefined();
    expect(leftovers.lock).toEqual([]);
  });
});

// --- a failure under a running session ------------------------------------------------------------

describe('a register damaged under a running session', () => {
  const f = folders;

  it('the failure reaches the page and the log without personal data, and leaves no file', { timeout: 60_000 }, async () => {
    // The part-files of the interrupted pack are the known bug above, not this test's subject.
    for (const p of partFiles(f.chosen)) rmSync(p, { force: true });
    const host = await startHost(f);
    started.push(host);
    const ui = await browserClient(host);
    await ui.unlock(staff.manager.login, staff.manager.password);
    // The disk goes bad under the open register: every page after the first two is overwritten.
    const size = readFileSync(f.dbPath).length;
    const fd = openSync(f.dbPath, 'r+');
    try {
      writeSync(fd, randomBytes(size - 8192), 0, size - 8192, 8192);
    } finally {
      closeSync(fd);
    }
    const failures: { op: string; code: string; message: string }[] = [];
    const attempts: [string, unknown][] = [
      ['register.export', { register: 'persons', format: 'csv', outPath: join(f.chosen, 'после-сбоя.csv') }],
      ['person.find', { query: 'Ломоносова' }],
      ['audit.list', {}],
    ];
    for (const [op, input] of attempts) {
      try {
        await ui.call(op as 'audit.list', input as never);
      } catch (err) {
        const e = err as { code: string; message: string };
        failures.push({ op, code: e.code, message: e.message });
      }
    }
    // The job worker opens its own connection and reads the damaged pages: it must fail.
    expect(failures.map((x) => x.op)).toContain('register.export');
    expect(searchBytes('replies', Buffer.from(JSON.stringify(failures)), needles)).toEqual([]);
    expect(await stopHost(host)).toEqual({ code: 0, signal: null });
    const out = host.output();
    expect(searchBytes('stdout', Buffer.from(out.stdout), needles)).toEqual([]);
    expect(searchBytes('stderr', Buffer.from(out.stderr), needles)).toEqual([]);
    expect(partFiles(f.chosen)).toEqual([]);
    expect(existsSync(join(f.chosen, 'после-сбоя.csv'))).toBe(false);
    for (const dir of [f.tmp, f.cwd]) expect(filesUnder(dir)).toEqual([]);
  });
});

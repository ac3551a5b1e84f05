import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `privacy-desk pack` and `privacy-desk pack verify` in a child process, as a manager's script (and
// an inspector without any password) would run them. The child inherits VITEST and
// PRIVACY_DESK_TEST_FAST_KDF from this worker, so unlocks stay fast.

const cliPath = fileURLToPath(new URL('../db/cli/privacy-desk.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let dbPath: string;

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: {
        ...process.env,
        PRIVACY_DESK_DB: dbPath,
        PRIVACY_DESK_USER: undefined,
        PRIVACY_DESK_PASSWORD: undefined,
        PRIVACY_DESK_NEW_PASSWORD: undefined,
        ...env,
      },
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

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
const admin = { PRIVACY_DESK_USER: 'admin', PRIVACY_DESK_PASSWORD: 'admin-pass-1' };
const manager = { PRIVACY_DESK_USER: 'manager', PRIVACY_DESK_PASSWORD: 'manager-pass-1' };
// The inspector's machine: no register, no user, no password.
const nobody = { PRIVACY_DESK_DB: join(tmpdir(), 'pdesk-no-register-here', 'register.pdesk') };

async function ok(args: string[], env: Record<string, string>): Promise<any> {
  const r = await run(['--json', ...args], env);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-pack-cli-'));
  dbPath = join(dir, 'register.pdesk');
  await ok(
    [
      'init',
      '--operator-name',
      'ТОО «Шипагер»',
      '--operator-address',
      'г. Алматы, пр. Абая, 10',
      '--tax-id',
      '123456789012',
      '--admin-login',
      'admin',
      '--admin-name',
      'Әкімшіл Админ',
    ],
    { PRIVACY_DESK_PASSWORD: 'admin-pass-1' },
  );
  await ok(['user', 'add', 'manager', '--name', 'Басшы Мария', '--role', 'manager', '--position', 'Бас дәрігер'], {
    ...admin,
    PRIVACY_DESK_NEW_PASSWORD: 'manager-pass-1',
  });
  const p = await ok(['person', 'add', '--name', 'Сәрсенбаева Әйгерім', '--phone', '+7 701 123 45 67', '--source', 'walk_in'], manager);
  const gone = await ok(['person', 'add', '--name', 'Удаляев Пётр', '--source', 'walk_in'], manager);
  await ok(['consent', 'give', String(p.id), 'appointment', '--channel', 'website'], manager);
  await ok(['block', String(p.id), '--reason', 'inaccurate_data', '--requested-by', 'subject'], manager);
  await ok(['request', 'open', '--type', 'access', '--channel', 'in_person', '--person', String(p.id)], manager);
  await ok(['destroy', String(gone.id), '--act-number', 'А-1', '--reason', 'отзыв согласия', '--method', 'удаление из БД', '--yes'], manager);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('privacy-desk pack', () => {
  it('makes a folder pack that `pack verify` passes without a password, and names a changed or deleted file', async () => {
    const out = join(dir, 'out-folder');
    mkdirSync(out);
    const r = await run(['pack', '--out', out, '--from', '01.01.2026'], manager);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [name] = readdirSync(out);
    expect(name).toMatch(/^inspection-pack-123456789012-2026-01-01_\d{4}-\d{2}-\d{2}-\d{8}-\d{6}$/);
    const pack = join(out, name as string);
    const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ operator: { taxId: '123456789012' }, createdBy: { login: 'manager', fullName: 'Басшы Мария', position: 'Бас дәрігер' } });
    const out1 = lines(r.stdout);
    expect(out1[0]).toBe(`Пакет для проверки создан: ${pack}`);
    expect(out1[2]).toBe(
      `SHA-256 manifest.json: ${sha(readFileSync(join(pack, 'manifest.json')))} — записан в журнал событий; сообщите его проверяющему отдельно.`,
    );
    expect(r.stdout).toMatch(/Журнал событий цел: \d+ запис(ь|и|ей), хеш последней [0-9a-f]{64}\./);

    const good = await run(['pack', 'verify', pack], nobody);
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`Пакет цел: файлов по описи — ${manifest.files.length}, все совпадают с manifest.json.`);

    const xlsx = join(pack, 'registers', 'consents.xlsx');
    const bytes = readFileSync(xlsx);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100);
    writeFileSync(xlsx, bytes);
    rmSync(join(pack, 'registers', 'audit.pdf'));
    writeFileSync(join(pack, 'note.txt'), 'добавлено');
    const bad = await run(['pack', 'verify', pack], nobody);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toEqual([
      'privacy-desk: Пакет изменён после создания: изменено 1, отсутствует 1, лишних 1 (registers/audit.pdf, registers/consents.xlsx, note.txt).',
    ]);
    const listed = lines(bad.stdout).filter((l) => /^(ИЗМЕНЁН|ОТСУТСТВУЕТ|ЛИШНИЙ|ПОВРЕЖДЁН):/.test(l));
    expect(listed.map((l) => l.split(' — ')[0])).toEqual(['ОТСУТСТВУЕТ: registers/audit.pdf', 'ИЗМЕНЁН: registers/consents.xlsx', 'ЛИШНИЙ: note.txt']);

    const json = await run(['--json', 'pack', 'verify', pack], nobody);
    expect(json.code).toBe(1);
    expect(lines(json.stderr)).toHaveLength(1);
    const { error } = JSON.parse(json.stdout);
    expect(error).toMatchObject({ code: 'pack_altered', message: lines(json.stderr)[0]?.replace('privacy-desk: ', '') });
    const result = error.details;
    expect(result).toMatchObject({ ok: false, kind: 'folder', manifest: { operator: { taxId: '123456789012' } } });
    expect(result.problems.map((p: any) => [p.file, p.problem])).toEqual([
      ['registers/audit.pdf', 'missing'],
      ['registers/consents.xlsx', 'altered'],
      ['note.txt', 'unexpected'],
    ]);

    rmSync(join(pack, 'manifest.json'));
    const noManifest = await run(['pack', 'verify', pack], nobody);
    expect(noManifest.code).toBe(1);
    expect(lines(noManifest.stderr)).toEqual(['privacy-desk: Пакет не проверен: Файл manifest.json отсутствует: без описи пакет проверить нельзя.']);
  }, 120_000);

  it('--zip leaves one archive that verifies, and the JSON result carries the hashes', async () => {
    const out = join(dir, 'out-zip');
    mkdirSync(out);
    const made = await ok(['pack', '--out', out, '--zip'], manager);
    expect(readdirSync(out)).toEqual([made.name]);
    expect(made).toMatchObject({
      zip: true,
      path: join(out, made.name),
      manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      zipSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const v = await ok(['pack', 'verify', made.path], nobody);
    expect(v).toMatchObject({ ok: true, kind: 'zip', problems: [], manifestSha256: made.manifestSha256 });

    const damaged = join(out, 'damaged.zip');
    writeFileSync(damaged, readFileSync(made.path).subarray(0, 500));
    const d = await run(['pack', 'verify', damaged], nobody);
    expect(d.code).toBe(1);
    expect(lines(d.stderr)).toEqual(['privacy-desk: Это не папка пакета и не ZIP-архив, или архив повреждён так, что его оглавление не читается.']);
  }, 120_000);

  it('refuses without --out (usage, exit 2) and for a role without the export right (exit 1)', async () => {
    const noOut = await run(['pack'], manager);
    expect(noOut.code).toBe(2);
    expect(lines(noOut.stderr)).toEqual(['privacy-desk: не указана папка для пакета: --out ПАПКА. Справка: privacy-desk --help']);
    const out = join(dir, 'out-denied');
    mkdirSync(out);
    const denied = await run(['pack', '--out', out], admin);
    expect(denied.code).toBe(1);
    expect(lines(denied.stderr)).toHaveLength(1);
    expect(denied.stderr).toMatch(/^privacy-desk: Недостаточно прав/);
    expect(readdirSync(out)).toEqual([]);
    const missing = await run(['pack', 'verify', join(dir, 'nothing-here')], nobody);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['privacy-desk: Пакет для проверки не найден: нет такой папки или файла.']);
  }, 60_000);

  it('has Russian help on both levels', async () => {
    const top = await run(['--help']);
    expect(top.stdout).toMatch(/^ {2}pack\b/m);
    const help = await run(['pack', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--out <папка>');
    expect(help.stdout).toMatch(/^ {2}verify <путь> +Проверить пакет/m);
    const vhelp = await run(['pack', 'verify', '--help']);
    expect(vhelp.stdout).toContain('пароль не нужен');
  });
});

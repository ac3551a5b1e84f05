import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, passwords, type TestRegister } from '../../test/helpers.ts';
import { runCli } from '../cli/main.ts';

let reg: TestRegister | null = null;
afterEach(() => {
  reg?.cleanup();
  reg = null;
});

// The command line in this process, with its output captured; the password from the environment.
async function cli(args: string[], user = 'manager', cwd?: string) {
  let stdout = '';
  let stderr = '';
  const password = user === 'manager' ? passwords.manager : passwords.desk;
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    // --db and --user as flags: commander reads their environment variables from process.env.
    const code = await runCli(['--db', reg!.dbPath, '--user', user, ...args], {
      env: { PRIVACY_DESK_PASSWORD: password },
      streams: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
      stdin: Readable.from([]),
      prompt: new PassThrough(),
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

describe('privacy-desk export, marketing-list, consent-records', () => {
  it('writes each file where --out says, prints its rows and hash, and refuses what it must', async () => {
    reg = await makeRegister();
    const id = (await call(reg.desk.ctx, 'person.add', { fullName: 'Төлеуова Айгүл', phone: '+7 701 000 11 22', source: 'walk_in' })).id;
    await call(reg.desk.ctx, 'consent.give', { personId: id, purpose: 'marketing', channel: 'website' });

    const xlsx = join(reg.dir, 'consents.xlsx');
    const r1 = await cli(['--json', 'export', '--register', 'consents', '--format', 'xlsx', '--from', '01.02.2026', '--to', '2026-12-31', '--out', xlsx]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const j1 = JSON.parse(r1.stdout);
    expect(j1).toEqual({
      register: 'consents',
      format: 'xlsx',
      path: xlsx,
      rows: 1,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: statSync(xlsx).size,
    });
    expect(readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');

    // A relative --out is taken from the current folder.
    const r2 = await cli(['export', '--register', 'audit', '--format', 'pdf', '--out', 'audit.pdf'], 'manager', reg.dir);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/^Реестр журнала событий \(выписка\) выгружен в PDF: \d+ строк, .*audit\.pdf\nSHA-256: [0-9a-f]{64}\n$/);
    expect(readFileSync(join(reg.dir, 'audit.pdf')).subarray(0, 5).toString()).toBe('%PDF-');

    const r3 = await cli(['--json', 'marketing-list', '--format', 'csv', '--out', join(reg.dir, 'm.csv')]);
    expect(r3.code).toBe(0);
    expect(JSON.parse(r3.stdout)).toMatchObject({ format: 'csv', rows: 1 });
    expect(readFileSync(join(reg.dir, 'm.csv'), 'utf8')).toContain(`${id};Төлеуова Айгүл;'+77010001122;`);

    const r4 = await cli(['consent-records', '--person', String(id), '--out', join(reg.dir, 'r.json')]);
    expect(r4.code).toBe(0);
    expect(r4.stdout).toContain('Записи о согласиях выгружены: 1 субъектов');
    expect(JSON.parse(readFileSync(join(reg.dir, 'r.json'), 'utf8'))[0].version).toBe('KI-CR-v1.1.0');

    // A usage error (exit 2) and refusals of the register (exit 1), each on one line.
    const bad = await cli(['export', '--register', 'patients', '--format', 'csv', '--out', join(reg.dir, 'x.csv')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('недопустимое значение «patients»');
    const desk = await cli(['export', '--register', 'persons', '--format', 'csv', '--out', join(reg.dir, 'd.csv')], 'desk');
    expect(desk.code).toBe(1);
    expect(desk.stderr).toMatch(/^privacy-desk: Недостаточно прав/);
    const missing = await cli(['export', '--register', 'persons', '--format', 'csv', '--out', join(reg.dir, 'нет', 'p.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('privacy-desk: Папка для файла выгрузки не найдена.\n');
    expect(
      readdirSync(reg.dir)
        .filter((f) => /\.(csv|xlsx|pdf|json)$/.test(f))
        .sort(),
    ).toEqual(['audit.pdf', 'consents.xlsx', 'm.csv', 'r.json']);
  });
});

// A register file cut short or with a flipped bit (issue #7 point 4): opening says register_damaged,
// says which of the two it is, names the way back (the newest backup by name), and never changes
// the file; a damaged page read later surfaces on the operation that reads it, never as internal.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../db/api.ts';
import { openRegister } from '../../db/register.ts';
import { call, makeRegister, passwords, type TestRegister } from '../helpers.ts';

let reg: TestRegister;
afterEach(() => reg?.cleanup());

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const open = () => openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });

// A register with enough people to span many pages, a backup in the default folder, then closed
// (checkpointed: every page in the main file, no WAL).
async function closedRegisterWithBackup(): Promise<{ backup: string; persons: number[] }> {
  reg = await makeRegister();
  const persons: number[] = [];
  const rows = Array.from(
    { length: 400 },
    (_, i) => `Пациентова${i} Анна Сергеевна;+7 916 ${String(1000000 + i).slice(0, 3)}-${String(1000000 + i).slice(3, 5)}-${String(1000000 + i).slice(5, 7)}`,
  );
  const csv = Buffer.from(`ФИО;Телефон\n${rows.join('\n')}\n`, 'utf8').toString('base64');
  const preview = await call(reg.desk.ctx, 'import.preview', { fileName: 'many.csv', contentBase64: csv });
  await call(reg.desk.ctx, 'import.commit', { fileName: 'many.csv', contentBase64: csv, mapping: preview.mapping, sha256: preview.sha256 });
  for (const r of reg.manager.ctx.db.prepare('SELECT id FROM persons ORDER BY id').all() as { id: number }[]) persons.push(r.id);
  const backup = (await dispatch(reg.manager.ctx, 'backup.create' as string, {})) as { path: string };
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  return { backup: backup.path, persons };
}

describe('a damaged register file', () => {
  it('cut short at a page boundary: register_damaged, "обрезан", the newest backup named, the file untouched', async () => {
    const { backup } = await closedRegisterWithBackup();
    const size = readFileSync(reg.dbPath).length;
    truncateSync(reg.dbPath, size - 4096 * 8);
    const before = hash(reg.dbPath);
    const err = await open().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'register_damaged' });
    const message = (err as Error).message;
    expect(message).toMatch(/^Файл реестра повреждён — файл обрезан: в нём \d+ страниц из \d+, записанных в его заголовке\. Файл не изменён\./);
    expect(message).toContain(`privacy-desk restore "${backup}" (самая новая копия)`);
    expect(hash(reg.dbPath)).toBe(before);
  });

  it('cut by its last page only (opening reads nothing from it): still register_damaged at opening', async () => {
    await closedRegisterWithBackup();
    truncateSync(reg.dbPath, readFileSync(reg.dbPath).length - 4096);
    const before = hash(reg.dbPath);
    await expect(open()).rejects.toMatchObject({ code: 'register_damaged', message: expect.stringMatching(/файл обрезан: в нём \d+ страниц из \d+/) });
    expect(hash(reg.dbPath)).toBe(before);
  });

  it('cut mid-page: register_damaged saying so', async () => {
    await closedRegisterWithBackup();
    const size = readFileSync(reg.dbPath).length;
    truncateSync(reg.dbPath, size - 1000);
    const before = hash(reg.dbPath);
    await expect(open()).rejects.toMatchObject({ code: 'register_damaged', message: expect.stringContaining('файл обрезан: его длина') });
    expect(hash(reg.dbPath)).toBe(before);
  });

  it('a flipped bit on the first page: register_damaged (authentication failed, or a keyring of another register), file untouched', async () => {
    await closedRegisterWithBackup();
    const bytes = readFileSync(reg.dbPath);
    bytes[300]! ^= 0x01;
    writeFileSync(reg.dbPath, bytes);
    const before = hash(reg.dbPath);
    await expect(open()).rejects.toMatchObject({
      code: 'register_damaged',
      message: expect.stringMatching(/не прошла проверку подлинности \(код HMAC не совпал\).*либо файл ключей .* взят от другого реестра/),
    });
    expect(hash(reg.dbPath)).toBe(before);
  });

  it('without any backup in the default folder, the message says where to find one', async () => {
    const { backup } = await closedRegisterWithBackup();
    rmSync(backup);
    truncateSync(reg.dbPath, readFileSync(reg.dbPath).length - 1000);
    await expect(open()).rejects.toMatchObject({
      code: 'register_damaged',
      message: expect.stringContaining('privacy-desk restore <файл копии> (в папке backups рядом с реестром копий нет'),
    });
  });

  it('a flipped bit in a page read later: the operation reading it says register_damaged, never internal', async () => {
    const { backup, persons } = await closedRegisterWithBackup();
    // A leaf page of the persons table, far from the schema: opening does not read it.
    const probe = await open();
    const pages = (
      probe.ctx.db.prepare("SELECT pageno FROM dbstat WHERE name = 'persons' AND pagetype = 'leaf' ORDER BY pageno").all() as { pageno: number }[]
    ).map((r) => r.pageno);
    probe.close();
    const page = pages[Math.floor(pages.length / 2)]!;
    expect(page).toBeGreaterThan(1);
    const bytes = readFileSync(reg.dbPath);
    bytes[(page - 1) * 4096 + 1000]! ^= 0x01;
    writeFileSync(reg.dbPath, bytes);
    const s = await open();
    try {
      const codes = new Set<string>();
      let damaged: Error | null = null;
      for (const id of persons) {
        try {
          await dispatch(s.ctx, 'person.get', { id });
          codes.add('ok');
        } catch (e) {
          codes.add((e as { code: string }).code);
          if ((e as { code: string }).code === 'register_damaged') damaged ??= e as Error;
        }
      }
      expect([...codes].sort()).toEqual(['ok', 'register_damaged']);
      expect(damaged!.message).toMatch(/^Файл реестра повреждён — страница файла не прошла проверку подлинности/);
      expect(damaged!.message).toContain(basename(backup));
    } finally {
      s.close();
    }
  });
});

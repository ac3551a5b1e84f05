import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../../test/helpers.ts';

let reg: TestRegister | null = null;
afterEach(() => {
  reg?.cleanup();
  reg = null;
});

describe('marketing.export: who may receive marketing today', () => {
  it('lists active marketing consents only: not withdrawn, not expired, not blocked, not destroyed, not other purposes', async () => {
    reg = await makeRegister();
    const d = reg.desk.ctx;
    const add = async (fullName: string, phone: string) => (await call(d, 'person.add', { fullName, phone, source: 'walk_in' })).id;
    const yes = await add('Сағынтаева Әйгерім', '+7 701 111 11 11');
    const lastDay = await add('Ілиясов Нұрбол', '+7 701 222 22 22');
    const expired = await add('Өмірзақов Ерлан', '+7 701 333 33 33');
    const withdrawn = await add('Ёжикова Алёна', '+7 916 444-44-44');
    const blocked = await add('Һашимов Ұлан', '+7 701 555 55 55');
    const otherPurpose = await add('Жұмабаева Гүлнар', '+7 701 666 66 66');
    const destroyed = await add('Удалёнов Пётр', '+7 916 777-77-77');
    await call(d, 'consent.give', { personId: yes, purpose: 'marketing', channel: 'website' });
    await call(d, 'consent.give', { personId: lastDay, purpose: 'marketing', channel: 'website', date: '2026-01-16', validUntil: '2026-02-16' });
    await call(d, 'consent.give', { personId: expired, purpose: 'marketing', channel: 'website', date: '2026-01-15', validUntil: '2026-02-15' });
    await call(d, 'consent.give', { personId: withdrawn, purpose: 'marketing', channel: 'website', date: '2026-02-01' });
    await call(d, 'consent.withdraw', { personId: withdrawn, purpose: 'marketing', channel: 'phone' });
    await call(d, 'consent.give', { personId: blocked, purpose: 'marketing', channel: 'website' });
    await call(d, 'person.block', { personId: blocked, reason: 'subject_request', requestedBy: 'subject' });
    await call(d, 'consent.give', { personId: otherPurpose, purpose: 'appointment', channel: 'website' });
    await call(d, 'consent.give', { personId: destroyed, purpose: 'marketing', channel: 'website' });
    await call(reg.manager.ctx, 'person.destroy', {
      personIds: [destroyed],
      act: { number: 'А-1', reason: 'отзыв', method: 'удаление', destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }] },
    });

    const path = join(reg.dir, 'marketing.csv');
    const r = await call(reg.manager.ctx, 'marketing.export', { format: 'csv', outPath: path });
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('\uFEFFid;ФИО;телефон;e-mail;цели рассылок;согласие действует до\r\n')).toBe(true);
    const rows = text
      .slice(1)
      .split('\r\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => l.split(';'));
    const title = 'Рекламные и информационные рассылки (новости, специальные предложения)';
    expect(rows).toEqual([
      [String(yes), 'Сағынтаева Әйгерім', "'+77011111111", '', title, ''],
      [String(lastDay), 'Ілиясов Нұрбол', "'+77012222222", '', title, '2026-02-16'],
    ]);
    expect(r).toEqual({ path, rows: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: statSync(path).size });
    const [logged] = await call(reg.manager.ctx, 'audit.list', { action: 'export.marketing' });
    expect(logged.details).toEqual({ register: 'marketing', format: 'csv', rows: 2, sha256: r.sha256, date: '2026-02-16' });

    // "Today" is the register's clock, not SQLite's: a day later the last-day consent is gone.
    const tomorrow = await reg.open('manager', 'manager-pass-1');
    const next = { ...tomorrow.ctx, now: () => new Date('2026-02-17T09:00:00') };
    expect((await call(next, 'marketing.export', { format: 'xlsx', outPath: join(reg.dir, 'm.xlsx') })).rows).toBe(1);
    expect((await call(next, 'marketing.list', {})).rows.map((x: { id: number }) => x.id)).toEqual([yes]);
    expect(readdirSync(reg.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('is the manager’s alone, CSV or XLSX only, to a full path', async () => {
    reg = await makeRegister();
    await expect(call(reg.desk.ctx, 'marketing.export', { format: 'csv', outPath: join(reg.dir, 'm.csv') })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.manager.ctx, 'marketing.export', { format: 'pdf', outPath: join(reg.dir, 'm.pdf') })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.manager.ctx, 'marketing.export', { format: 'csv', outPath: 'm.csv' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

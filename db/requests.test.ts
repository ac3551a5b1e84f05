import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { Ctx } from './context.ts';

let reg: TestRegister;
afterEach(() => reg?.cleanup());

// Persons are inserted directly so these tests do not depend on the persons module.
function addPerson(ctx: Ctx, name = 'Иванова Мария Сергеевна'): number {
  const at = ctx.now().toISOString();
  return Number(
    ctx.db
      .prepare("INSERT INTO persons (full_name, phone, source, created_by, created_at, updated_at) VALUES (?, '+79161234567', 'walk_in', ?, ?, ?)")
      .run(name, ctx.actor.id, at, at).lastInsertRowid,
  );
}

// A destruction act signed by the manager, then the person reduced to a tombstone.
function destroyPerson(ctx: Ctx, personId: number, managerId: number): void {
  const at = ctx.now().toISOString();
  const actId = Number(
    ctx.db
      .prepare(
        `INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, destroyed_by, categories, information_system, method, reason, retain_until, created_by, created_at)
         VALUES ('А-1', '2026-02-16', 'ООО', 'адрес', '["Руководова"]', '["full_name"]', 'ИС', 'стирание', 'отзыв согласия', '2029-02-16', ?, ?)`,
      )
      .run(managerId, at).lastInsertRowid,
  );
  ctx.db.prepare('UPDATE persons SET full_name = NULL, phone = NULL, email = NULL, email_fold = NULL, destroyed_act_id = ? WHERE id = ?').run(actId, personId);
}

function clock(start: string) {
  let t = new Date(start);
  return {
    now: () => t,
    set: (s: string) => {
      t = new Date(s);
    },
  };
}

describe('subject requests: due dates computed on read', () => {
  it('domain.md example through the API: access request on Mon 16.02.2026 is due Tue 03.03.2026', async () => {
    reg = await makeRegister();
    const personId = addPerson(reg.desk.ctx);
    const r = await call(reg.desk.ctx, 'request.open', { person: personId, type: 'access', channel: 'in_person', requester: 'сама, паспорт предъявлен' });
    expect(r).toMatchObject({
      personId,
      type: 'access',
      receivedAt: '2026-02-16',
      status: 'open',
      jurisdiction: 'RU',
      due: '2026-03-03',
      originalDue: '2026-03-03',
      workingDaysLeft: 10,
      calendarDaysLeft: 15,
      overdue: false,
      provisional: false,
      missingYears: [],
      extended: false,
      canExtend: true,
      ruleCode: 'access',
    });
    expect(r.legalRef).toContain('152-ФЗ ст. 14');
    expect(r.rule).toMatchObject({ code: 'access', days: 10, unit: 'working', extension: { days: 5, unit: 'working' } });
    // Nothing computed is stored: the row holds the receipt date and the rule snapshot only.
    const cols = reg.desk.ctx.db.prepare('SELECT * FROM requests WHERE id = ?').get(r.id) as Record<string, unknown>;
    expect(Object.values(cols)).not.toContain('2026-03-03');
    // The log names ids and codes, never the requester's free text.
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'request.open' });
    expect(log[0]).toMatchObject({ entity: 'request', entityId: r.id, details: { type: 'access', personId, rule: 'access', receivedAt: '2026-02-16' } });
    expect(JSON.stringify(log[0])).not.toContain('паспорт');
  });

  it('days left and overdue move with the clock; a corrected calendar moves the due date', async () => {
    const c = clock('2026-02-16T09:00:00');
    reg = await makeRegister({ now: c.now });
    const r = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'email' });
    c.set('2026-02-27T12:00:00');
    expect(await call(reg.desk.ctx, 'request.get', { id: r.id })).toMatchObject({ due: '2026-03-03', workingDaysLeft: 2, calendarDaysLeft: 4, overdue: false });
    c.set('2026-03-05T12:00:00');
    expect(await call(reg.desk.ctx, 'request.get', { id: r.id })).toMatchObject({
      due: '2026-03-03',
      workingDaysLeft: -2,
      calendarDaysLeft: -2,
      overdue: true,
      canExtend: false,
    });
    // A manager adds a day off on Fri 27.02.2026: the open request's due date follows at once.
    const cal = (await call(reg.manager.ctx, 'calendar.list', { country: 'RU' })).find((x: { year: number }) => x.year === 2026);
    await call(reg.manager.ctx, 'calendar.set', {
      country: 'RU',
      year: 2026,
      source: cal.source,
      note: cal.note,
      holidays: [...cal.holidays, '2026-02-27'],
      workdays: [],
    });
    expect(await call(reg.desk.ctx, 'request.get', { id: r.id })).toMatchObject({ due: '2026-03-04', workingDaysLeft: -1, overdue: true });
  });

  it('a calendar-day rule ending on a holiday ends on the next working day (withdrawal, 30 days)', async () => {
    reg = await makeRegister({ now: () => new Date('2026-04-09T10:00:00') });
    const r = await call(reg.desk.ctx, 'request.open', { type: 'withdrawal', channel: 'post' });
    expect(r).toMatchObject({ due: '2026-05-12', rule: { days: 30, unit: 'calendar', extension: null }, legalRef: '152-ФЗ ст. 21 ч. 5', canExtend: false });
  });

  it('a deadline beyond the loaded calendars is flagged until the year is loaded', async () => {
    reg = await makeRegister({ now: () => new Date('2026-12-25T10:00:00') });
    const r = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' });
    expect(r).toMatchObject({ due: '2027-01-11', provisional: true, missingYears: [2027] });
    const listed = await call(reg.desk.ctx, 'request.list', {});
    expect(listed[0]).toMatchObject({ id: r.id, provisional: true, missingYears: [2027] });
    await call(reg.manager.ctx, 'calendar.set', {
      country: 'RU',
      year: 2027,
      source: 'Тест',
      holidays: ['2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'],
      workdays: [],
    });
    // 28, 29, 30.12 then 11–15.01 and 18, 19.01.
    expect(await call(reg.desk.ctx, 'request.get', { id: r.id })).toMatchObject({ due: '2027-01-19', provisional: false, missingYears: [] });
  });

  it('KZ: access is not configured until a manager sets it; then Nauryz is skipped', async () => {
    reg = await makeRegister({ jurisdiction: 'KZ', now: () => new Date('2026-03-20T10:00:00') });
    await expect(call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' })).rejects.toMatchObject({ code: 'deadline_not_configured' });
    expect(reg.desk.ctx.db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 0 });
    await call(reg.manager.ctx, 'deadline.setRule', { jurisdiction: 'KZ', code: 'access', days: 5, unit: 'working', legalRef: 'Закон РК 94-V ст. 24' });
    const r = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' });
    // After Fri 20.03: 21–22 weekend, 23–25 Nauryz → 26, 27, 30, 31.03, 01.04.
    expect(r).toMatchObject({ jurisdiction: 'KZ', due: '2026-04-01', legalRef: 'Закон РК 94-V ст. 24', provisional: false, ruleUnconfirmed: false });
    // KZ correction: 1 working day (unconfirmed figure) → Thu 26.03.
    const c = await call(reg.desk.ctx, 'request.open', { type: 'correction', channel: 'phone' });
    expect(c).toMatchObject({ due: '2026-03-26', ruleCode: 'inaccurate_correct', ruleUnconfirmed: true });
  });

  it('a running request keeps the rule it was opened under', async () => {
    reg = await makeRegister();
    const r = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' });
    await call(reg.manager.ctx, 'deadline.setRule', { jurisdiction: 'RU', code: 'access', days: 20 });
    expect(await call(reg.desk.ctx, 'request.get', { id: r.id })).toMatchObject({ due: '2026-03-03', rule: { days: 10 } });
    expect(await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' })).toMatchObject({ rule: { days: 20 }, due: '2026-03-18' });
  });
});

describe('extension and closing', () => {
  it('an extension with a reasoned notice adds 5 working days, once', async () => {
    reg = await makeRegister();
    const r = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' });
    await expect(call(reg.desk.ctx, 'request.extend', { id: r.id, notice: '  ' })).rejects.toMatchObject({ code: 'invalid_input' });
    const e = await call(reg.desk.ctx, 'request.extend', { id: r.id, notice: 'Сведения хранятся в архиве филиала; направлено мотивированное уведомление.' });
    expect(e).toMatchObject({ due: '2026-03-11', originalDue: '2026-03-03', extended: true, canExtend: false, workingDaysLeft: 15 });
    expect(e.extendedAt).toBe(new Date('2026-02-16T09:00:00').toISOString());
    expect(e.extensionNotice).toBe('Сведения хранятся в архиве филиала; направлено мотивированное уведомление.');
    await expect(call(reg.desk.ctx, 'request.extend', { id: r.id, notice: 'ещё раз' })).rejects.toMatchObject({ code: 'conflict' });
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'request.extend' });
    expect(log).toHaveLength(1);
    expect(log[0].details).toEqual({ fields: ['extension_notice'], days: 5, unit: 'working' });
  });

  it('no extension where the rule has none, after the deadline, or once closed', async () => {
    const c = clock('2026-02-16T09:00:00');
    reg = await makeRegister({ now: c.now });
    const w = await call(reg.desk.ctx, 'request.open', { type: 'withdrawal', channel: 'post' });
    await expect(call(reg.desk.ctx, 'request.extend', { id: w.id, notice: 'нужно больше времени' })).rejects.toMatchObject({ code: 'conflict' });
    const a = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'post' });
    const b = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'post' });
    await call(reg.desk.ctx, 'request.close', { id: b.id, answer: 'Ответ направлен почтой.' });
    await expect(call(reg.desk.ctx, 'request.extend', { id: b.id, notice: 'поздно' })).rejects.toMatchObject({ code: 'conflict' });
    c.set('2026-03-04T09:00:00');
    await expect(call(reg.desk.ctx, 'request.extend', { id: a.id, notice: 'поздно' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(call(reg.desk.ctx, 'request.extend', { id: 9999, notice: 'нет такого' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('closing records the answer once and says whether it was late', async () => {
    const c = clock('2026-02-16T09:00:00');
    reg = await makeRegister({ now: c.now });
    const onTime = await call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person' });
    const late = await call(reg.desk.ctx, 'request.open', { type: 'correction', channel: 'in_person' });
    c.set('2026-03-02T15:00:00');
    const closed = await call(reg.desk.ctx, 'request.close', { id: onTime.id, answer: 'Сведения выданы на руки.' });
    expect(closed).toMatchObject({
      status: 'closed',
      answer: 'Сведения выданы на руки.',
      closedBy: reg.desk.ctx.actor.id,
      answeredLate: false,
      workingDaysLeft: null,
      overdue: false,
    });
    // Correction: 7 working days from 16.02 → 26.02; answered 02.03 → late.
    expect(await call(reg.desk.ctx, 'request.close', { id: late.id, answer: 'Данные уточнены.' })).toMatchObject({ due: '2026-02-26', answeredLate: true });
    await expect(call(reg.desk.ctx, 'request.close', { id: onTime.id, answer: 'снова' })).rejects.toMatchObject({ code: 'conflict' });
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'request.close' });
    expect(log.map((l: { details: unknown }) => l.details)).toEqual([
      { fields: ['answer'], due: '2026-02-26', answeredLate: true },
      { fields: ['answer'], due: '2026-03-03', answeredLate: false },
    ]);
    expect(JSON.stringify(log)).not.toContain('выданы');
  });
});

describe('listing and persons', () => {
  it('lists open requests soonest-due first, filters by status and person', async () => {
    reg = await makeRegister();
    const p1 = addPerson(reg.desk.ctx, 'Петров Пётр');
    const p2 = addPerson(reg.desk.ctx, 'Сидорова Анна');
    const a = await call(reg.desk.ctx, 'request.open', { person: p1, type: 'withdrawal', channel: 'email' }); // 30 days → 18.03
    const b = await call(reg.desk.ctx, 'request.open', { person: p2, type: 'access', channel: 'email', receivedAt: '2026-02-10' }); // → 25.02
    const c = await call(reg.desk.ctx, 'request.open', { person: p1, type: 'block', channel: 'in_person' }); // at once → 16.02
    const d = await call(reg.desk.ctx, 'request.open', { type: 'correction', channel: 'phone' }); // → 26.02
    await call(reg.desk.ctx, 'request.close', { id: d.id, answer: 'Уточнено.' });
    const open = await call(reg.desk.ctx, 'request.list', {});
    expect(open.map((r: { id: number; due: string }) => [r.id, r.due])).toEqual([
      [c.id, '2026-02-16'],
      [b.id, '2026-02-25'],
      [a.id, '2026-03-18'],
    ]);
    expect((await call(reg.desk.ctx, 'request.list', { status: 'closed' })).map((r: { id: number }) => r.id)).toEqual([d.id]);
    expect((await call(reg.desk.ctx, 'request.list', { status: 'all' })).map((r: { id: number }) => r.id)).toEqual([c.id, b.id, a.id, d.id]);
    expect((await call(reg.desk.ctx, 'request.list', { person: p1 })).map((r: { id: number }) => r.id)).toEqual([c.id, a.id]);
  });

  it("refuses unknown or destroyed persons and future receipt dates; a destroyed person's old requests stay listed", async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx);
    const old = await call(reg.desk.ctx, 'request.open', { person: p, type: 'destroy', channel: 'in_person' });
    expect(old).toMatchObject({ ruleCode: 'subject_destroy', due: '2026-02-26' });
    destroyPerson(reg.manager.ctx, p, reg.manager.ctx.actor.id);
    await expect(call(reg.desk.ctx, 'request.open', { person: p, type: 'access', channel: 'in_person' })).rejects.toMatchObject({ code: 'person_destroyed' });
    await expect(call(reg.desk.ctx, 'request.open', { person: 4242, type: 'access', channel: 'in_person' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call(reg.desk.ctx, 'request.open', { type: 'access', channel: 'in_person', receivedAt: '2026-02-17' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.desk.ctx, 'request.open', { type: 'complaint', channel: 'in_person' })).rejects.toMatchObject({ code: 'invalid_input' });
    const listed = await call(reg.desk.ctx, 'request.list', { person: p });
    expect(listed.map((r: { id: number }) => r.id)).toEqual([old.id]);
    expect(reg.desk.ctx.db.prepare('SELECT count(*) AS n FROM requests').get()).toEqual({ n: 1 });
  });

  it('reads need persons.read, changes need requests.write; every role at the desk has both', async () => {
    reg = await makeRegister();
    for (const s of [reg.desk, reg.manager, reg.admin]) {
      const r = await call(s.ctx, 'request.open', { type: 'regulator_demand', channel: 'regulator', requesterKind: 'regulator' });
      expect(r).toMatchObject({ ruleCode: 'regulator_request', due: '2026-03-03', requesterKind: 'regulator' });
      expect((await call(s.ctx, 'request.get', { id: r.id })).id).toBe(r.id);
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import { addMonths, computeDaysLeft, computeDue, defaultRules, lookupFrom, shippedCalendars } from './deadlines.ts';

const ru = lookupFrom(shippedCalendars.filter((c) => c.country === 'RU'));
const kz = lookupFrom(shippedCalendars.filter((c) => c.country === 'KZ'));

describe('counting working and calendar days (pure)', () => {
  it('domain.md example: received Mon 16.02.2026, 10 working days → Tue 03.03.2026 (skips 21–23.02)', () => {
    expect(computeDue('2026-02-16', { days: 10, unit: 'working' }, ru)).toEqual({
      due: '2026-03-03',
      originalDue: '2026-03-03',
      provisional: false,
      missingYears: [],
    });
    // Without the RU calendar the same count would end a day earlier: the holiday matters.
    expect(computeDue('2026-02-16', { days: 10, unit: 'working' }, kz).due).toBe('2026-03-02');
  });

  it('RU 2025: a working Saturday counts and the November holidays do not', () => {
    expect(computeDue('2025-10-30', { days: 2, unit: 'working' }, ru).due).toBe('2025-11-01');
    expect(computeDue('2025-10-30', { days: 3, unit: 'working' }, ru).due).toBe('2025-11-05');
  });

  it('KZ 2026: Nauryz (23–25.03 off after 21–22.03 fell on a weekend) is skipped', () => {
    expect(computeDue('2026-03-20', { days: 1, unit: 'working' }, kz).due).toBe('2026-03-26');
    expect(computeDue('2026-03-19', { days: 5, unit: 'working' }, kz).due).toBe('2026-03-31');
    // Under the RU calendar those are ordinary working days.
    expect(computeDue('2026-03-20', { days: 1, unit: 'working' }, ru).due).toBe('2026-03-23');
  });

  it('KZ 2025: Sunday 05.01 was a working day (order No. 436), Friday 03.01 was not', () => {
    expect(computeDue('2025-01-02', { days: 1, unit: 'working' }, kz).due).toBe('2025-01-05');
    expect(computeDue('2025-01-02', { days: 2, unit: 'working' }, kz).due).toBe('2025-01-06');
  });

  it('a calendar-day period whose last day is non-working ends on the next working day', () => {
    // 30 days from 09.04.2026 is Sat 09.05; 10.05 is Sunday, 11.05 a holiday → Tue 12.05.
    expect(computeDue('2026-04-09', { days: 30, unit: 'calendar' }, ru).due).toBe('2026-05-12');
    // 30 days from 01.04.2026 is Fri 01.05, a holiday → Mon 04.05.
    expect(computeDue('2026-04-01', { days: 30, unit: 'calendar' }, ru).due).toBe('2026-05-04');
    // Ending on a working day: no shift.
    expect(computeDue('2026-04-02', { days: 30, unit: 'calendar' }, ru).due).toBe('2026-05-04');
    expect(computeDue('2026-04-03', { days: 30, unit: 'calendar' }, ru).due).toBe('2026-05-04');
    expect(computeDue('2026-04-06', { days: 30, unit: 'calendar' }, ru).due).toBe('2026-05-06');
  });

  it('months end on the same date, or the month end, then move off a non-working day', () => {
    expect(addMonths('2025-08-31', 6)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-11-15', 3)).toBe('2026-02-15');
    // 28.02.2026 is a Saturday → Monday 02.03.2026.
    expect(computeDue('2025-08-31', { days: 6, unit: 'months' }, ru).due).toBe('2026-03-02');
  });

  it('"at once" is the day of receipt; hours run through holidays', () => {
    expect(computeDue('2026-02-21', { days: 0, unit: 'working' }, ru).due).toBe('2026-02-21');
    expect(computeDue('2026-02-20', { days: 24, unit: 'hours' }, ru).due).toBe('2026-02-21');
    expect(computeDue('2026-02-20', { days: 72, unit: 'hours' }, ru).due).toBe('2026-02-23');
  });

  it('an extension of 5 working days counts on from the original due date', () => {
    const d = computeDue('2026-02-16', { days: 10, unit: 'working' }, ru, { days: 5, unit: 'working' });
    // 04, 05, 06, (09 holiday), 10, 11 March.
    expect(d).toEqual({ due: '2026-03-11', originalDue: '2026-03-03', provisional: false, missingYears: [] });
  });

  it('a count that crosses into a year with no calendar is flagged provisional, never silently final', () => {
    const d = computeDue('2026-12-25', { days: 10, unit: 'working' }, ru);
    expect(d.provisional).toBe(true);
    expect(d.missingYears).toEqual([2027]);
    // Dec 31 is a holiday in the loaded 2026 calendar; 2027 is counted Monday–Friday for now.
    expect(d.due).toBe('2027-01-11');
    const cal = computeDue('2026-12-15', { days: 30, unit: 'calendar' }, ru);
    expect(cal).toMatchObject({ due: '2027-01-14', provisional: true, missingYears: [2027] });
    expect(computeDue('2026-12-01', { days: 10, unit: 'working' }, ru)).toMatchObject({ due: '2026-12-15', provisional: false });
    // A count that starts in an unloaded year is flagged for that year only.
    expect(computeDue('2024-12-20', { days: 10, unit: 'working' }, ru)).toMatchObject({ provisional: true, missingYears: [2024] });
  });

  it('days left are counted from today: working and calendar days, negative once overdue', () => {
    expect(computeDaysLeft('2026-03-03', '2026-02-16', ru)).toEqual({
      workingDaysLeft: 10,
      calendarDaysLeft: 15,
      overdue: false,
      provisional: false,
      missingYears: [],
    });
    expect(computeDaysLeft('2026-03-03', '2026-03-03', ru)).toMatchObject({ workingDaysLeft: 0, calendarDaysLeft: 0, overdue: false });
    expect(computeDaysLeft('2026-03-03', '2026-03-05', ru)).toMatchObject({ workingDaysLeft: -2, calendarDaysLeft: -2, overdue: true });
    expect(computeDaysLeft('2027-01-11', '2026-12-28', ru)).toMatchObject({ provisional: true, missingYears: [2027] });
  });
});

describe('shipped defaults', () => {
  it('RU rules carry domain.md figures and references; KZ access has no figure', () => {
    const ruRules = Object.fromEntries(defaultRules('RU').map((r) => [r.code, r]));
    expect(ruRules.access).toMatchObject({ days: 10, unit: 'working', extension: { days: 5, unit: 'working' }, unconfirmed: false });
    expect(ruRules.access?.legalRef).toContain('152-ФЗ ст. 14, ст. 20');
    expect(ruRules.withdrawal).toMatchObject({ days: 30, unit: 'calendar', extension: null, legalRef: '152-ФЗ ст. 21 ч. 5' });
    expect(ruRules.stop_processing).toMatchObject({ days: 10, unit: 'working', extension: { days: 5 }, unconfirmed: true });
    expect(ruRules.inaccurate_block).toMatchObject({ days: 0 });
    expect(ruRules.inaccurate_correct).toMatchObject({ days: 7, unit: 'working' });
    expect(ruRules.unlawful_stop).toMatchObject({ days: 3, unit: 'working' });
    expect(ruRules.unlawful_destroy).toMatchObject({ days: 10, unit: 'working' });
    expect(ruRules.purpose_achieved).toMatchObject({ days: 30, unit: 'calendar' });
    expect(ruRules.destruction_impossible).toMatchObject({ days: 6, unit: 'months', unconfirmed: true });
    expect(ruRules.breach_notice).toMatchObject({ days: 24, unit: 'hours' });
    expect(ruRules.breach_results).toMatchObject({ days: 72, unit: 'hours' });
    const kzRules = Object.fromEntries(defaultRules('KZ').map((r) => [r.code, r]));
    expect(kzRules.access).toMatchObject({ days: null, unconfirmed: true });
    expect(kzRules.inaccurate_correct).toMatchObject({ days: 1, unit: 'working', unconfirmed: true });
    expect(kzRules.breach_notice).toMatchObject({ days: 1, unit: 'working' });
  });

  it('calendar files: dates inside their year, holidays on weekdays, transfers on weekends', () => {
    expect(shippedCalendars.map((c) => `${c.country}-${c.year}`).sort()).toEqual(['KZ-2025', 'KZ-2026', 'RU-2025', 'RU-2026']);
    for (const c of shippedCalendars) {
      expect(c.source.length).toBeGreaterThan(20);
      for (const d of c.holidays) expect([d.slice(0, 4), [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())]).toEqual([String(c.year), false]);
      for (const d of c.workdays) expect([d.slice(0, 4), [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())]).toEqual([String(c.year), true]);
    }
    expect(shippedCalendars.find((c) => c.country === 'KZ' && c.year === 2026)?.status).toBe('unconfirmed');
  });
});

let reg: TestRegister;
afterEach(() => reg?.cleanup());

describe('deadline and calendar operations', () => {
  it('a new register holds the four shipped calendars and both rule profiles', async () => {
    reg = await makeRegister();
    const cals = await call(reg.manager.ctx, 'calendar.list', {});
    expect(cals.map((c: { country: string; year: number }) => `${c.country}-${c.year}`)).toEqual(['KZ-2025', 'KZ-2026', 'RU-2025', 'RU-2026']);
    const ru2026 = cals.find((c: { country: string; year: number }) => c.country === 'RU' && c.year === 2026);
    expect(ru2026).toMatchObject({ status: 'official', workdays: [], updatedBy: null });
    expect(ru2026.holidays).toContain('2026-02-23');
    expect(ru2026.source).toContain('№ 1466');
    expect(cals.find((c: { country: string; year: number }) => c.country === 'KZ' && c.year === 2026).status).toBe('unconfirmed');
    const rules = await call(reg.desk.ctx, 'deadline.rules', {});
    expect(rules.jurisdiction).toBe('RU');
    expect(rules.rules.find((r: { code: string }) => r.code === 'access')).toMatchObject({ days: 10, extension: { days: 5 } });
    expect(rules.requestTypes).toMatchObject({ access: 'access', withdrawal: 'withdrawal', correction: 'inaccurate_correct', block: 'inaccurate_block' });
    const kzRules = await call(reg.desk.ctx, 'deadline.rules', { jurisdiction: 'KZ' });
    expect(kzRules.rules.find((r: { code: string }) => r.code === 'access').days).toBeNull();
  });

  it('only a manager (or administrator) edits rules; the edit is audited and validated', async () => {
    reg = await makeRegister();
    await expect(call(reg.desk.ctx, 'deadline.setRule', { jurisdiction: 'KZ', code: 'access', days: 10, unit: 'working' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(call(reg.manager.ctx, 'deadline.setRule', { jurisdiction: 'KZ', code: 'access', days: -1 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      call(reg.manager.ctx, 'deadline.setRule', { jurisdiction: 'RU', code: 'destruction_impossible', extension: { days: 5, unit: 'working' } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const r = await call(reg.manager.ctx, 'deadline.setRule', {
      jurisdiction: 'KZ',
      code: 'access',
      days: 10,
      unit: 'working',
      legalRef: 'Закон РК 94-V ст. 24 (решение юриста клиники)',
    });
    expect(r).toMatchObject({
      code: 'access',
      days: 10,
      unit: 'working',
      extension: null,
      unconfirmed: false,
      legalRef: 'Закон РК 94-V ст. 24 (решение юриста клиники)',
    });
    const kz = await call(reg.desk.ctx, 'deadline.rules', { jurisdiction: 'KZ' });
    expect(kz.rules.find((x: { code: string }) => x.code === 'access').days).toBe(10);
    // The other profile is untouched.
    const ruRules = await call(reg.desk.ctx, 'deadline.rules', { jurisdiction: 'RU' });
    expect(ruRules.rules.find((x: { code: string }) => x.code === 'access').days).toBe(10);
    expect(ruRules.rules.find((x: { code: string }) => x.code === 'access').extension).toEqual({ days: 5, unit: 'working' });
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'deadline.rule' });
    expect(log).toHaveLength(1);
    expect(log[0].details).toMatchObject({ jurisdiction: 'KZ', code: 'access', from: { days: null }, to: { days: 10, unit: 'working' } });
    const denied = await call(reg.manager.ctx, 'audit.list', { action: 'access.denied' });
    expect(denied.some((d: { details: { operation: string } }) => d.details.operation === 'deadline.setRule')).toBe(true);
  });

  it("a manager replaces a year's calendar; bad calendars are refused", async () => {
    reg = await makeRegister();
    const base = { country: 'RU', year: 2027, source: 'Тест: проект постановления на 2027 год' };
    await expect(call(reg.desk.ctx, 'calendar.set', { ...base, holidays: [], workdays: [] })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.desk.ctx, 'calendar.list', {})).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.manager.ctx, 'calendar.set', { ...base, holidays: ['2026-01-05'], workdays: [] })).rejects.toMatchObject({ code: 'invalid_input' });
    // 2027-01-02 is a Saturday: not a weekday holiday.
    await expect(call(reg.manager.ctx, 'calendar.set', { ...base, holidays: ['2027-01-02'], workdays: [] })).rejects.toMatchObject({ code: 'invalid_input' });
    // 2027-01-04 is a Monday: it cannot be a "working weekend day".
    await expect(call(reg.manager.ctx, 'calendar.set', { ...base, holidays: ['2027-01-04'], workdays: ['2027-01-04'] })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.manager.ctx, 'calendar.set', { ...base, holidays: ['2027-02-30'], workdays: [] })).rejects.toMatchObject({ code: 'invalid_input' });
    const saved = await call(reg.manager.ctx, 'calendar.set', { ...base, holidays: ['2027-01-08', '2027-01-01', '2027-01-01'], workdays: ['2027-01-09'] });
    expect(saved).toMatchObject({
      country: 'RU',
      year: 2027,
      status: 'official',
      holidays: ['2027-01-01', '2027-01-08'],
      workdays: ['2027-01-09'],
      updatedBy: reg.manager.ctx.actor.id,
    });
    const replaced = await call(reg.manager.ctx, 'calendar.set', {
      ...base,
      status: 'unconfirmed',
      note: 'ждём постановление',
      holidays: ['2027-01-01'],
      workdays: [],
    });
    expect(replaced).toMatchObject({ status: 'unconfirmed', note: 'ждём постановление', holidays: ['2027-01-01'], workdays: [] });
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'calendar.set' });
    expect(log.map((r: { details: { replaced: boolean } }) => r.details.replaced)).toEqual([true, false]);
    expect(log[0]).toMatchObject({ entity: 'calendar', entityId: 2027 });
    expect((await call(reg.manager.ctx, 'calendar.list', { country: 'RU' })).map((c: { year: number }) => c.year)).toEqual([2025, 2026, 2027]);
  });

  it('the calendars table refuses junk even through SQL', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    expect(() =>
      db.prepare("INSERT INTO calendars (country, year, source, holidays, workdays, updated_at) VALUES ('US', 2027, 's', '[]', '[]', 'x')").run(),
    ).toThrow();
    expect(() =>
      db
        .prepare("INSERT INTO calendars (country, year, source, status, holidays, workdays, updated_at) VALUES ('RU', 2027, 's', 'maybe', '[]', '[]', 'x')")
        .run(),
    ).toThrow();
    expect(() =>
      db.prepare("INSERT INTO calendars (country, year, source, holidays, workdays, updated_at) VALUES ('RU', 2027, 's', 'not json', '[]', 'x')").run(),
    ).toThrow();
  });
});

import { z } from 'zod';
import { audit } from './audit.ts';
import kz2025 from './calendars/kz-2025.json' with { type: 'json' };
import kz2026 from './calendars/kz-2026.json' with { type: 'json' };
import ru2025 from './calendars/ru-2025.json' with { type: 'json' };
import ru2026 from './calendars/ru-2026.json' with { type: 'json' };
import type { DB } from './connection.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { isoDateSchema, type Jurisdiction, jurisdictionSchema } from './schemas.ts';
import { getJurisdiction, getSetting, putSetting } from './settings.ts';

// Deadlines for subjects' requests and the operator's own duties (domain.md "Deadlines").
// The counting functions are pure: they take a calendar lookup, never the database, so every
// reading of the law here can be tested on fixed dates. Due dates are never stored: they are
// computed on read from the receipt date, the rule snapshot of the request and the calendars
// loaded now, so correcting a calendar or a rule shows at once.

// ---------------------------------------------------------------------------------------------
// Dates: 'YYYY-MM-DD' strings counted as whole UTC days, so no time zone or DST can shift a day.

const DAY_MS = 86_400_000;

function toDayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return fromDayNumber(toDayNumber(date) + n);
}

export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

// 0 = Sunday … 6 = Saturday.
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function isWeekend(date: string): boolean {
  const d = weekday(date);
  return d === 0 || d === 6;
}

function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

// Civil Code art. 192: a period in months ends on the same date of the last month, or on that
// month's last day when it has no such date (31 January + 1 month = 28/29 February).
export function addMonths(date: string, months: number): string {
  const y = yearOf(date);
  const m = Number(date.slice(5, 7)) - 1 + months;
  const d = Number(date.slice(8, 10));
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return new Date(Date.UTC(ty, tm, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Calendars

export interface YearCalendar {
  // Non-working weekdays (public holidays and transferred days off).
  holidays: ReadonlySet<string>;
  // Weekend days made working by a transfer.
  workdays: ReadonlySet<string>;
}

export type CalendarLookup = (year: number) => YearCalendar | undefined;

export function lookupFrom(calendars: { year: number; holidays: readonly string[]; workdays: readonly string[] }[]): CalendarLookup {
  const byYear = new Map(calendars.map((c) => [c.year, { holidays: new Set(c.holidays), workdays: new Set(c.workdays) }]));
  return (year) => byYear.get(year);
}

// Answers "is this a working day" and remembers every year it had to answer without a calendar.
// Such a year is counted Monday to Friday so the desk still sees a date, but the result is
// flagged provisional: the law's holidays for that year are not known here yet.
class WorkingDays {
  readonly missing = new Set<number>();
  readonly lookup: CalendarLookup;
  constructor(lookup: CalendarLookup) {
    this.lookup = lookup;
  }
  isWorking(date: string): boolean {
    const year = yearOf(date);
    const cal = this.lookup(year);
    if (!cal) {
      this.missing.add(year);
      return !isWeekend(date);
    }
    if (cal.workdays.has(date)) return true;
    if (cal.holidays.has(date)) return false;
    return !isWeekend(date);
  }
  nextWorking(date: string): string {
    let d = date;
    for (let i = 0; i < 400 && !this.isWorking(d); i++) d = addDays(d, 1);
    return d;
  }
  missingYears(): number[] {
    return [...this.missing].sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------------------------------------
// Counting (Civil Code art. 191 and 193, the usual reading for 152-FZ deadlines)

export const periodUnits = ['working', 'calendar', 'hours', 'months'] as const;
export type PeriodUnit = (typeof periodUnits)[number];

export interface Period {
  days: number;
  unit: PeriodUnit;
}

// The end of a period that starts on the day after `start`:
// - N working days end on the N-th working day after `start`;
// - N calendar days (or months) end N days (months) later, moved to the next working day when
//   that day is a non-working one (art. 193);
// - hours run through holidays; the day returned is the day the last hour falls on;
// - 0 means "at once": the day itself.
function endOfPeriod(wd: WorkingDays, start: string, p: Period): string {
  if (p.days === 0) return start;
  switch (p.unit) {
    case 'working': {
      let d = start;
      let n = 0;
      // A year of holidays cannot exist (validation keeps holidays on weekdays only, and a
      // calendar year has ~250 of them), so the loop is bounded by the period itself.
      for (let guard = 0; n < p.days; guard++) {
        if (guard > p.days * 7 + 400) throw new RegisterError('internal', 'Календарь не содержит рабочих дней: срок не может быть вычислен.');
        d = addDays(d, 1);
        if (wd.isWorking(d)) n++;
      }
      return d;
    }
    case 'calendar':
      return wd.nextWorking(addDays(start, p.days));
    case 'months':
      return wd.nextWorking(addMonths(start, p.days));
    case 'hours':
      return addDays(start, Math.ceil(p.days / 24));
  }
}

export interface DueDate {
  // The date the answer is due, extension included.
  due: string;
  // The date before any extension.
  originalDue: string;
  // True when the count crossed a year with no calendar loaded: the date assumes Monday–Friday
  // working days for that year and must not be relied on until its calendar is loaded.
  provisional: boolean;
  missingYears: number[];
}

export function computeDue(receivedAt: string, period: Period, lookup: CalendarLookup, extension?: Period | null): DueDate {
  const wd = new WorkingDays(lookup);
  const originalDue = endOfPeriod(wd, receivedAt, period);
  const due = extension ? endOfPeriod(wd, originalDue, extension) : originalDue;
  const missingYears = wd.missingYears();
  return { due, originalDue, provisional: missingYears.length > 0, missingYears };
}

export interface DaysLeft {
  // Working days after today up to the due date inclusive; negative when overdue (working days
  // elapsed since the due date, today included).
  workingDaysLeft: number;
  calendarDaysLeft: number;
  overdue: boolean;
  provisional: boolean;
  missingYears: number[];
}

export function computeDaysLeft(due: string, today: string, lookup: CalendarLookup): DaysLeft {
  const wd = new WorkingDays(lookup);
  const calendarDaysLeft = daysBetween(today, due);
  const [from, to, sign] = calendarDaysLeft >= 0 ? [today, due, 1] : [due, today, -1];
  let working = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (wd.isWorking(d)) working++;
  const missingYears = wd.missingYears();
  return { workingDaysLeft: sign * working, calendarDaysLeft, overdue: calendarDaysLeft < 0, provisional: missingYears.length > 0, missingYears };
}

// ---------------------------------------------------------------------------------------------
// Shipped calendars

export interface CalendarData {
  country: Jurisdiction;
  year: number;
  source: string;
  status?: 'official' | 'unconfirmed';
  note?: string;
  holidays: string[];
  workdays: string[];
}

export const shippedCalendars = [ru2025, ru2026, kz2025, kz2026] as CalendarData[];

const calendarStatusSchema = z.enum(['official', 'unconfirmed']);

// What a manager may load for a year: dates of that year only, holidays on weekdays and
// working days on weekends (anything else changes nothing and is most likely a typing error),
// and no day in both lists.
export const calendarInputSchema = z
  .object({
    country: jurisdictionSchema,
    year: z.number().int().min(2000).max(2100),
    source: z.string().trim().min(1).max(2000),
    status: calendarStatusSchema.default('official'),
    note: z.string().trim().max(4000).default(''),
    holidays: z.array(isoDateSchema).max(200),
    workdays: z.array(isoDateSchema).max(100),
  })
  .superRefine((c, issue) => {
    const check = (list: string[], key: 'holidays' | 'workdays') => {
      list.forEach((d, i) => {
        if (yearOf(d) !== c.year) issue.addIssue({ code: 'custom', path: [key, i], message: `дата ${d} не относится к ${c.year} году` });
        else if (key === 'holidays' && isWeekend(d))
          issue.addIssue({ code: 'custom', path: [key, i], message: `${d} — суббота или воскресенье: в список нерабочих дней вносятся только будние дни` });
        else if (key === 'workdays' && !isWeekend(d))
          issue.addIssue({
            code: 'custom',
            path: [key, i],
            message: `${d} — будний день: в список рабочих дней вносятся только перенесённые субботы и воскресенья`,
          });
      });
    };
    check(c.holidays, 'holidays');
    check(c.workdays, 'workdays');
    const holidays = new Set(c.holidays);
    c.workdays.forEach((d, i) => {
      if (holidays.has(d)) issue.addIssue({ code: 'custom', path: ['workdays', i], message: `${d} указана и нерабочим, и рабочим днём` });
    });
  });
export type CalendarInput = z.output<typeof calendarInputSchema>;

interface CalendarRow {
  country: Jurisdiction;
  year: number;
  source: string;
  status: 'official' | 'unconfirmed';
  note: string;
  holidays: string;
  workdays: string;
  updated_at: string;
  updated_by: number | null;
}

function toCalendar(row: CalendarRow) {
  return {
    country: row.country,
    year: row.year,
    source: row.source,
    status: row.status,
    note: row.note,
    holidays: JSON.parse(row.holidays) as string[],
    workdays: JSON.parse(row.workdays) as string[],
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
export type Calendar = ReturnType<typeof toCalendar>;

function writeCalendar(db: DB, c: CalendarInput, at: string, userId: number | null): void {
  const uniqSorted = (l: string[]) => [...new Set(l)].sort();
  db.prepare(
    `INSERT INTO calendars (country, year, source, status, note, holidays, workdays, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(country, year) DO UPDATE SET source = excluded.source, status = excluded.status, note = excluded.note,
       holidays = excluded.holidays, workdays = excluded.workdays, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(c.country, c.year, c.source, c.status, c.note, JSON.stringify(uniqSorted(c.holidays)), JSON.stringify(uniqSorted(c.workdays)), at, userId);
}

export function listCalendars(db: DB, country?: Jurisdiction): Calendar[] {
  const rows = (
    country
      ? db.prepare('SELECT * FROM calendars WHERE country = ? ORDER BY year').all(country)
      : db.prepare('SELECT * FROM calendars ORDER BY country, year').all()
  ) as CalendarRow[];
  return rows.map(toCalendar);
}

export function calendarLookup(db: DB, country: Jurisdiction): CalendarLookup {
  return lookupFrom(listCalendars(db, country));
}

// ---------------------------------------------------------------------------------------------
// Deadline rules: one profile per jurisdiction, every profile holds every code. `days: null`
// means the law's figure is not known here: anything that needs the rule fails with
// 'deadline_not_configured' until a manager sets it. `unconfirmed` marks figures domain.md
// flags *check*: they are shipped as editable defaults, never as settled law.

export const ruleCodes = [
  'access',
  'withdrawal',
  'stop_processing',
  'inaccurate_block',
  'inaccurate_correct',
  'unlawful_stop',
  'unlawful_destroy',
  'subject_destroy',
  'regulator_request',
  'purpose_achieved',
  'destruction_impossible',
  'breach_notice',
  'breach_results',
] as const;
export type RuleCode = (typeof ruleCodes)[number];

export const extensionSchema = z.object({
  days: z.number().int().min(1).max(366),
  unit: z.enum(['working', 'calendar']),
});

export const ruleSchema = z.object({
  code: z.enum(ruleCodes),
  title: z.string().trim().min(1).max(300),
  days: z.number().int().min(0).max(3660).nullable(),
  unit: z.enum(periodUnits),
  extension: extensionSchema.nullable(),
  legalRef: z.string().trim().max(1000),
  unconfirmed: z.boolean(),
});
export type DeadlineRule = z.output<typeof ruleSchema>;

export type DeadlineProfiles = Record<Jurisdiction, DeadlineRule[]>;

const titles: Record<RuleCode, string> = {
  access: 'Ответ на запрос субъекта о его персональных данных',
  withdrawal: 'Отзыв согласия: прекратить обработку и уничтожить данные',
  stop_processing: 'Требование субъекта прекратить обработку',
  inaccurate_block: 'Неточные данные: блокирование на время проверки',
  inaccurate_correct: 'Неточные данные: уточнить и снять блокирование',
  unlawful_stop: 'Неправомерная обработка: прекратить',
  unlawful_destroy: 'Неправомерная обработка: уничтожить, если её нельзя сделать правомерной',
  subject_destroy: 'Требование субъекта уничтожить незаконно полученные или ненужные данные',
  regulator_request: 'Ответ на запрос уполномоченного органа',
  purpose_achieved: 'Цель обработки достигнута: уничтожить данные',
  destruction_impossible: 'Уничтожение в срок невозможно: заблокировать и уничтожить',
  breach_notice: 'Инцидент: уведомить уполномоченный орган',
  breach_results: 'Инцидент: сообщить результаты расследования',
};

type RuleDefault = Omit<DeadlineRule, 'code' | 'title'>;
const rule = (days: number | null, unit: PeriodUnit, legalRef: string, o: { ext?: number; unconfirmed?: boolean } = {}): RuleDefault => ({
  days,
  unit,
  extension: o.ext ? { days: o.ext, unit: 'working' } : null,
  legalRef,
  unconfirmed: o.unconfirmed ?? false,
});

// domain.md's table. Rules not in that table (subject_destroy, regulator_request) carry the
// article they come from and are marked unconfirmed, like the table's *check* figures.
const defaultsByCode: Record<Jurisdiction, Record<RuleCode, RuleDefault>> = {
  RU: {
    access: rule(10, 'working', '152-ФЗ ст. 14, ст. 20 ч. 1–2 (продление на 5 рабочих дней — с мотивированным уведомлением)', { ext: 5 }),
    withdrawal: rule(30, 'calendar', '152-ФЗ ст. 21 ч. 5'),
    stop_processing: rule(10, 'working', '152-ФЗ ст. 21 ч. 5.1 (продление на 5 рабочих дней — с мотивированным уведомлением)', { ext: 5, unconfirmed: true }),
    inaccurate_block: rule(0, 'working', '152-ФЗ ст. 21 ч. 1 (блокировать с момента обращения на период проверки)'),
    inaccurate_correct: rule(7, 'working', '152-ФЗ ст. 21 ч. 2'),
    unlawful_stop: rule(3, 'working', '152-ФЗ ст. 21 ч. 3'),
    unlawful_destroy: rule(10, 'working', '152-ФЗ ст. 21 ч. 3'),
    subject_destroy: rule(7, 'working', '152-ФЗ ст. 20 ч. 3', { unconfirmed: true }),
    regulator_request: rule(10, 'working', '152-ФЗ ст. 20 ч. 4 (продление на 5 рабочих дней — с мотивированным уведомлением)', { ext: 5, unconfirmed: true }),
    purpose_achieved: rule(30, 'calendar', '152-ФЗ ст. 21 ч. 4'),
    destruction_impossible: rule(6, 'months', '152-ФЗ ст. 21 ч. 6', { unconfirmed: true }),
    breach_notice: rule(24, 'hours', '152-ФЗ ст. 21 ч. 3.1 п. 1'),
    breach_results: rule(72, 'hours', '152-ФЗ ст. 21 ч. 3.1 п. 2'),
  },
  KZ: {
    access: rule(null, 'working', 'Закон РК 94-V ст. 24–25 (срок не подтверждён: укажите его)', { unconfirmed: true }),
    withdrawal: rule(null, 'working', 'Закон РК 94-V ст. 8 (срок не подтверждён: укажите его)', { unconfirmed: true }),
    stop_processing: rule(null, 'working', 'Закон РК 94-V (срок не подтверждён: укажите его)', { unconfirmed: true }),
    inaccurate_block: rule(1, 'working', 'Закон РК 94-V ст. 25', { unconfirmed: true }),
    inaccurate_correct: rule(1, 'working', 'Закон РК 94-V ст. 25', { unconfirmed: true }),
    unlawful_stop: rule(1, 'working', 'Закон РК 94-V ст. 25', { unconfirmed: true }),
    unlawful_destroy: rule(1, 'working', 'Закон РК 94-V ст. 25', { unconfirmed: true }),
    subject_destroy: rule(1, 'working', 'Закон РК 94-V ст. 25', { unconfirmed: true }),
    regulator_request: rule(null, 'working', 'Закон РК 94-V (срок не подтверждён: укажите его)', { unconfirmed: true }),
    purpose_achieved: rule(0, 'calendar', 'Закон РК 94-V ст. 12 (по достижении цели)'),
    destruction_impossible: rule(null, 'months', 'Закон РК 94-V (срок не подтверждён: укажите его)', { unconfirmed: true }),
    breach_notice: rule(1, 'working', 'Закон РК 94-V (с 01.07.2024)'),
    breach_results: rule(null, 'hours', 'Закон РК 94-V (срок не подтверждён: укажите его)', { unconfirmed: true }),
  },
};

export function defaultRules(j: Jurisdiction): DeadlineRule[] {
  return ruleCodes.map((code) => ({ code, title: titles[code], ...defaultsByCode[j][code] }));
}

// Which rule a request type runs under, the same in both profiles:
// - access → access (RU art. 14, 20: 10 working days, +5 with a reasoned notice);
// - correction → inaccurate_correct (correct within 7 working days, art. 21 part 2);
// - withdrawal → withdrawal (30 days, art. 21 part 5);
// - stop_processing → stop_processing (art. 21 part 5.1);
// - block → inaccurate_block (block at once, art. 21 part 1: a subject asks to block because
//   the data is inaccurate or processed unlawfully);
// - destroy → subject_destroy (art. 20 part 3: destroy unlawfully obtained or unnecessary data
//   within 7 working days);
// - regulator_demand → regulator_request (art. 20 part 4: 10 working days, +5 with notice).
export const requestTypes = ['access', 'correction', 'withdrawal', 'stop_processing', 'block', 'destroy', 'regulator_demand'] as const;
export type RequestType = (typeof requestTypes)[number];
export const requestTypeRule: Record<RequestType, RuleCode> = {
  access: 'access',
  correction: 'inaccurate_correct',
  withdrawal: 'withdrawal',
  stop_processing: 'stop_processing',
  block: 'inaccurate_block',
  destroy: 'subject_destroy',
  regulator_demand: 'regulator_request',
};

const SETTING = 'deadline_rules';

// Stored profiles, completed from the defaults for any code added after the register was made.
export function getRules(db: DB, j: Jurisdiction): DeadlineRule[] {
  const stored = getSetting<Partial<DeadlineProfiles>>(db, SETTING)?.[j] ?? [];
  const byCode = new Map(stored.map((r) => [r.code, r]));
  return defaultRules(j).map((d) => byCode.get(d.code) ?? d);
}

export function getRule(db: DB, j: Jurisdiction, code: RuleCode): DeadlineRule {
  const r = getRules(db, j).find((x) => x.code === code);
  if (!r) throw new RegisterError('internal', `Нет правила срока ${code}.`);
  return r;
}

// The rule a new request is opened under; fails while its figure is not configured.
export function ruleForRequest(db: DB, j: Jurisdiction, type: RequestType): DeadlineRule & { days: number } {
  const r = getRule(db, j, requestTypeRule[type]);
  if (r.days === null) {
    throw new RegisterError(
      'deadline_not_configured',
      `Срок «${r.title}» не настроен в профиле ${j}: руководитель должен указать его в настройках сроков (${r.legalRef}).`,
      { jurisdiction: j, rule: r.code, requestType: type },
    );
  }
  return r as DeadlineRule & { days: number };
}

export function seedDeadlineDefaults(db: DB, at: string): void {
  putSetting(db, SETTING, { RU: defaultRules('RU'), KZ: defaultRules('KZ') } satisfies DeadlineProfiles);
  for (const c of shippedCalendars) writeCalendar(db, calendarInputSchema.parse(c), at, null);
}

// ---------------------------------------------------------------------------------------------
// Operations. They are merged into the operation table through requestOps (db/requests.ts).

const ruleEditSchema = z.object({
  jurisdiction: jurisdictionSchema,
  code: z.enum(ruleCodes),
  days: z.number().int().min(0).max(3660).nullable().optional(),
  unit: z.enum(periodUnits).optional(),
  extension: extensionSchema.nullable().optional(),
  legalRef: z.string().trim().max(1000).optional(),
  // A manager's edit is the clinic's own decision: the flag clears unless it is set again.
  unconfirmed: z.boolean().default(false),
});

export const deadlineOps = {
  'deadline.rules': defineOp({
    summary: 'Показать сроки обработки обращений и их правовые основания',
    input: z.object({ jurisdiction: jurisdictionSchema.optional() }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) => {
      const jurisdiction = input.jurisdiction ?? getJurisdiction(ctx.db);
      return { jurisdiction, rules: getRules(ctx.db, jurisdiction), requestTypes: { ...requestTypeRule } };
    },
  }),
  'deadline.setRule': defineOp({
    summary: 'Изменить срок (число, единицу, продление, правовое основание)',
    input: ruleEditSchema,
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, input) => {
      const { jurisdiction, code, ...patch } = input;
      const before = getRule(ctx.db, jurisdiction, code);
      const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const next = ruleSchema.parse({ ...before, ...changes });
      if (next.extension && (next.unit === 'hours' || next.unit === 'months')) {
        throw new RegisterError('invalid_input', 'Продление задаётся только для сроков в рабочих или календарных днях.');
      }
      const profiles: DeadlineProfiles = { RU: getRules(ctx.db, 'RU'), KZ: getRules(ctx.db, 'KZ') };
      profiles[jurisdiction] = profiles[jurisdiction].map((r) => (r.code === code ? next : r));
      putSetting(ctx.db, SETTING, profiles);
      audit(ctx, {
        action: 'deadline.rule',
        details: { jurisdiction, code, fields: Object.keys(changes), from: { days: before.days, unit: before.unit }, to: { days: next.days, unit: next.unit } },
      });
      return next;
    },
  }),
  'calendar.list': defineOp({
    summary: 'Производственные календари (нерабочие и перенесённые рабочие дни)',
    input: z.object({ country: jurisdictionSchema.optional() }),
    permission: 'settings.legal',
    tx: 'read',
    handler: (ctx, input) => listCalendars(ctx.db, input.country),
  }),
  'calendar.set': defineOp({
    summary: 'Загрузить или заменить производственный календарь на год',
    input: calendarInputSchema,
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, input) => {
      const replaced = ctx.db.prepare('SELECT 1 FROM calendars WHERE country = ? AND year = ?').get(input.country, input.year) !== undefined;
      writeCalendar(ctx.db, input, ctx.now().toISOString(), ctx.actor.id);
      audit(ctx, {
        action: 'calendar.set',
        entity: 'calendar',
        entityId: input.year,
        details: { country: input.country, year: input.year, replaced, status: input.status, holidays: input.holidays.length, workdays: input.workdays.length },
      });
      const saved = listCalendars(ctx.db, input.country).find((c) => c.year === input.year);
      if (!saved) throw new RegisterError('internal');
      return saved;
    },
  }),
};

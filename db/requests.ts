import { z } from 'zod';
import { audit } from './audit.ts';
import { type Ctx, localDate, nowIso, today } from './context.ts';
import {
  type CalendarLookup,
  calendarLookup,
  computeDaysLeft,
  computeDue,
  type DeadlineRule,
  type RequestType,
  requestTypes,
  ruleForRequest,
} from './deadlines.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { idSchema, isoDateSchema, type Jurisdiction } from './schemas.ts';
import { getJurisdiction } from './settings.ts';

// Subjects' requests (обращения) and the regulator's demands. A request keeps a snapshot of the
// rule it was opened under (a later edit of the profile does not move a running deadline), but
// its due date and the days left are computed on every read from the receipt date, that
// snapshot and the calendars loaded now: nothing computed is stored, so loading a corrected
// calendar corrects every open deadline at once.

export const requestChannels = ['in_person', 'post', 'email', 'phone', 'website', 'regulator', 'other'] as const;
export const requesterKinds = ['subject', 'representative', 'regulator', 'other'] as const;

const typeTitles: Record<RequestType, string> = {
  access: 'запрос сведений',
  correction: 'уточнение данных',
  withdrawal: 'отзыв согласия',
  stop_processing: 'требование прекратить обработку',
  block: 'требование блокирования',
  destroy: 'требование уничтожения',
  regulator_demand: 'запрос уполномоченного органа',
};

interface RequestRow {
  id: number;
  person_id: number | null;
  type: RequestType;
  received_at: string;
  channel: (typeof requestChannels)[number];
  requester_kind: (typeof requesterKinds)[number];
  requester: string | null;
  jurisdiction: Jurisdiction;
  rule: string;
  extended_at: string | null;
  extension_notice: string | null;
  status: 'open' | 'closed';
  answer: string | null;
  closed_at: string | null;
  closed_by: number | null;
  opened_by: number;
  created_at: string;
}

type RuleSnapshot = DeadlineRule & { days: number };

function deadlineOf(row: RequestRow, lookup: CalendarLookup, todayDate: string) {
  const rule = JSON.parse(row.rule) as RuleSnapshot;
  const extended = row.extended_at !== null;
  const d = computeDue(row.received_at, rule, lookup, extended ? rule.extension : null);
  const base = {
    due: d.due,
    originalDue: d.originalDue,
    extended,
    canExtend: row.status === 'open' && !extended && rule.extension !== null && todayDate <= d.originalDue,
    legalRef: rule.legalRef,
    ruleCode: rule.code,
    ruleUnconfirmed: rule.unconfirmed,
  };
  if (row.status === 'closed' && row.closed_at) {
    const closedOn = localDate(new Date(row.closed_at));
    return {
      ...base,
      workingDaysLeft: null,
      calendarDaysLeft: null,
      overdue: false,
      answeredLate: closedOn > d.due,
      provisional: d.provisional,
      missingYears: d.missingYears,
    };
  }
  const left = computeDaysLeft(d.due, todayDate, lookup);
  const missingYears = [...new Set([...d.missingYears, ...left.missingYears])].sort((a, b) => a - b);
  return {
    ...base,
    workingDaysLeft: left.workingDaysLeft,
    calendarDaysLeft: left.calendarDaysLeft,
    overdue: left.overdue,
    answeredLate: null,
    provisional: missingYears.length > 0,
    missingYears,
  };
}

function toRequest(row: RequestRow, lookup: CalendarLookup, todayDate: string) {
  return {
    id: row.id,
    personId: row.person_id,
    type: row.type,
    receivedAt: row.received_at,
    channel: row.channel,
    requesterKind: row.requester_kind,
    requester: row.requester,
    jurisdiction: row.jurisdiction,
    rule: JSON.parse(row.rule) as RuleSnapshot,
    status: row.status,
    extendedAt: row.extended_at,
    extensionNotice: row.extension_notice,
    answer: row.answer,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    openedBy: row.opened_by,
    createdAt: row.created_at,
    ...deadlineOf(row, lookup, todayDate),
  };
}
export type SubjectRequest = ReturnType<typeof toRequest>;

// Reads build one calendar lookup per jurisdiction per call.
function reader(ctx: Ctx) {
  const lookups = new Map<Jurisdiction, CalendarLookup>();
  const todayDate = today(ctx);
  return (row: RequestRow) => {
    let lookup = lookups.get(row.jurisdiction);
    if (!lookup) {
      lookup = calendarLookup(ctx.db, row.jurisdiction);
      lookups.set(row.jurisdiction, lookup);
    }
    return toRequest(row, lookup, todayDate);
  };
}

function loadRow(ctx: Ctx, id: number): RequestRow {
  const row = ctx.db.prepare('SELECT * FROM requests WHERE id = ?').get(id) as RequestRow | undefined;
  if (!row) throw new RegisterError('not_found', `Обращение №${id} не найдено.`);
  return row;
}

export function getRequest(ctx: Ctx, id: number): SubjectRequest {
  return reader(ctx)(loadRow(ctx, id));
}

export const openRequestInput = z.object({
  person: idSchema.optional(),
  type: z.enum(requestTypes),
  receivedAt: isoDateSchema.optional(),
  channel: z.enum(requestChannels),
  requesterKind: z.enum(requesterKinds).default('subject'),
  // Free text: who asked and how to reach them. May be personal data; never goes to the log.
  requester: z.string().trim().max(1000).optional(),
});
export type OpenRequestInput = z.output<typeof openRequestInput>;

// Exported for the flows that open a request as part of another action (a withdrawal of
// consent, a block on the subject's demand); the caller's transaction holds both.
export function openRequest(ctx: Ctx, input: OpenRequestInput): SubjectRequest {
  const receivedAt = input.receivedAt ?? today(ctx);
  if (receivedAt > today(ctx)) throw new RegisterError('invalid_input', 'Дата получения обращения не может быть позже сегодняшней.');
  if (input.person !== undefined) {
    const p = ctx.db.prepare('SELECT destroyed_act_id FROM persons WHERE id = ?').get(input.person) as { destroyed_act_id: number | null } | undefined;
    if (!p) throw new RegisterError('not_found', `Субъект №${input.person} не найден.`);
    if (p.destroyed_act_id !== null) throw new RegisterError('person_destroyed');
  }
  const jurisdiction = getJurisdiction(ctx.db);
  const rule = ruleForRequest(ctx.db, jurisdiction, input.type);
  const at = nowIso(ctx);
  const id = Number(
    ctx.db
      .prepare(
        `INSERT INTO requests (person_id, type, received_at, channel, requester_kind, requester, jurisdiction, rule, opened_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.person ?? null,
        input.type,
        receivedAt,
        input.channel,
        input.requesterKind,
        input.requester || null,
        jurisdiction,
        JSON.stringify(rule),
        ctx.actor.id,
        at,
      ).lastInsertRowid,
  );
  audit(ctx, {
    action: 'request.open',
    entity: 'request',
    entityId: id,
    details: {
      type: input.type,
      personId: input.person ?? null,
      receivedAt,
      channel: input.channel,
      requesterKind: input.requesterKind,
      jurisdiction,
      rule: rule.code,
      days: rule.days,
      unit: rule.unit,
    },
  });
  return getRequest(ctx, id);
}

export const requestOps = {
  'request.open': defineOp({
    summary: 'Зарегистрировать обращение субъекта или запрос уполномоченного органа',
    input: openRequestInput,
    permission: 'requests.write',
    tx: 'write',
    handler: (ctx, input) => openRequest(ctx, input),
  }),
  'request.extend': defineOp({
    summary: 'Продлить срок ответа с мотивированным уведомлением (один раз)',
    input: z.object({ id: idSchema, notice: z.string().trim().min(1).max(4000) }),
    permission: 'requests.write',
    tx: 'write',
    handler: (ctx, input) => {
      const current = getRequest(ctx, input.id);
      if (current.status !== 'open') throw new RegisterError('conflict', 'Обращение закрыто: срок продлить нельзя.');
      if (current.extended) throw new RegisterError('conflict', 'Срок ответа уже продлевался: продлить его можно только один раз.');
      if (!current.rule.extension)
        throw new RegisterError('conflict', `Для вида обращения «${typeTitles[current.type]}» продление срока не предусмотрено (${current.rule.legalRef}).`);
      if (today(ctx) > current.originalDue)
        throw new RegisterError('conflict', `Срок ответа истёк ${current.originalDue}: продлить его можно только до окончания срока.`);
      ctx.db.prepare('UPDATE requests SET extended_at = ?, extension_notice = ? WHERE id = ?').run(nowIso(ctx), input.notice, input.id);
      audit(ctx, {
        action: 'request.extend',
        entity: 'request',
        entityId: input.id,
        details: { fields: ['extension_notice'], days: current.rule.extension.days, unit: current.rule.extension.unit },
      });
      return getRequest(ctx, input.id);
    },
  }),
  'request.close': defineOp({
    summary: 'Закрыть обращение с ответом',
    input: z.object({ id: idSchema, answer: z.string().trim().min(1).max(20_000) }),
    permission: 'requests.write',
    tx: 'write',
    handler: (ctx, input) => {
      const current = getRequest(ctx, input.id);
      if (current.status !== 'open') throw new RegisterError('conflict', `Обращение №${input.id} уже закрыто.`);
      ctx.db
        .prepare("UPDATE requests SET status = 'closed', answer = ?, closed_at = ?, closed_by = ? WHERE id = ?")
        .run(input.answer, nowIso(ctx), ctx.actor.id, input.id);
      const closed = getRequest(ctx, input.id);
      audit(ctx, {
        action: 'request.close',
        entity: 'request',
        entityId: input.id,
        details: { fields: ['answer'], due: closed.due, answeredLate: closed.answeredLate },
      });
      return closed;
    },
  }),
  'request.list': defineOp({
    summary: 'Журнал обращений (открытые — по сроку)',
    input: z.object({
      status: z.enum(['open', 'closed', 'all']).default('open'),
      person: idSchema.optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
    }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) => {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: input.limit };
      if (input.status !== 'all') {
        where.push('status = @status');
        args.status = input.status;
      }
      if (input.person !== undefined) {
        where.push('person_id = @person');
        args.person = input.person;
      }
      const rows = ctx.db
        .prepare(
          `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at ${input.status === 'open' ? 'ASC' : 'DESC'}, id LIMIT @limit`,
        )
        .all(args) as RequestRow[];
      const list = rows.map(reader(ctx));
      // Open requests come soonest-due first: that is the order the desk works them in.
      const rank = (r: SubjectRequest) => (r.status === 'open' ? 0 : 1);
      return list.sort((a, b) => rank(a) - rank(b) || (a.status === 'open' ? a.due.localeCompare(b.due) || a.id - b.id : 0));
    },
  }),
  'request.get': defineOp({
    summary: 'Показать обращение',
    input: z.object({ id: idSchema }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) => getRequest(ctx, input.id),
  }),
};

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { type Ctx, nowIso, today } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { requireLivingPerson } from './persons.ts';
import { findPurpose, type PurposeRow, purposeRefSchema } from './purposes.ts';
import { idSchema, isoDateSchema, personNameSchema } from './schemas.ts';

// Consent is a list of events per person and purpose; nothing is ever overwritten. The current
// state is the latest event (by effective date, then by the order recorded — the same order as the
// consent_current view), and expiry is derived on read from valid_until, never stored, so a
// consent quietly running out needs no background job and no write.
//
// Event kinds as this module writes them:
// - 'given'    — consent obtained, with its evidence;
// - 'renewed'  — a new "given" while the previous consent was still active (fresh evidence/term);
// - 'withdrawn'— the subject withdrew consent for this one purpose;
// - 'refused'  — the subject was asked and declined to give consent for this purpose (the desk
//   offered the marketing form and it was not signed). It proves the question was asked and keeps
//   the purpose off-limits. A refusal by the operator to accept a withdrawal (KZ 94-V art. 8: only
//   where withdrawal contradicts a law or an unfulfilled obligation) is NOT a consent event: the
//   consent stays as it was, and the refusal with its legal reason is the answer that closes the
//   subject's 'withdrawal' request in the request journal.
// - 'expired'  — allowed by the schema for imports; this module derives expiry instead.

export const consentChannels = ['paper', 'website', 'electronic', 'phone', 'email', 'in_person', 'other'] as const;
export type ConsentState = 'active' | 'withdrawn' | 'refused' | 'expired' | 'none';

// Written consent (152-FZ art. 9 part 4, art. 10): a paper form with a handwritten signature or an
// electronic document signed with an electronic signature.
const writtenChannels: readonly string[] = ['paper', 'electronic'];

export const maxScanBytes = 20 * 1024 * 1024;
export const scanMimes = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] as const;
const scanMagic: Record<(typeof scanMimes)[number], Buffer[]> = {
  'application/pdf': [Buffer.from('%PDF-')],
  'image/jpeg': [Buffer.from([0xff, 0xd8, 0xff])],
  'image/png': [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  'image/tiff': [Buffer.from('II*\0', 'latin1'), Buffer.from('MM\0*', 'latin1')],
};

// Scans cross IPC/HTTP as base64. The length cap is checked on the text before decoding, so an
// oversized upload is refused without allocating it twice. A plain character-class test: a
// grouped, repeated pattern overflows the regex engine's stack on a scan of a few megabytes.
const maxBase64Length = Math.ceil(maxScanBytes / 3) * 4;
const base64Content = z
  .string()
  .check((c) => {
    const s = c.value;
    if (s.length > maxBase64Length) c.issues.push({ code: 'custom', input: s, message: `скан не больше ${maxScanBytes / 1024 / 1024} МБ` });
    else if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
      c.issues.push({ code: 'custom', input: s, message: 'содержимое скана должно быть в base64' });
  })
  .transform((s) => Buffer.from(s, 'base64'))
  .refine((b) => b.length > 0, 'скан пустой');

const scanShape = { content: base64Content, mime: z.enum(scanMimes) };
interface ScanInput {
  content: Buffer;
  mime: (typeof scanMimes)[number];
}

// A scan declared as PDF must start like one: a mislabelled upload would not open for an inspector.
function checkScanType(s: ScanInput, c: z.RefinementCtx, path: (string | number)[]): void {
  // zod still runs object refinements after a field failed; the content is then not decoded.
  if (!Buffer.isBuffer(s.content)) return;
  if (!scanMagic[s.mime].some((m) => s.content.subarray(0, m.length).equals(m))) {
    c.addIssue({ code: 'custom', path, message: `содержимое не похоже на файл типа ${s.mime}` });
  }
}

export const scanInput = z.object(scanShape).superRefine((s, c) => checkScanType(s, c, ['content']));

const noteText = z.string().trim().max(2000);

const giveInput = z
  .object({
    personId: idSchema,
    purpose: purposeRefSchema,
    // The date the subject signed (or submitted the form); defaults to today.
    date: isoDateSchema.optional(),
    channel: z.enum(consentChannels),
    formVersion: z.string().trim().min(1).max(100).optional(),
    paperFormNumber: z.string().trim().min(1).max(100).optional(),
    receivedBy: idSchema.optional(),
    validUntil: isoDateSchema.optional(),
    representative: z
      .object({ name: personNameSchema, authority: z.string().trim().min(1, 'укажите документ, подтверждающий полномочия').max(500) })
      .optional(),
    scan: scanInput.optional(),
    note: noteText.optional(),
  })
  .superRefine((i, c) => {
    if (i.channel === 'paper' && !i.formVersion) c.addIssue({ code: 'custom', path: ['formVersion'], message: 'для бумажного согласия укажите версию бланка' });
    if (i.channel === 'paper' && !i.paperFormNumber)
      c.addIssue({ code: 'custom', path: ['paperFormNumber'], message: 'для бумажного согласия укажите номер бланка' });
  });

const withdrawInput = z.object({
  personId: idSchema,
  purpose: purposeRefSchema,
  // The date the withdrawal was received.
  date: isoDateSchema.optional(),
  channel: z.enum(consentChannels),
  note: noteText.optional(),
});

export interface ConsentEventRow {
  id: number;
  person_id: number;
  purpose_id: number;
  kind: 'given' | 'withdrawn' | 'refused' | 'expired' | 'renewed';
  effective_date: string;
  channel: (typeof consentChannels)[number];
  form_version: string | null;
  paper_form_number: string | null;
  received_by: number | null;
  valid_until: string | null;
  representative_name: string | null;
  representative_authority: string | null;
  note: string | null;
  recorded_by: number;
  recorded_at: string;
}

interface ScanMeta {
  id: number;
  consent_event_id: number;
  sha256: string;
  mime: string;
  size: number;
  added_by: number;
  added_at: string;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function currentConsentEvent(db: DB, personId: number, purposeId: number): ConsentEventRow | undefined {
  return db
    .prepare('SELECT * FROM consent_events WHERE person_id = ? AND purpose_id = ? ORDER BY effective_date DESC, id DESC LIMIT 1')
    .get(personId, purposeId) as ConsentEventRow | undefined;
}

export function stateOf(ev: ConsentEventRow | undefined, onDate: string): ConsentState {
  if (!ev) return 'none';
  if (ev.kind === 'given' || ev.kind === 'renewed') return ev.valid_until !== null && ev.valid_until < onDate ? 'expired' : 'active';
  return ev.kind;
}

const stateWords: Record<ConsentState, string> = {
  active: 'действует',
  withdrawn: 'отозвано',
  refused: 'субъект отказался дать согласие',
  expired: 'срок действия истёк',
  none: 'согласие не давалось',
};

function requireUser(db: DB, id: number): void {
  if (!db.prepare('SELECT 1 FROM users WHERE id = ? AND disabled_at IS NULL').get(id)) {
    throw new RegisterError('not_found', `Сотрудник №${id}, принявший согласие, не найден или отключён.`);
  }
}

// A back-dated event older than the current one would sort below it and silently change nothing.
function requireNotBefore(current: ConsentEventRow | undefined, date: string): void {
  if (current && date < current.effective_date) {
    throw new RegisterError(
      'conflict',
      `Дата ${date} раньше последнего события по этой цели (${current.effective_date}): такое событие не изменило бы состояние согласия.`,
    );
  }
}

function requireNotFuture(ctx: Ctx, date: string, what: string): void {
  if (date > today(ctx)) throw new RegisterError('invalid_input', `Неверные входные данные: ${what} не может быть позже сегодняшнего дня.`);
}

function storeScan(ctx: Ctx, eventId: number, personId: number, scan: ScanInput) {
  const sha256 = createHash('sha256').update(scan.content).digest('hex');
  const id = Number(
    ctx.db
      .prepare('INSERT INTO scans (consent_event_id, person_id, sha256, mime, size, content, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(eventId, personId, sha256, scan.mime, scan.content.length, scan.content, ctx.actor.id, nowIso(ctx)).lastInsertRowid,
  );
  return { id, sha256, mime: scan.mime, size: scan.content.length };
}

function userNames(db: DB): Map<number, string> {
  return new Map((db.prepare('SELECT id, full_name FROM users').all() as { id: number; full_name: string }[]).map((u) => [u.id, u.full_name]));
}

function toEvent(ev: ConsentEventRow, scans: ScanMeta[], names: Map<number, string>) {
  return {
    id: ev.id,
    kind: ev.kind,
    date: ev.effective_date,
    channel: ev.channel,
    formVersion: ev.form_version,
    paperFormNumber: ev.paper_form_number,
    receivedBy: ev.received_by === null ? null : { id: ev.received_by, fullName: names.get(ev.received_by) ?? '' },
    validUntil: ev.valid_until,
    representative: ev.representative_name === null ? null : { name: ev.representative_name, authority: ev.representative_authority ?? '' },
    note: ev.note,
    recordedBy: { id: ev.recorded_by, fullName: names.get(ev.recorded_by) ?? '' },
    recordedAt: ev.recorded_at,
    scans: scans.filter((s) => s.consent_event_id === ev.id).map((s) => ({ id: s.id, sha256: s.sha256, mime: s.mime, size: s.size, addedAt: s.added_at })),
  };
}
export type ConsentEvent = ReturnType<typeof toEvent>;

export function consentStates(db: DB, personId: number, onDate: string) {
  const events = db.prepare('SELECT * FROM consent_events WHERE person_id = ? ORDER BY purpose_id, effective_date, id').all(personId) as ConsentEventRow[];
  const scans = db
    .prepare('SELECT id, consent_event_id, sha256, mime, size, added_by, added_at FROM scans WHERE person_id = ? ORDER BY id')
    .all(personId) as ScanMeta[];
  const withEvents = new Set(events.map((e) => e.purpose_id));
  const purposes = (db.prepare('SELECT * FROM purposes ORDER BY id').all() as PurposeRow[]).filter((p) => p.active === 1 || withEvents.has(p.id));
  const names = userNames(db);
  return purposes.map((p) => {
    const history = events.filter((e) => e.purpose_id === p.id);
    // History is in ascending order of the same key the current state uses.
    const current = history.at(-1);
    const state = stateOf(current, onDate);
    const lastGiven = history.filter((e) => e.kind === 'given' || e.kind === 'renewed').at(-1);
    const isGiven = current !== undefined && (current.kind === 'given' || current.kind === 'renewed');
    return {
      purpose: {
        id: p.id,
        code: p.code,
        title: p.title_ru,
        isMarketing: p.is_marketing === 1,
        requiresWritten: p.requires_written === 1,
        active: p.active === 1,
      },
      state,
      since: current === undefined ? null : state === 'expired' && current.valid_until ? addDays(current.valid_until, 1) : current.effective_date,
      validUntil: isGiven ? current.valid_until : null,
      // The evidence of the latest "given", kept visible after a withdrawal or expiry as well.
      evidence: lastGiven ? toEvent(lastGiven, scans, names) : null,
      history: history.map((e) => toEvent(e, scans, names)),
    };
  });
}
export type PurposeConsent = ReturnType<typeof consentStates>[number];

function purposeConsent(db: DB, personId: number, purposeId: number, onDate: string): PurposeConsent {
  const found = consentStates(db, personId, onDate).find((c) => c.purpose.id === purposeId);
  if (!found) throw new RegisterError('internal');
  return found;
}

export const consentOps = {
  'consent.give': defineOp({
    summary: 'Записать согласие субъекта на цель обработки (с доказательствами)',
    input: giveInput,
    permission: 'consents.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      // The schema refuses this too (trigger); checking first spares decoding and storing a scan.
      if (person.blocked) throw new RegisterError('person_blocked');
      const purpose = findPurpose(ctx.db, i.purpose);
      if (purpose.active !== 1)
        throw new RegisterError('conflict', `Цель обработки «${purpose.title_ru}» выведена из употребления: новые согласия на неё не принимаются.`);
      if (purpose.requires_written === 1 && !writtenChannels.includes(i.channel)) {
        throw new RegisterError(
          'invalid_input',
          `Неверные входные данные: для цели «${purpose.title_ru}» нужно письменное согласие — бумажный бланк с подписью или электронный документ с электронной подписью.`,
        );
      }
      const date = i.date ?? today(ctx);
      requireNotFuture(ctx, date, 'дата согласия');
      const receivedBy = i.receivedBy ?? ctx.actor.id;
      requireUser(ctx.db, receivedBy);
      const current = currentConsentEvent(ctx.db, person.id, purpose.id);
      requireNotBefore(current, date);
      const validUntil = i.validUntil ?? (purpose.default_term_days ? addDays(date, purpose.default_term_days) : null);
      if (validUntil !== null && validUntil < date)
        throw new RegisterError('invalid_input', 'Неверные входные данные: срок действия согласия не может закончиться раньше даты согласия.');
      const kind = stateOf(current, today(ctx)) === 'active' ? 'renewed' : 'given';
      const eventId = Number(
        ctx.db
          .prepare(
            `INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, form_version, paper_form_number, received_by, valid_until,
               representative_name, representative_authority, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            person.id,
            purpose.id,
            kind,
            date,
            i.channel,
            i.formVersion ?? null,
            i.paperFormNumber ?? null,
            receivedBy,
            validUntil,
            i.representative?.name ?? null,
            i.representative?.authority ?? null,
            i.note || null,
            ctx.actor.id,
            nowIso(ctx),
          ).lastInsertRowid,
      );
      const scan = i.scan ? storeScan(ctx, eventId, person.id, i.scan) : null;
      audit(ctx, {
        action: 'consent.give',
        entity: 'person',
        entityId: person.id,
        details: {
          eventId,
          purpose: purpose.code,
          kind,
          date,
          channel: i.channel,
          formVersion: i.formVersion ?? null,
          validUntil,
          representative: i.representative !== undefined,
          ...(scan ? { scanId: scan.id, scanSha256: scan.sha256 } : {}),
        },
      });
      return { eventId, kind, scan, consent: purposeConsent(ctx.db, person.id, purpose.id, today(ctx)) };
    },
  }),

  'consent.withdraw': defineOp({
    summary: 'Записать отзыв согласия по одной цели (остальные цели не затрагиваются)',
    input: withdrawInput,
    permission: 'consents.write',
    tx: 'write',
    handler: (ctx, i) => {
      // A blocked person may still withdraw: withdrawal stops processing, it is not processing.
      const person = requireLivingPerson(ctx.db, i.personId);
      const purpose = findPurpose(ctx.db, i.purpose);
      const date = i.date ?? today(ctx);
      requireNotFuture(ctx, date, 'дата получения отзыва');
      const current = currentConsentEvent(ctx.db, person.id, purpose.id);
      const state = stateOf(current, today(ctx));
      if (state !== 'active') {
        throw new RegisterError('conflict', `Согласие на цель «${purpose.title_ru}» сейчас не действует (${stateWords[state]}): отзывать нечего.`);
      }
      requireNotBefore(current, date);
      const eventId = Number(
        ctx.db
          .prepare(
            'INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, received_by, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(person.id, purpose.id, 'withdrawn', date, i.channel, ctx.actor.id, i.note || null, ctx.actor.id, nowIso(ctx)).lastInsertRowid,
      );
      audit(ctx, { action: 'consent.withdraw', entity: 'person', entityId: person.id, details: { eventId, purpose: purpose.code, date, channel: i.channel } });
      return { eventId, consent: purposeConsent(ctx.db, person.id, purpose.id, today(ctx)) };
    },
  }),

  'consent.refuse': defineOp({
    summary: 'Записать отказ субъекта дать согласие на цель обработки',
    input: withdrawInput,
    permission: 'consents.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      const purpose = findPurpose(ctx.db, i.purpose);
      const date = i.date ?? today(ctx);
      requireNotFuture(ctx, date, 'дата отказа');
      const current = currentConsentEvent(ctx.db, person.id, purpose.id);
      if (stateOf(current, today(ctx)) === 'active') {
        throw new RegisterError('conflict', `Согласие на цель «${purpose.title_ru}» действует: если субъект больше не согласен, запишите отзыв согласия.`);
      }
      requireNotBefore(current, date);
      const eventId = Number(
        ctx.db
          .prepare(
            'INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, received_by, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(person.id, purpose.id, 'refused', date, i.channel, ctx.actor.id, i.note || null, ctx.actor.id, nowIso(ctx)).lastInsertRowid,
      );
      audit(ctx, { action: 'consent.refuse', entity: 'person', entityId: person.id, details: { eventId, purpose: purpose.code, date, channel: i.channel } });
      return { eventId, consent: purposeConsent(ctx.db, person.id, purpose.id, today(ctx)) };
    },
  }),

  'consent.list': defineOp({
    summary: 'Согласия субъекта по целям: текущее состояние, доказательства, история',
    input: z.object({ personId: idSchema }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const person = ctx.db.prepare('SELECT id, destroyed_act_id FROM persons WHERE id = ?').get(i.personId) as
        | { id: number; destroyed_act_id: number | null }
        | undefined;
      if (!person) throw new RegisterError('not_found', `Субъект №${i.personId} не найден.`);
      return { personId: person.id, destroyed: person.destroyed_act_id !== null, asOf: today(ctx), consents: consentStates(ctx.db, person.id, today(ctx)) };
    },
  }),

  'consent.attachScan': defineOp({
    summary: 'Приложить скан подписанного бланка к записанному событию согласия',
    input: z.object({ eventId: idSchema, ...scanShape }).superRefine((s, c) => checkScanType(s, c, ['content'])),
    permission: 'consents.write',
    tx: 'write',
    handler: (ctx, i) => {
      const ev = ctx.db.prepare('SELECT * FROM consent_events WHERE id = ?').get(i.eventId) as ConsentEventRow | undefined;
      if (!ev) throw new RegisterError('not_found', `Событие согласия №${i.eventId} не найдено.`);
      requireLivingPerson(ctx.db, ev.person_id);
      const scan = storeScan(ctx, ev.id, ev.person_id, i);
      audit(ctx, {
        action: 'consent.scan',
        entity: 'person',
        entityId: ev.person_id,
        details: { eventId: ev.id, scanId: scan.id, sha256: scan.sha256, mime: scan.mime, size: scan.size },
      });
      return scan;
    },
  }),

  'consent.getScan': defineOp({
    summary: 'Получить скан бланка согласия (base64)',
    input: z.object({ scanId: idSchema }),
    permission: 'persons.read',
    tx: 'write',
    handler: (ctx, i) => {
      const row = ctx.db.prepare('SELECT * FROM scans WHERE id = ?').get(i.scanId) as (ScanMeta & { person_id: number; content: Buffer }) | undefined;
      if (!row) throw new RegisterError('not_found', `Скан №${i.scanId} не найден.`);
      // Opening a signed form is access to personal data: the log shows who looked.
      audit(ctx, { action: 'consent.scan_view', entity: 'person', entityId: row.person_id, details: { scanId: row.id, eventId: row.consent_event_id } });
      return { id: row.id, eventId: row.consent_event_id, sha256: row.sha256, mime: row.mime, size: row.size, content: row.content.toString('base64') };
    },
  }),

};

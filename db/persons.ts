import { z } from 'zod';
import { audit, auditMany } from './audit.ts';
import { type DB, stmt } from './connection.ts';
import type { Ctx } from './context.ts';
import { nowIso } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { describePhone, type NormalizedEmail, normalizeEmail, normalizePhone } from './phones.ts';
import { idSchema, personNameSchema, personSourceSchema } from './schemas.ts';
import { searchPersons } from './search.ts';
import { getJurisdiction } from './settings.ts';

export type PersonSource = z.infer<typeof personSourceSchema>;

interface PersonRow {
  id: number;
  full_name: string | null;
  phone: string | null;
  email: string | null;
  email_fold: string | null;
  source: PersonSource;
  created_by: number;
  created_at: string;
  updated_at: string;
  destroyed_act_id: number | null;
}

export interface LivingPerson {
  id: number;
  destroyed: false;
  fullName: string;
  phone: string | null;
  phoneNational: string | null;
  phoneCountry: string | null;
  email: string | null;
  source: PersonSource;
  createdBy: number;
  createdAt: string;
  updatedAt: string;
  blocked: boolean;
  block: { id: number; since: string; reason: string; requestedBy: string } | null;
  needsVerification: boolean;
  verification: { id: number; since: string; reason: string | null } | null;
}

// After destruction only the proof that the person existed and was destroyed remains.
export interface DestroyedPerson {
  id: number;
  destroyed: true;
  destroyedActId: number;
  createdAt: string;
}

export type PersonView = LivingPerson | DestroyedPerson;

export interface ContactMatch {
  id: number;
  matchedOn: 'phone' | 'email';
}

// Names are stored in composed form with single spaces: the search index splits on what the
// tokenizer sees, and a decomposed "й" or "ё" would otherwise split a word in two.
export function normalizeFullName(name: string): string {
  return name.normalize('NFC').replace(/\s+/g, ' ').trim();
}

// Every card, add and edit reads these: prepared once per connection (see stmt()).
function loadRow(db: DB, id: number): PersonRow {
  const row = stmt(db, 'SELECT * FROM persons WHERE id = ?').get(id) as PersonRow | undefined;
  if (!row) throw new RegisterError('not_found', `Субъект №${id} не найден.`);
  return row;
}

export function getPerson(db: DB, id: number): PersonView {
  const row = loadRow(db, id);
  if (row.destroyed_act_id !== null) return { id: row.id, destroyed: true, destroyedActId: row.destroyed_act_id, createdAt: row.created_at };
  const block = stmt(db, 'SELECT id, began_at AS since, reason, requested_by AS requestedBy FROM blocks WHERE person_id = ? AND ended_at IS NULL').get(id) as
    | LivingPerson['block']
    | undefined;
  const verification = stmt(db, 'SELECT id, marked_at AS since, reason FROM verifications WHERE person_id = ? AND cleared_at IS NULL').get(id) as
    | LivingPerson['verification']
    | undefined;
  const phone = row.phone ? describePhone(row.phone) : null;
  return {
    id: row.id,
    destroyed: false,
    fullName: row.full_name ?? '',
    phone: row.phone,
    phoneNational: phone?.national ?? null,
    phoneCountry: phone?.country ?? null,
    email: row.email,
    source: row.source,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    blocked: block !== undefined,
    block: block ? { ...block } : null,
    needsVerification: verification !== undefined,
    verification: verification ? { ...verification } : null,
  };
}

// For modules that act on a person (consents, blocks, requests): the living record or a clear
// refusal.
export function requireLivingPerson(db: DB, id: number): LivingPerson {
  const person = getPerson(db, id);
  if (person.destroyed) throw new RegisterError('person_destroyed');
  return person;
}

// Living people who already hold this phone or e-mail. Destroyed people hold neither any more.
export function findContactMatches(db: DB, contact: { phone: string | null; emailFold: string | null }, exceptId?: number): ContactMatch[] {
  const matches: ContactMatch[] = [];
  const except = exceptId ?? 0;
  if (contact.phone) {
    for (const r of stmt(db, 'SELECT id FROM persons WHERE phone = ? AND id <> ? ORDER BY id').all(contact.phone, except) as { id: number }[]) {
      matches.push({ id: r.id, matchedOn: 'phone' });
    }
  }
  if (contact.emailFold) {
    for (const r of stmt(db, 'SELECT id FROM persons WHERE email_fold = ? AND id <> ? ORDER BY id').all(contact.emailFold, except) as { id: number }[]) {
      matches.push({ id: r.id, matchedOn: 'email' });
    }
  }
  return matches;
}

export interface NewPerson {
  // Already normalised: normalizeFullName, normalizePhone(...).e164, normalizeEmail.
  fullName: string;
  phone: string | null;
  email: NormalizedEmail | null;
  source: PersonSource;
}

// The one way persons are created, by the desk form (person.add, one at a time) and by file
// import (in batches) alike: the same row, the same triggers, the same audit entry per person. The
// caller has normalised the contacts and settled duplicates; `auditDetails` adds ids or codes only
// (never a name, phone or e-mail).
//
// One multi-row statement per batch, not one INSERT per person: every statement that opens a
// statement journal (any INSERT with triggers, the audit append included) makes FTS5 flush its
// pending terms, so per-row statements write one tiny index segment per person and merge them
// endlessly. Measured on 100k persons: ~80 µs of CPU per person one by one, ~16 µs batched.
export function insertPersons(ctx: Ctx, people: readonly NewPerson[], auditDetails: Record<string, unknown> = {}): number[] {
  if (people.length === 0) return [];
  const at = nowIso(ctx);
  // A lone UTF-16 surrogate would cross JSON as an escape SQLite turns into three bad bytes; bound
  // directly it became one U+FFFD, and still does.
  const text = (s: string | null) => s?.replace(/\p{Cs}/gu, '\uFFFD') ?? null;
  const rows = people.map((p) => [text(p.fullName), p.phone, text(p.email?.email ?? null), text(p.email?.fold ?? null), p.source]);
  const returned = stmt(
    ctx.db,
    `INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?, ?, ? FROM json_each(?) ORDER BY key RETURNING id`,
  ).all(ctx.actor.id, at, at, JSON.stringify(rows)) as { id: number }[];
  // New ids grow in the order the rows were inserted, which is the order given.
  const ids = returned.map((r) => r.id).sort((a, b) => a - b);
  auditMany(
    ctx,
    people.map((p, n) => {
      const fields = ['fullName', ...(p.phone ? ['phone'] : []), ...(p.email ? ['email'] : [])];
      return { action: 'person.add', entity: 'person', entityId: ids[n], at, details: { source: p.source, fields, ...auditDetails } };
    }),
  );
  return ids;
}

export function insertPerson(ctx: Ctx, p: NewPerson, auditDetails: Record<string, unknown> = {}): number {
  return insertPersons(ctx, [p], auditDetails)[0]!;
}

function duplicateError(matches: ContactMatch[]): RegisterError {
  const ids = [...new Set(matches.map((m) => m.id))];
  const fields = new Set(matches.map((m) => m.matchedOn));
  const what = fields.size === 2 ? 'Этот телефон и e-mail уже указаны' : fields.has('phone') ? 'Этот телефон уже указан' : 'Этот e-mail уже указан';
  const where = ids.length === 1 ? `у субъекта №${ids[0]}` : `у субъектов ${ids.map((id) => `№${id}`).join(', ')}`;
  return new RegisterError(
    'duplicate_person',
    `${what} ${where}. Откройте существующую запись; если контакт действительно общий (например, телефон семьи), подтвердите общий контакт.`,
    { matches },
  );
}

// Blank means "not given" (desk forms send empty strings for empty fields).
function blank(value: string | null | undefined): boolean {
  return value == null || value.trim() === '';
}

const contactInput = z.string().max(320);

const addInput = z.object({
  fullName: personNameSchema,
  phone: contactInput.nullish(),
  email: contactInput.nullish(),
  source: personSourceSchema,
  // Family members often share one phone or e-mail: the desk confirms it explicitly.
  allowSharedContact: z.boolean().default(false),
});

const editInput = z.object({
  id: idSchema,
  fullName: personNameSchema.optional(),
  // undefined leaves the field as it is; null or an empty string clears it.
  phone: contactInput.nullish(),
  email: contactInput.nullish(),
  source: personSourceSchema.optional(),
  allowSharedContact: z.boolean().default(false),
});

const findInput = z.object({
  query: z.string().max(200),
  limit: z.number().int().min(1).max(200).default(50),
});

export const personOps = {
  'person.add': defineOp({
    summary: 'Добавить субъекта (ФИО, телефон, e-mail, источник)',
    input: addInput,
    permission: 'persons.write',
    tx: 'write',
    handler: (ctx: Ctx, input) => {
      const jurisdiction = getJurisdiction(ctx.db);
      const fullName = normalizeFullName(input.fullName);
      const phone = blank(input.phone) ? null : normalizePhone(input.phone as string, jurisdiction).e164;
      const email = blank(input.email) ? null : normalizeEmail(input.email as string);
      const matches = findContactMatches(ctx.db, { phone, emailFold: email?.fold ?? null });
      if (matches.length > 0 && !input.allowSharedContact) throw duplicateError(matches);
      const id = insertPerson(ctx, { fullName, phone, email, source: input.source }, matches.length > 0 ? { sharedContact: matches } : {});
      return getPerson(ctx.db, id) as LivingPerson;
    },
  }),

  'person.get': defineOp({
    summary: 'Показать субъекта',
    input: z.object({ id: idSchema }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) => getPerson(ctx.db, input.id),
  }),

  'person.edit': defineOp({
    summary: 'Изменить данные субъекта',
    input: editInput,
    permission: 'persons.write',
    tx: 'write',
    handler: (ctx, input) => {
      const row = loadRow(ctx.db, input.id);
      if (row.destroyed_act_id !== null) throw new RegisterError('person_destroyed');
      const jurisdiction = getJurisdiction(ctx.db);
      const next = { full_name: row.full_name, phone: row.phone, email: row.email, email_fold: row.email_fold, source: row.source };
      if (input.fullName !== undefined) next.full_name = normalizeFullName(input.fullName);
      if (input.phone !== undefined) next.phone = blank(input.phone) ? null : normalizePhone(input.phone as string, jurisdiction).e164;
      if (input.email !== undefined) {
        const email = blank(input.email) ? null : normalizeEmail(input.email as string);
        next.email = email?.email ?? null;
        next.email_fold = email?.fold ?? null;
      }
      if (input.source !== undefined) next.source = input.source;
      const fields = [
        ...(next.full_name !== row.full_name ? ['fullName'] : []),
        ...(next.phone !== row.phone ? ['phone'] : []),
        ...(next.email !== row.email ? ['email'] : []),
        ...(next.source !== row.source ? ['source'] : []),
      ];
      if (fields.length === 0) return getPerson(ctx.db, row.id) as LivingPerson;
      // The update goes first so that the schema's own rule (no edits while blocked) answers for a
      // blocked person; a duplicate found afterwards rolls the whole transaction back.
      ctx.db
        .prepare('UPDATE persons SET full_name = ?, phone = ?, email = ?, email_fold = ?, source = ?, updated_at = ? WHERE id = ?')
        .run(next.full_name, next.phone, next.email, next.email_fold, next.source, nowIso(ctx), row.id);
      // Only a newly entered contact is checked: a phone already shared before the edit stays shared.
      const matches = findContactMatches(
        ctx.db,
        { phone: next.phone !== row.phone ? next.phone : null, emailFold: next.email_fold !== row.email_fold ? next.email_fold : null },
        row.id,
      );
      if (matches.length > 0 && !input.allowSharedContact) throw duplicateError(matches);
      audit(ctx, {
        action: 'person.edit',
        entity: 'person',
        entityId: row.id,
        details: { fields, ...(matches.length > 0 ? { sharedContact: matches } : {}) },
      });
      return getPerson(ctx.db, row.id) as LivingPerson;
    },
  }),

  'person.find': defineOp({
    summary: 'Найти субъекта по ФИО, телефону или e-mail',
    input: findInput,
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) => searchPersons(ctx.db, input.query, { limit: input.limit, jurisdiction: getJurisdiction(ctx.db) }),
  }),
};

import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { nowIso } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { findContactMatches, normalizeFullName, requireLivingPerson } from './persons.ts';
import { normalizeEmail, normalizePhone } from './phones.ts';
import { idSchema, personNameSchema } from './schemas.ts';
import { getJurisdiction } from './settings.ts';

// Blocking (блокирование) stops every use of a record except storage: no edits, no new consents,
// no marketing (triggers and the marketing_list view enforce that). A block is begun once and
// ended once; 'destroyed' as an outcome is written only by destruction.

export const blockReasons = [
  'inaccurate_data',
  'unlawful_processing',
  'subject_request',
  'representative_request',
  'regulator_request',
  'destruction_pending',
  'other',
] as const;
export const blockRequesters = ['subject', 'representative', 'regulator', 'operator'] as const;
export const unblockOutcomes = ['corrected', 'unblocked_unconfirmed', 'unblocked_lawful', 'other'] as const;

export interface BlockRow {
  id: number;
  person_id: number;
  reason: (typeof blockReasons)[number];
  requested_by: (typeof blockRequesters)[number];
  note: string | null;
  request_id: number | null;
  began_at: string;
  began_by: number;
  ended_at: string | null;
  ended_by: number | null;
  outcome: (typeof unblockOutcomes)[number] | 'destroyed' | null;
  outcome_note: string | null;
}

export function toBlock(r: BlockRow) {
  return {
    id: r.id,
    personId: r.person_id,
    reason: r.reason,
    requestedBy: r.requested_by,
    note: r.note,
    requestId: r.request_id,
    beganAt: r.began_at,
    beganBy: r.began_by,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    outcome: r.outcome,
    outcomeNote: r.outcome_note,
    open: r.ended_at === null,
  };
}
export type Block = ReturnType<typeof toBlock>;

export function openBlockOf(db: DB, personId: number): BlockRow | undefined {
  return db.prepare('SELECT * FROM blocks WHERE person_id = ? AND ended_at IS NULL').get(personId) as BlockRow | undefined;
}

function blockById(db: DB, id: number): Block {
  return toBlock(db.prepare('SELECT * FROM blocks WHERE id = ?').get(id) as BlockRow);
}

const noteText = z.string().trim().max(2000);

const corrections = z
  .object({
    fullName: personNameSchema.optional(),
    // null or an empty string clears the field, as in person.edit.
    phone: z.string().max(320).nullable().optional(),
    email: z.string().max(320).nullable().optional(),
  })
  .refine((c) => c.fullName !== undefined || c.phone !== undefined || c.email !== undefined, 'укажите хотя бы одно исправленное поле');

const unblockInput = z
  .object({
    personId: idSchema,
    outcome: z.enum(unblockOutcomes),
    note: noteText.optional(),
    corrections: corrections.optional(),
    // Family members often share one phone or e-mail: the desk confirms it explicitly.
    allowSharedContact: z.boolean().default(false),
  })
  .superRefine((i, c) => {
    if (i.outcome === 'corrected' && !i.corrections)
      c.addIssue({ code: 'custom', path: ['corrections'], message: 'исход «исправлено» требует исправленных данных' });
    if (i.outcome !== 'corrected' && i.corrections)
      c.addIssue({ code: 'custom', path: ['corrections'], message: 'исправления допускаются только с исходом «corrected»' });
  });

const blank = (v: string | null | undefined) => v == null || v.trim() === '';

export const blockOps = {
  'person.block': defineOp({
    summary: 'Заблокировать запись субъекта (обработка прекращается, кроме хранения)',
    input: z.object({
      personId: idSchema,
      reason: z.enum(blockReasons),
      requestedBy: z.enum(blockRequesters),
      note: noteText.optional(),
      requestId: idSchema.optional(),
    }),
    permission: 'blocks.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      const open = openBlockOf(ctx.db, person.id);
      if (open)
        throw new RegisterError('conflict', `Запись субъекта №${person.id} уже заблокирована (блокировка №${open.id} с ${open.began_at.slice(0, 10)}).`);
      if (i.requestId !== undefined) {
        const req = ctx.db.prepare('SELECT id, person_id FROM requests WHERE id = ?').get(i.requestId) as { id: number; person_id: number | null } | undefined;
        if (!req) throw new RegisterError('not_found', `Обращение №${i.requestId} не найдено.`);
        if (req.person_id !== null && req.person_id !== person.id) throw new RegisterError('conflict', `Обращение №${req.id} относится к другому субъекту.`);
      }
      const id = Number(
        ctx.db
          .prepare('INSERT INTO blocks (person_id, reason, requested_by, note, request_id, began_at, began_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(person.id, i.reason, i.requestedBy, i.note || null, i.requestId ?? null, nowIso(ctx), ctx.actor.id).lastInsertRowid,
      );
      audit(ctx, {
        action: 'person.block',
        entity: 'person',
        entityId: person.id,
        details: { blockId: id, reason: i.reason, requestedBy: i.requestedBy, requestId: i.requestId ?? null },
      });
      return blockById(ctx.db, id);
    },
  }),

  'person.unblock': defineOp({
    summary: 'Снять блокировку (с исходом; при «исправлено» — с исправлением данных)',
    input: unblockInput,
    permission: 'blocks.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      const open = openBlockOf(ctx.db, person.id);
      if (!open) throw new RegisterError('conflict', `Запись субъекта №${person.id} не заблокирована: снимать нечего.`);
      const at = nowIso(ctx);
      ctx.db
        .prepare('UPDATE blocks SET ended_at = ?, ended_by = ?, outcome = ?, outcome_note = ? WHERE id = ?')
        .run(at, ctx.actor.id, i.outcome, i.note || null, open.id);
      // The law's order: the data is corrected, then the block is lifted. Edits are refused while a
      // block is open, so inside this one transaction the block ends first and the correction
      // follows at once; either both are recorded or neither.
      const fields: string[] = [];
      if (i.corrections) {
        const c = i.corrections;
        const row = ctx.db.prepare('SELECT full_name, phone, email, email_fold FROM persons WHERE id = ?').get(person.id) as {
          full_name: string;
          phone: string | null;
          email: string | null;
          email_fold: string | null;
        };
        const next = { ...row };
        if (c.fullName !== undefined) next.full_name = normalizeFullName(c.fullName);
        if (c.phone !== undefined) next.phone = blank(c.phone) ? null : normalizePhone(c.phone as string, getJurisdiction(ctx.db)).e164;
        if (c.email !== undefined) {
          const email = blank(c.email) ? null : normalizeEmail(c.email as string);
          next.email = email?.email ?? null;
          next.email_fold = email?.fold ?? null;
        }
        if (next.full_name !== row.full_name) fields.push('fullName');
        if (next.phone !== row.phone) fields.push('phone');
        if (next.email !== row.email) fields.push('email');
        const matches = findContactMatches(
          ctx.db,
          { phone: next.phone !== row.phone ? next.phone : null, emailFold: next.email_fold !== row.email_fold ? next.email_fold : null },
          person.id,
        );
        if (matches.length > 0 && !i.allowSharedContact) {
          throw new RegisterError(
            'duplicate_person',
            `Исправленный контакт уже указан у субъекта ${[...new Set(matches.map((m) => `№${m.id}`))].join(', ')}. Если контакт действительно общий, подтвердите общий контакт.`,
            { matches },
          );
        }
        ctx.db
          .prepare('UPDATE persons SET full_name = ?, phone = ?, email = ?, email_fold = ?, updated_at = ? WHERE id = ?')
          .run(next.full_name, next.phone, next.email, next.email_fold, at, person.id);
      }
      audit(ctx, {
        action: 'person.unblock',
        entity: 'person',
        entityId: person.id,
        details: { blockId: open.id, outcome: i.outcome, correctedFields: fields },
      });
      return blockById(ctx.db, open.id);
    },
  }),

  'block.list': defineOp({
    summary: 'Журнал блокировок (по субъекту, только действующие)',
    input: z.object({ personId: idSchema.optional(), open: z.boolean().optional(), limit: z.number().int().min(1).max(10_000).default(1000) }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: i.limit };
      if (i.personId !== undefined) {
        where.push('person_id = @personId');
        args.personId = i.personId;
      }
      if (i.open === true) where.push('ended_at IS NULL');
      if (i.open === false) where.push('ended_at IS NOT NULL');
      const sql = `SELECT * FROM blocks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY began_at DESC, id DESC LIMIT @limit`;
      return (ctx.db.prepare(sql).all(args) as BlockRow[]).map(toBlock);
    },
  }),
};

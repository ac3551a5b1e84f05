import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { nowIso } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { requireLivingPerson } from './persons.ts';
import { idSchema } from './schemas.ts';

// A verification mark (на проверке / актуализация) says the data may be stale or wrong. Unlike a
// block it does not stop processing: the record stays usable for the service purpose and is only
// flagged until someone confirms or corrects it. One open mark per person (unique index); a mark is
// cleared once ('destroyed' is written only by destruction).

export interface VerificationRow {
  id: number;
  person_id: number;
  reason: string | null;
  marked_at: string;
  marked_by: number;
  cleared_at: string | null;
  cleared_by: number | null;
  outcome: 'confirmed' | 'corrected' | 'destroyed' | null;
}

export function toVerification(r: VerificationRow) {
  return {
    id: r.id,
    personId: r.person_id,
    reason: r.reason,
    markedAt: r.marked_at,
    markedBy: r.marked_by,
    clearedAt: r.cleared_at,
    clearedBy: r.cleared_by,
    outcome: r.outcome,
    open: r.cleared_at === null,
  };
}

export function openVerificationOf(db: DB, personId: number): VerificationRow | undefined {
  return db.prepare('SELECT * FROM verifications WHERE person_id = ? AND cleared_at IS NULL').get(personId) as VerificationRow | undefined;
}

function byId(db: DB, id: number) {
  return toVerification(db.prepare('SELECT * FROM verifications WHERE id = ?').get(id) as VerificationRow);
}

export const verificationOps = {
  'person.markVerify': defineOp({
    summary: 'Пометить данные субъекта «на проверке»',
    input: z.object({ personId: idSchema, reason: z.string().trim().max(2000).optional() }),
    permission: 'persons.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      const open = openVerificationOf(ctx.db, person.id);
      if (open) throw new RegisterError('conflict', `Данные субъекта №${person.id} уже на проверке (с ${open.marked_at.slice(0, 10)}).`);
      const id = Number(
        ctx.db
          .prepare('INSERT INTO verifications (person_id, reason, marked_at, marked_by) VALUES (?, ?, ?, ?)')
          .run(person.id, i.reason || null, nowIso(ctx), ctx.actor.id).lastInsertRowid,
      );
      audit(ctx, { action: 'person.mark_verify', entity: 'person', entityId: person.id, details: { verificationId: id } });
      return byId(ctx.db, id);
    },
  }),

  'person.clearVerify': defineOp({
    summary: 'Снять пометку «на проверке» (данные подтверждены или исправлены)',
    input: z.object({ personId: idSchema, outcome: z.enum(['confirmed', 'corrected']) }),
    permission: 'persons.write',
    tx: 'write',
    handler: (ctx, i) => {
      const person = requireLivingPerson(ctx.db, i.personId);
      const open = openVerificationOf(ctx.db, person.id);
      if (!open) throw new RegisterError('conflict', `Данные субъекта №${person.id} не на проверке: снимать нечего.`);
      ctx.db.prepare('UPDATE verifications SET cleared_at = ?, cleared_by = ?, outcome = ? WHERE id = ?').run(nowIso(ctx), ctx.actor.id, i.outcome, open.id);
      audit(ctx, { action: 'person.clear_verify', entity: 'person', entityId: person.id, details: { verificationId: open.id, outcome: i.outcome } });
      return byId(ctx.db, open.id);
    },
  }),
};

import { z } from 'zod';
import { audit } from './audit.ts';
import { checkpoint, type DB } from './connection.ts';
import { type Ctx, nowIso, today } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { idSchema, isoDateSchema, personNameSchema } from './schemas.ts';
import { getGeneral, getOperator } from './settings.ts';

// Destruction (уничтожение) erases a person's data for good and keeps only what proves it happened:
// a tombstone row (id, act) and the act with the ten fields of Roskomnadzor Order 179 plus the
// extract from the event log, kept 3 years. Only an active manager may sign an act — the role table
// says so and a trigger on destruction_acts says so again for anyone writing SQL with the key.
//
// The operation runs its own transaction ('own') and checkpoints the WAL after the commit: until a
// checkpoint the WAL still holds the old page images with the erased values, and a checkpoint
// cannot run inside the transaction that made them. Doing it here, rather than in a host, means
// every caller (desktop, browser mode, CLI) gets the same guarantee.

// What each stored category is called on the printed act.
export const destroyedCategoryTitles: Record<string, string> = {
  full_name: 'фамилия, имя, отчество',
  phone: 'номер телефона',
  email: 'адрес электронной почты',
  representative: 'сведения о представителе субъекта (ФИО, документ о полномочиях)',
  consent_scans: 'сканы подписанных бланков согласий',
  notes: 'примечания сотрудников (свободный текст)',
};

export function categoryTitle(code: string): string {
  return destroyedCategoryTitles[code] ?? code;
}

export function subjectRef(personId: number): string {
  return `P-${String(personId).padStart(6, '0')}`;
}

// Order 179: the act and the log extract are kept 3 years from destruction. 29 February rolls to
// 1 March, keeping the act a day longer rather than a day short.
export function retainUntil(actDate: string): string {
  const d = new Date(`${actDate}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 3);
  return d.toISOString().slice(0, 10);
}

const text = (max: number) => z.string().trim().min(1).max(max);

export const destroyInput = z.object({
  personIds: z
    .array(idSchema)
    .min(1, 'укажите хотя бы одного субъекта')
    .max(10_000)
    .refine((ids) => new Set(ids).size === ids.length, 'субъекты в списке повторяются'),
  act: z.object({
    number: text(100),
    date: isoDateSchema.optional(),
    reason: text(2000),
    method: text(1000),
    // Defaults to the categories actually held for the people destroyed.
    categories: z.array(text(300)).min(1).max(100).optional(),
    destroyedBy: z
      .array(z.object({ fullName: personNameSchema, position: text(300) }))
      .min(1, 'укажите, кто уничтожил данные')
      .max(50),
    paperMedia: z
      .array(z.object({ name: text(300), sheets: z.number().int().positive().max(1_000_000) }))
      .max(200)
      .default([]),
  }),
});

interface ActRow {
  id: number;
  number: string;
  act_date: string;
  operator_name: string;
  operator_address: string;
  processor_name: string | null;
  processor_address: string | null;
  destroyed_by: string;
  categories: string;
  paper_media: string;
  information_system: string;
  method: string;
  reason: string;
  retain_until: string;
  created_by: number;
  created_at: string;
}

interface PersonRow {
  id: number;
  full_name: string | null;
  phone: string | null;
  email: string | null;
  destroyed_act_id: number | null;
}

// What is actually held for a person, so the act lists what was really destroyed.
function heldCategories(db: DB, p: PersonRow): string[] {
  const has = (sql: string) => db.prepare(sql).get({ id: p.id }) !== undefined;
  const categories = ['full_name'];
  if (p.phone !== null) categories.push('phone');
  if (p.email !== null) categories.push('email');
  if (has('SELECT 1 FROM consent_events WHERE person_id = @id AND (representative_name IS NOT NULL OR representative_authority IS NOT NULL)'))
    categories.push('representative');
  if (has('SELECT 1 FROM scans WHERE person_id = @id')) categories.push('consent_scans');
  if (
    has(`SELECT 1 FROM consent_events WHERE person_id = @id AND note IS NOT NULL
         UNION ALL SELECT 1 FROM blocks WHERE person_id = @id AND (note IS NOT NULL OR outcome_note IS NOT NULL)
         UNION ALL SELECT 1 FROM verifications WHERE person_id = @id AND reason IS NOT NULL
         UNION ALL SELECT 1 FROM requests WHERE person_id = @id AND (requester IS NOT NULL OR answer IS NOT NULL OR extension_notice IS NOT NULL)`)
  ) {
    categories.push('notes');
  }
  return categories;
}

// Everything personal about one person, erased in the order the triggers allow: the open block and
// verification mark are closed while the person is still living, then the person becomes a
// tombstone, and only a tombstone's dependent rows may have their free text erased.
function erasePerson(ctx: Ctx, personId: number, actId: number, at: string) {
  const db = ctx.db;
  const block = db
    .prepare("UPDATE blocks SET ended_at = ?, ended_by = ?, outcome = 'destroyed' WHERE person_id = ? AND ended_at IS NULL RETURNING id")
    .get(at, ctx.actor.id, personId) as { id: number } | undefined;
  db.prepare("UPDATE verifications SET cleared_at = ?, cleared_by = ?, outcome = 'destroyed' WHERE person_id = ? AND cleared_at IS NULL").run(
    at,
    ctx.actor.id,
    personId,
  );
  db.prepare('UPDATE persons SET full_name = NULL, phone = NULL, email = NULL, email_fold = NULL, destroyed_act_id = ?, updated_at = ? WHERE id = ?').run(
    actId,
    at,
    personId,
  );
  db.prepare(
    `UPDATE consent_events SET representative_name = NULL, representative_authority = NULL, note = NULL
     WHERE person_id = ? AND (representative_name IS NOT NULL OR representative_authority IS NOT NULL OR note IS NOT NULL)`,
  ).run(personId);
  db.prepare('UPDATE blocks SET note = NULL, outcome_note = NULL WHERE person_id = ? AND (note IS NOT NULL OR outcome_note IS NOT NULL)').run(personId);
  db.prepare('UPDATE verifications SET reason = NULL WHERE person_id = ? AND reason IS NOT NULL').run(personId);
  // The request journal keeps the request (type, dates, deadline) but not who wrote or what was
  // answered. The extension notice must stay non-empty while extended_at is set (CHECK), so its
  // text is replaced rather than removed.
  db.prepare(
    `UPDATE requests SET requester = NULL, answer = NULL, extension_notice = CASE WHEN extension_notice IS NULL THEN NULL ELSE '' END
     WHERE person_id = ? AND (requester IS NOT NULL OR answer IS NOT NULL OR extension_notice IS NOT NULL)`,
  ).run(personId);
  const scans = db.prepare('DELETE FROM scans WHERE person_id = ?').run(personId).changes;
  return { blockId: block?.id ?? null, scansDeleted: scans };
}

function userName(db: DB, id: number): { id: number; login: string; fullName: string } {
  const u = db.prepare('SELECT id, login, full_name AS fullName FROM users WHERE id = ?').get(id) as { id: number; login: string; fullName: string };
  return { ...u };
}

export function getAct(db: DB, id: number) {
  const row = db.prepare('SELECT * FROM destruction_acts WHERE id = ?').get(id) as ActRow | undefined;
  if (!row) throw new RegisterError('not_found', `Акт уничтожения №${id} не найден.`);
  const subjects = (
    db.prepare('SELECT person_id, subject_ref, categories FROM act_subjects WHERE act_id = ? ORDER BY person_id').all(id) as {
      person_id: number;
      subject_ref: string;
      categories: string;
    }[]
  ).map((s) => ({ personId: s.person_id, subjectRef: s.subject_ref, categories: JSON.parse(s.categories) as string[] }));
  const categories = JSON.parse(row.categories) as string[];
  // The extract is read from the event log itself: one 'person.destroy' row per subject.
  const logRows = db
    .prepare("SELECT id, at, entity_id, details FROM audit WHERE action = 'person.destroy' AND json_extract(details, '$.actId') = ? ORDER BY id")
    .all(id) as { id: number; at: string; entity_id: number; details: string }[];
  const logExtract = logRows.map((r) => {
    const d = JSON.parse(r.details) as { subjectRef: string; categories: string[] };
    return {
      auditId: r.id,
      at: r.at,
      subjectRef: d.subjectRef,
      categories: d.categories,
      categoryTitles: d.categories.map(categoryTitle),
      informationSystem: row.information_system,
      reason: row.reason,
      date: row.act_date,
    };
  });
  return {
    id: row.id,
    number: row.number,
    date: row.act_date,
    operator: { name: row.operator_name, address: row.operator_address },
    processor: row.processor_name === null ? null : { name: row.processor_name, address: row.processor_address ?? '' },
    subjects,
    destroyedBy: JSON.parse(row.destroyed_by) as { fullName: string; position: string }[],
    categories,
    categoryTitles: categories.map(categoryTitle),
    paperMedia: JSON.parse(row.paper_media) as { name: string; sheets: number }[],
    informationSystem: row.information_system,
    method: row.method,
    reason: row.reason,
    retainUntil: row.retain_until,
    createdBy: userName(db, row.created_by),
    createdAt: row.created_at,
    logExtract,
  };
}
export type DestructionAct = ReturnType<typeof getAct>;

export const destructionOps = {
  'person.destroy': defineOp({
    summary: 'Уничтожить персональные данные субъектов с составлением акта (только руководитель)',
    input: destroyInput,
    permission: 'persons.destroy',
    tx: 'own',
    handler: (ctx, i) => {
      const actId = ctx.db
        .transaction(() => {
          const date = i.act.date ?? today(ctx);
          if (date > today(ctx)) throw new RegisterError('invalid_input', 'Неверные входные данные: дата акта не может быть позже сегодняшнего дня.');
          if (ctx.db.prepare('SELECT 1 FROM destruction_acts WHERE number = ?').get(i.act.number)) {
            throw new RegisterError('conflict', `Акт уничтожения с номером «${i.act.number}» уже есть.`);
          }
          const people = i.personIds.map((id) => {
            const p = ctx.db.prepare('SELECT id, full_name, phone, email, destroyed_act_id FROM persons WHERE id = ?').get(id) as PersonRow | undefined;
            if (!p) throw new RegisterError('not_found', `Субъект №${id} не найден.`);
            if (p.destroyed_act_id !== null) throw new RegisterError('conflict', `Данные субъекта №${id} уже уничтожены (акт №${p.destroyed_act_id}).`);
            return { id: p.id, ref: subjectRef(p.id), categories: heldCategories(ctx.db, p) };
          });
          const categories = i.act.categories ?? [...new Set(people.flatMap((p) => p.categories))];
          const operator = getOperator(ctx.db);
          const general = getGeneral(ctx.db);
          const at = nowIso(ctx);
          const actId = Number(
            ctx.db
              .prepare(
                `INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, processor_name, processor_address, destroyed_by, categories,
                 paper_media, information_system, method, reason, retain_until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(
                i.act.number,
                date,
                operator.name,
                operator.address,
                general.processor?.name ?? null,
                general.processor?.address ?? null,
                JSON.stringify(i.act.destroyedBy),
                JSON.stringify(categories),
                JSON.stringify(i.act.paperMedia),
                general.informationSystem,
                i.act.method,
                i.act.reason,
                retainUntil(date),
                ctx.actor.id,
                at,
              ).lastInsertRowid,
          );
          audit(ctx, {
            action: 'act.create',
            entity: 'destruction_act',
            entityId: actId,
            details: { number: i.act.number, date, subjects: people.length, categories },
          });
          const insertSubject = ctx.db.prepare('INSERT INTO act_subjects (act_id, person_id, subject_ref, categories) VALUES (?, ?, ?, ?)');
          for (const p of people) {
            insertSubject.run(actId, p.id, p.ref, JSON.stringify(p.categories));
            const erased = erasePerson(ctx, p.id, actId, at);
            audit(ctx, {
              action: 'person.destroy',
              entity: 'person',
              entityId: p.id,
              details: {
                actId,
                actNumber: i.act.number,
                subjectRef: p.ref,
                categories: p.categories,
                endedBlockId: erased.blockId,
                scansDeleted: erased.scansDeleted,
              },
            });
          }
          return actId;
        })
        .immediate();
      checkpoint(ctx.db);
      return getAct(ctx.db, actId);
    },
  }),

  'act.get': defineOp({
    summary: 'Акт уничтожения с выпиской из журнала событий',
    input: z.union([z.object({ id: idSchema }), z.object({ number: text(100) })]),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      if ('id' in i) return getAct(ctx.db, i.id);
      const row = ctx.db.prepare('SELECT id FROM destruction_acts WHERE number = ?').get(i.number) as { id: number } | undefined;
      if (!row) throw new RegisterError('not_found', `Акт уничтожения «${i.number}» не найден.`);
      return getAct(ctx.db, row.id);
    },
  }),

  'act.list': defineOp({
    summary: 'Акты уничтожения за период',
    input: z.object({ from: isoDateSchema.optional(), to: isoDateSchema.optional() }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const rows = ctx.db
        .prepare('SELECT id FROM destruction_acts WHERE act_date >= ? AND act_date <= ? ORDER BY act_date, id')
        .all(i.from ?? '0000-01-01', i.to ?? '9999-12-31') as { id: number }[];
      return rows.map((r) => getAct(ctx.db, r.id));
    },
  }),
};

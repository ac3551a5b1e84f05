import { z } from 'zod';
import { audit, verifyAudit } from './audit.ts';
import { defineOp } from './operation.ts';
import { idSchema, isoDateSchema } from './schemas.ts';

// An audit row as the log screens read it; details are parsed from their JSON text.
type ListedRow = {
  id: number;
  at: string;
  userId: number | null;
  login: string | null;
  action: string;
  entity: string | null;
  entityId: number | null;
  details: string;
};

export const auditOps = {
  'audit.verify': defineOp({
    summary: 'Проверить целостность журнала событий (цепочку хешей)',
    input: z.object({}),
    permission: 'audit.verify',
    tx: 'read',
    long: true,
    handler: (ctx) => {
      const result = verifyAudit(ctx.db, ctx.registerId, ctx.job);
      ctx.db
        .transaction(() =>
          audit(ctx, { action: 'audit.verify', details: { ok: result.ok, rows: result.rows, ...(result.ok ? {} : { firstBadId: result.firstBadId }) } }),
        )
        .immediate();
      return result;
    },
  }),
  'audit.list': defineOp({
    summary: 'Журнал событий с фильтрами',
    input: z.object({
      from: isoDateSchema.optional(),
      to: isoDateSchema.optional(),
      action: z.string().trim().max(100).optional(),
      entity: z.string().trim().max(50).optional(),
      entityId: idSchema.optional(),
      userId: idSchema.optional(),
      limit: z.number().int().min(1).max(1000).default(200),
      beforeId: idSchema.optional(),
    }),
    permission: 'audit.read',
    tx: 'read',
    handler: (ctx, f) => {
      const where: string[] = [];
      const args: Record<string, unknown> = { limit: f.limit };
      // `at` is UTC ISO; a local-date filter compares on the date part, which is close enough for
      // browsing and exact for exports that pass full timestamps.
      if (f.from) {
        where.push('at >= @from');
        args.from = f.from;
      }
      if (f.to) {
        where.push('at < @toNext');
        args.toNext = `${f.to}\uffff`;
      }
      if (f.action) {
        where.push('(action = @action OR action GLOB @actionPrefix)');
        args.action = f.action;
        args.actionPrefix = `${f.action.replace(/[*?[\]]/g, '')}.*`;
      }
      if (f.entity) {
        where.push('entity = @entity');
        args.entity = f.entity;
      }
      if (f.entityId) {
        where.push('entity_id = @entityId');
        args.entityId = f.entityId;
      }
      if (f.userId) {
        where.push('user_id = @userId');
        args.userId = f.userId;
      }
      if (f.beforeId) {
        where.push('id < @beforeId');
        args.beforeId = f.beforeId;
      }
      const sql = `SELECT id, at, user_id AS userId, login, action, entity, entity_id AS entityId, details FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
      return (ctx.db.prepare(sql).all(args) as ListedRow[]).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
    },
  }),
  // A person's own history for the card: the desk may not browse the whole log (audit.read), but it
  // may see what was done with the record in front of it. Rows name people by id only.
  'person.history': defineOp({
    summary: 'История записи субъекта из журнала событий',
    input: z.object({ personId: idSchema, limit: z.number().int().min(1).max(1000).default(200) }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const rows = ctx.db
        .prepare(
          `SELECT id, at, user_id AS userId, login, action, entity, entity_id AS entityId, details FROM audit
           WHERE (entity = 'person' AND entity_id = @p)
              OR (entity = 'request' AND entity_id IN (SELECT id FROM requests WHERE person_id = @p))
           ORDER BY id DESC LIMIT @limit`,
        )
        .all({ p: i.personId, limit: i.limit }) as ListedRow[];
      return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
    },
  }),
};

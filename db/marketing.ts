import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { type Ctx, nowIso, today } from './context.ts';
import { auditExport, registerMeta, writeTableFile } from './export.ts';
import type { Cell, Column } from './exports/table.ts';
import { humanDate } from './exports/table.ts';
import { outPathSchema } from './exports/target.ts';
import { defineOp } from './operation.ts';

// Who may receive marketing messages today: an active consent to a marketing purpose (the latest
// event given or renewed, not past its term), not blocked, not destroyed. The marketing_list view
// in the schema states the same rule for a script reading the file with the key; the app asks with
// its own clock ("today" from ctx) instead of the view's date('now'), so a test, a fixed-clock
// engine and the desk agree on what today is.
export interface MarketingRow {
  id: number;
  fullName: string;
  phone: string | null;
  email: string | null;
  purposes: string;
  // The latest end of term among the person's marketing consents; null when one has no end.
  validUntil: string | null;
}

const marketingSql = `
  SELECT p.id, p.full_name AS fullName, p.phone, p.email,
         group_concat(u.title_ru, '; ') AS purposes,
         CASE WHEN count(*) = count(c.valid_until) THEN max(c.valid_until) END AS validUntil
  FROM persons p
  JOIN purposes u ON u.is_marketing = 1
  JOIN consent_events c ON c.id = (
    SELECT x.id FROM consent_events x
    WHERE x.person_id = p.id AND x.purpose_id = u.id AND x.effective_date <= @today
    ORDER BY x.effective_date DESC, x.id DESC LIMIT 1)
  WHERE p.destroyed_act_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL)
    AND c.kind IN ('given', 'renewed')
    AND (c.valid_until IS NULL OR c.valid_until >= @today)
  GROUP BY p.id
  ORDER BY p.id`;

export function marketingRows(db: DB, onDate: string): IterableIterator<MarketingRow> {
  return db.prepare(marketingSql).iterate({ today: onDate }) as IterableIterator<MarketingRow>;
}

export function marketingList(db: DB, onDate: string): MarketingRow[] {
  return db.prepare(marketingSql).all({ today: onDate }) as MarketingRow[];
}

const columns: readonly Column[] = [
  { header: 'id', kind: 'int', width: 8 },
  { header: 'ФИО', kind: 'text', width: 32 },
  { header: 'телефон', kind: 'phone', width: 16 },
  { header: 'e-mail', kind: 'text', width: 28 },
  { header: 'цели рассылок', kind: 'text', width: 40 },
  { header: 'согласие действует до', kind: 'date', width: 12 },
];

export async function exportMarketing(ctx: Ctx, input: { format: 'csv' | 'xlsx'; outPath: string }) {
  const onDate = today(ctx);
  const result = await writeTableFile(ctx, input.format, input.outPath, () => ({
    meta: registerMeta(ctx, 'Список для маркетинговых рассылок', { from: null, to: null }, [
      `На ${humanDate(onDate)}: действующее согласие на рекламные рассылки; заблокированные и уничтоженные записи не включены.`,
    ]),
    columns,
    total: (ctx.db.prepare(`SELECT count(*) AS n FROM (${marketingSql})`).get({ today: onDate }) as { n: number }).n,
    rows: function* (): Generator<Cell[]> {
      for (const r of marketingRows(ctx.db, onDate)) yield [r.id, r.fullName, r.phone, r.email, r.purposes, r.validUntil];
    },
  }));
  auditExport(ctx, 'export.marketing', result.path, { register: 'marketing', format: input.format, rows: result.rows, sha256: result.sha256, date: onDate });
  return result;
}

export const marketingOps = {
  'marketing.list': defineOp({
    summary: 'Список для маркетинговых рассылок (действующее согласие, без заблокированных)',
    input: z.object({}),
    permission: 'registers.export',
    // 'write': the export and its audit row are one transaction, so the log counts exactly the rows
    // that left the register.
    tx: 'write',
    handler: (ctx) => {
      const rows = marketingList(ctx.db, today(ctx));
      audit(ctx, { action: 'export.marketing', details: { register: 'marketing', rows: rows.length, format: 'json' } });
      return { generatedAt: nowIso(ctx), rows };
    },
  }),
  'marketing.export': defineOp({
    summary: 'Выгрузить список для маркетинговых рассылок на сегодня в CSV или XLSX',
    input: z.object({ format: z.enum(['csv', 'xlsx']), outPath: outPathSchema }),
    permission: 'registers.export',
    tx: 'read',
    long: true,
    handler: (ctx, input) => exportMarketing(ctx, input),
  }),
};

import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { nowIso } from './context.ts';
import { defineOp } from './operation.ts';

// Who may receive marketing messages today. The rule itself (an active consent to a marketing
// purpose; not blocked; not destroyed) lives in the marketing_list view, so a script reading the
// file with the key gets the same answer as the app.
export interface MarketingRow {
  id: number;
  fullName: string;
  phone: string | null;
  email: string | null;
}

export function marketingList(db: DB): MarketingRow[] {
  return db.prepare('SELECT id, full_name AS fullName, phone, email FROM marketing_list ORDER BY id').all() as MarketingRow[];
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
      const rows = marketingList(ctx.db);
      audit(ctx, { action: 'export.marketing', details: { register: 'marketing', rows: rows.length, format: 'json' } });
      return { generatedAt: nowIso(ctx), rows };
    },
  }),
};

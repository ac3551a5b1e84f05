import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { idSchema } from './schemas.ts';

// The purpose catalogue. Defaults follow domain.md: appointment contact; marketing as a separate,
// optional consent; transfer to partners; health data (written consent in Russia unless processed
// under medical secrecy).
export interface PurposeRow {
  id: number;
  code: string;
  title_ru: string;
  title_kk: string;
  title_en: string;
  data_categories: string;
  is_marketing: number;
  requires_written: number;
  default_term_days: number | null;
  legal_basis: string;
  active: number;
}

export const dataCategories = ['full_name', 'phone', 'email', 'health'] as const;

export const defaultPurposes = [
  {
    code: 'appointment',
    title_ru: 'Связь по записи на приём и оказанию услуг',
    title_kk: 'Қабылдауға жазылу және қызмет көрсету бойынша байланыс',
    title_en: 'Contact about appointments and services',
    categories: ['full_name', 'phone', 'email'],
    is_marketing: 0,
    requires_written: 0,
    legal_basis: '152-ФЗ ст. 6 ч. 1 п. 1, ст. 9; 94-V ст. 7, 8',
  },
  {
    code: 'marketing',
    title_ru: 'Рекламные и информационные рассылки (новости, специальные предложения)',
    title_kk: 'Жарнамалық және ақпараттық таратылымдар (жаңалықтар, арнайы ұсыныстар)',
    title_en: 'Marketing messages (news, special offers)',
    categories: ['full_name', 'phone', 'email'],
    is_marketing: 1,
    requires_written: 0,
    legal_basis: '152-ФЗ ст. 9, 15; 38-ФЗ «О рекламе» ст. 18; 94-V ст. 8',
  },
  {
    code: 'partners',
    title_ru: 'Передача данных партнёрам',
    title_kk: 'Деректерді серіктестерге беру',
    title_en: 'Transfer to partners',
    categories: ['full_name', 'phone', 'email'],
    is_marketing: 0,
    requires_written: 0,
    legal_basis: '152-ФЗ ст. 6 ч. 3, ст. 9; 94-V ст. 8 (политика KZ п. 4.1.9)',
  },
  {
    code: 'health',
    title_ru: 'Обработка сведений о состоянии здоровья',
    title_kk: 'Денсаулық жағдайы туралы мәліметтерді өңдеу',
    title_en: 'Processing of health data',
    categories: ['full_name', 'phone', 'email', 'health'],
    is_marketing: 0,
    requires_written: 1,
    legal_basis: '152-ФЗ ст. 10 (письменное согласие, кроме обработки в медицинских целях лицами, обязанными хранить врачебную тайну); 94-V ст. 8',
  },
] as const;

export function seedPurposes(db: DB, at: string): void {
  const insert = db.prepare(
    'INSERT INTO purposes (code, title_ru, title_kk, title_en, data_categories, is_marketing, requires_written, legal_basis, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const p of defaultPurposes) {
    insert.run(p.code, p.title_ru, p.title_kk, p.title_en, JSON.stringify(p.categories), p.is_marketing, p.requires_written, p.legal_basis, at);
  }
}

export function toPurpose(row: PurposeRow) {
  return {
    id: row.id,
    code: row.code,
    title: { ru: row.title_ru, kk: row.title_kk, en: row.title_en },
    dataCategories: JSON.parse(row.data_categories) as string[],
    isMarketing: row.is_marketing === 1,
    requiresWritten: row.requires_written === 1,
    defaultTermDays: row.default_term_days,
    legalBasis: row.legal_basis,
    active: row.active === 1,
  };
}
export type Purpose = ReturnType<typeof toPurpose>;

// Purposes are addressed by code at the desk and in scripts, by id inside the file.
export function findPurpose(db: DB, ref: number | string): PurposeRow {
  const row = (
    typeof ref === 'number' ? db.prepare('SELECT * FROM purposes WHERE id = ?').get(ref) : db.prepare('SELECT * FROM purposes WHERE code = ?').get(ref)
  ) as PurposeRow | undefined;
  if (!row) throw new RegisterError('not_found', `Цель обработки не найдена: ${String(ref).slice(0, 60)}`);
  return row;
}

export const purposeRefSchema = z.union([idSchema, z.string().trim().min(1).max(64)]);

const purposeFields = z.object({
  title: z.object({ ru: z.string().trim().min(1).max(300), kk: z.string().trim().min(1).max(300), en: z.string().trim().min(1).max(300) }),
  dataCategories: z.array(z.string().trim().min(1).max(100)).min(1).max(50),
  isMarketing: z.boolean().default(false),
  requiresWritten: z.boolean().default(false),
  defaultTermDays: z.number().int().positive().max(36500).nullable().default(null),
  legalBasis: z.string().trim().max(1000).default(''),
});

export const purposeOps = {
  'purpose.list': defineOp({
    summary: 'Список целей обработки',
    input: z.object({ includeInactive: z.boolean().default(false) }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, input) =>
      (ctx.db.prepare(`SELECT * FROM purposes ${input.includeInactive ? '' : 'WHERE active = 1'} ORDER BY id`).all() as PurposeRow[]).map(toPurpose),
  }),
  'purpose.add': defineOp({
    summary: 'Добавить цель обработки',
    input: purposeFields.extend({
      code: z
        .string()
        .trim()
        .regex(/^[a-z][a-z0-9_]{1,40}$/, 'код: латиница, цифры, _'),
    }),
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, p) => {
      const id = Number(
        ctx.db
          .prepare(
            'INSERT INTO purposes (code, title_ru, title_kk, title_en, data_categories, is_marketing, requires_written, default_term_days, legal_basis, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            p.code,
            p.title.ru,
            p.title.kk,
            p.title.en,
            JSON.stringify(p.dataCategories),
            Number(p.isMarketing),
            Number(p.requiresWritten),
            p.defaultTermDays,
            p.legalBasis,
            ctx.now().toISOString(),
          ).lastInsertRowid,
      );
      audit(ctx, { action: 'purpose.add', entity: 'purpose', entityId: id, details: { code: p.code } });
      return toPurpose(findPurpose(ctx.db, id));
    },
  }),
  'purpose.update': defineOp({
    summary: 'Изменить цель обработки',
    input: purposeFields.partial().extend({ purpose: purposeRefSchema, active: z.boolean().optional() }),
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, p) => {
      const row = findPurpose(ctx.db, p.purpose);
      const next = { ...toPurpose(row), ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) };
      ctx.db
        .prepare(
          'UPDATE purposes SET title_ru = ?, title_kk = ?, title_en = ?, data_categories = ?, is_marketing = ?, requires_written = ?, default_term_days = ?, legal_basis = ?, active = ? WHERE id = ?',
        )
        .run(
          next.title.ru,
          next.title.kk,
          next.title.en,
          JSON.stringify(next.dataCategories),
          Number(next.isMarketing),
          Number(next.requiresWritten),
          next.defaultTermDays,
          next.legalBasis,
          Number(next.active),
          row.id,
        );
      audit(ctx, { action: 'purpose.update', entity: 'purpose', entityId: row.id, details: { fields: Object.keys(p).filter((k) => k !== 'purpose') } });
      return toPurpose(findPurpose(ctx.db, row.id));
    },
  }),
};

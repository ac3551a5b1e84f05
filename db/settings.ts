import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { defineOp } from './operation.ts';
import { type Jurisdiction, jurisdictionSchema, type OperatorDetails, operatorSchema } from './schemas.ts';

// Settings are small JSON values in one table, each read through its own typed accessor.
export function getSetting<T>(db: DB, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export function putSetting(db: DB, key: string, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
}

export function getJurisdiction(db: DB): Jurisdiction {
  return getSetting<Jurisdiction>(db, 'jurisdiction') ?? 'RU';
}

export function getOperator(db: DB): OperatorDetails {
  const op = getSetting<OperatorDetails>(db, 'operator');
  if (!op) throw new Error('operator settings missing');
  return op;
}

export interface GeneralSettings {
  informationSystem: string;
  idleLockMinutes: number;
  processor: { name: string; address: string } | null;
}

export const defaultGeneralSettings: GeneralSettings = {
  informationSystem: 'Privacy Desk — реестр персональных данных',
  idleLockMinutes: 5,
  processor: null,
};

export function getGeneral(db: DB): GeneralSettings {
  return { ...defaultGeneralSettings, ...getSetting<Partial<GeneralSettings>>(db, 'general') };
}

// Automatic backups: how often (hours, 0 = off), how many automatic copies to keep, and where
// (null = `backups/` beside the register). Kept in the register so every host and the CLI agree.
export interface BackupSettings {
  intervalHours: number;
  keep: number;
  folder: string | null;
}

export const defaultBackupSettings: BackupSettings = { intervalHours: 24, keep: 14, folder: null };

export const backupSettingsLimits = { maxIntervalHours: 24 * 31, maxKeep: 1000 } as const;

export function getBackupSettings(db: DB): BackupSettings {
  return { ...defaultBackupSettings, ...getSetting<Partial<BackupSettings>>(db, 'backup') };
}

const generalSchema = z.object({
  informationSystem: z.string().trim().min(1).max(300).optional(),
  idleLockMinutes: z.number().int().min(1).max(240).optional(),
  processor: z.object({ name: z.string().trim().min(1).max(500), address: z.string().trim().min(1).max(1000) }).nullable().optional(),
});

export const settingsOps = {
  'settings.get': defineOp({
    summary: 'Показать настройки реестра',
    input: z.object({}),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx) => ({ operator: getOperator(ctx.db), jurisdiction: getJurisdiction(ctx.db), general: getGeneral(ctx.db) }),
  }),
  'settings.setOperator': defineOp({
    summary: 'Изменить реквизиты оператора',
    input: operatorSchema,
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, input) => {
      putSetting(ctx.db, 'operator', input);
      audit(ctx, { action: 'settings.operator', details: { fields: Object.keys(input) } });
      return getOperator(ctx.db);
    },
  }),
  'settings.setJurisdiction': defineOp({
    summary: 'Выбрать юрисдикцию (RU или KZ)',
    input: z.object({ jurisdiction: jurisdictionSchema }),
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, input) => {
      const before = getJurisdiction(ctx.db);
      putSetting(ctx.db, 'jurisdiction', input.jurisdiction);
      audit(ctx, { action: 'settings.jurisdiction', details: { from: before, to: input.jurisdiction } });
      return { jurisdiction: input.jurisdiction };
    },
  }),
  'settings.setGeneral': defineOp({
    summary: 'Изменить общие настройки (информационная система, автоблокировка, обработчик)',
    input: generalSchema,
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, input) => {
      const next = { ...getGeneral(ctx.db), ...input };
      putSetting(ctx.db, 'general', next);
      audit(ctx, { action: 'settings.general', details: { fields: Object.keys(input) } });
      return next;
    },
  }),
};

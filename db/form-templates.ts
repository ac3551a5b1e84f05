import { createHash } from 'node:crypto';
import { z } from 'zod';
import { audit } from './audit.ts';
import type { DB } from './connection.ts';
import { type Ctx, nowIso } from './context.ts';
import { RegisterError } from './errors.ts';
import { defineOp } from './operation.ts';
import { defaultTemplateBody } from './print/default-templates.ts';
import { placeholders, unknownPlaceholders } from './print/markup.ts';
import { findPurpose, type PurposeRow, purposeRefSchema } from './purposes.ts';
import type { Jurisdiction } from './schemas.ts';
import { getJurisdiction } from './settings.ts';

// Consent form templates, one text per purpose and language, with versions. A version is never
// changed: saving makes the next one (v1, v2, …), so the version printed on a signed form — and
// recorded with the consent as its evidence — always leads back to the exact text the person
// signed. The versions live in `settings` under keys form_template:<purpose id>:<language>:<n>;
// the schema refuses to update, replace or delete those rows (triggers in 0001-initial).
//
// The label a form carries is "<language>-v<n>" (ru-v2, kk-v1): a Russian and a Kazakh text of the
// same purpose are different documents and need different labels. It is ASCII, so a barcode
// scanner typing it as a keyboard gets it through.

export const formLanguages = ['ru', 'kk'] as const;
export type FormLanguage = (typeof formLanguages)[number];

const keyPrefix = 'form_template:';
// The first key after every form_template:… key (';' follows ':'), for a range scan without LIKE.
const keyEnd = 'form_template;';

interface Stored {
  body: string;
  // The law the text was written for: the register's jurisdiction when it was saved.
  jurisdiction: Jurisdiction;
  // 'default': shipped with the program; 'edited': saved by a user.
  origin: 'default' | 'edited';
  savedAt: string;
  savedBy: number | null;
}

export interface FormTemplate {
  purposeId: number;
  purpose: string;
  language: FormLanguage;
  version: number;
  formVersion: string;
  body: string;
  jurisdiction: Jurisdiction;
  origin: 'default' | 'edited';
  savedAt: string;
  savedBy: { id: number; fullName: string } | null;
  sha256: string;
  current: boolean;
}

export function formVersionLabel(language: FormLanguage, version: number): string {
  return `${language}-v${version}`;
}

function keyOf(purposeId: number, language: FormLanguage, version: number): string {
  return `${keyPrefix}${purposeId}:${language}:${String(version).padStart(6, '0')}`;
}

function parseKey(key: string): { purposeId: number; language: FormLanguage; version: number } | null {
  const m = /^form_template:(\d+):(ru|kk):(\d+)$/.exec(key);
  return m ? { purposeId: Number(m[1]), language: m[2] as FormLanguage, version: Number(m[3]) } : null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function readAll(db: DB, purposeId?: number): FormTemplate[] {
  const from = purposeId === undefined ? keyPrefix : `${keyPrefix}${purposeId}:`;
  const to = purposeId === undefined ? keyEnd : `${keyPrefix}${purposeId};`;
  const rows = db.prepare('SELECT key, value FROM settings WHERE key >= ? AND key < ? ORDER BY key').all(from, to) as { key: string; value: string }[];
  const codes = new Map((db.prepare('SELECT id, code FROM purposes').all() as { id: number; code: string }[]).map((p) => [p.id, p.code]));
  const users = new Map((db.prepare('SELECT id, full_name FROM users').all() as { id: number; full_name: string }[]).map((u) => [u.id, u.full_name]));
  const list: FormTemplate[] = [];
  for (const row of rows) {
    const k = parseKey(row.key);
    if (!k) continue;
    const v = JSON.parse(row.value) as Stored;
    list.push({
      purposeId: k.purposeId,
      purpose: codes.get(k.purposeId) ?? String(k.purposeId),
      language: k.language,
      version: k.version,
      formVersion: formVersionLabel(k.language, k.version),
      body: v.body,
      jurisdiction: v.jurisdiction,
      origin: v.origin,
      savedAt: v.savedAt,
      savedBy: v.savedBy === null ? null : { id: v.savedBy, fullName: users.get(v.savedBy) ?? '' },
      sha256: sha256(v.body),
      current: false,
    });
  }
  // The highest version per purpose and language is the one printed now.
  const latest = new Map<string, FormTemplate>();
  for (const t of list) {
    const key = `${t.purposeId}:${t.language}`;
    const seen = latest.get(key);
    if (!seen || seen.version < t.version) latest.set(key, t);
  }
  for (const t of latest.values()) t.current = true;
  return list;
}

function latestOf(db: DB, purposeId: number, language: FormLanguage): FormTemplate | undefined {
  return readAll(db, purposeId)
    .filter((t) => t.language === language)
    .at(-1);
}

function insertVersion(db: DB, purposeId: number, language: FormLanguage, version: number, stored: Stored): void {
  // A plain INSERT: an existing version is never overwritten (and the schema's trigger says so too).
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(keyOf(purposeId, language, version), JSON.stringify(stored));
}

// What the default for this purpose and language would be now. A latest version that is a
// shipped default for another jurisdiction (the register switched from RU to KZ) or an older
// shipped text is followed by the current default as a new version; a text a user saved is never
// replaced by the program.
function needsDefault(latest: FormTemplate | undefined, body: string): boolean {
  return latest === undefined || (latest.origin === 'default' && latest.body !== body);
}

function addDefault(db: DB, purpose: Pick<PurposeRow, 'id' | 'code'>, language: FormLanguage, jurisdiction: Jurisdiction, at: string, ctx?: Ctx): boolean {
  const body = defaultTemplateBody(language, jurisdiction, purpose.code);
  const latest = latestOf(db, purpose.id, language);
  if (!needsDefault(latest, body)) return false;
  const version = (latest?.version ?? 0) + 1;
  insertVersion(db, purpose.id, language, version, { body, jurisdiction, origin: 'default', savedAt: at, savedBy: null });
  // At creation there is no session yet; later the program's own new version is recorded like a save.
  if (ctx) {
    audit(ctx, {
      action: 'formTemplate.default',
      entity: 'purpose',
      entityId: purpose.id,
      details: { purpose: purpose.code, language, version, jurisdiction, sha256: sha256(body) },
    });
  }
  return true;
}

// Called once when a register is created (db/defaults.ts).
export function seedFormTemplates(db: DB, at: string, jurisdiction: Jurisdiction): void {
  for (const p of db.prepare('SELECT id, code FROM purposes ORDER BY id').all() as { id: number; code: string }[]) {
    for (const language of formLanguages) addDefault(db, p, language, jurisdiction, at);
  }
}

// Registers made before templates existed, purposes added later, a changed jurisdiction: every
// purpose gets its default texts on first use. Checked without a write lock; written only when
// something is missing.
export function ensureFormTemplates(ctx: Ctx, purposeId?: number): void {
  const jurisdiction = getJurisdiction(ctx.db);
  const purposes = (
    purposeId === undefined
      ? ctx.db.prepare('SELECT id, code FROM purposes ORDER BY id').all()
      : ctx.db.prepare('SELECT id, code FROM purposes WHERE id = ?').all(purposeId)
  ) as { id: number; code: string }[];
  const missing = purposes.flatMap((p) =>
    formLanguages.filter((l) => needsDefault(latestOf(ctx.db, p.id, l), defaultTemplateBody(l, jurisdiction, p.code))).map((l) => ({ p, l })),
  );
  if (missing.length === 0) return;
  const write = () => {
    for (const { p, l } of missing) addDefault(ctx.db, p, l, jurisdiction, nowIso(ctx), ctx);
  };
  if (ctx.db.inTransaction) write();
  else ctx.db.transaction(write).immediate();
}

export function currentTemplate(ctx: Ctx, purpose: Pick<PurposeRow, 'id'>, language: FormLanguage): FormTemplate {
  ensureFormTemplates(ctx, purpose.id);
  const t = latestOf(ctx.db, purpose.id, language);
  if (!t) throw new RegisterError('internal', 'Шаблон бланка согласия не найден.');
  return t;
}

export const maxTemplateChars = 20_000;

const bodySchema = z
  .string()
  .max(maxTemplateChars, `текст бланка не длиннее ${maxTemplateChars} знаков`)
  .transform((s) =>
    s
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+$/gm, '')
      .trim(),
  )
  .refine((s) => s.length > 0, 'текст бланка пустой')
  .superRefine((s, c) => {
    const unknown = unknownPlaceholders(s);
    if (unknown.length > 0) {
      c.addIssue({
        code: 'custom',
        message: `неизвестные поля подстановки: ${unknown.map((n) => `{{${n}}}`).join(', ')}; допустимы: ${Object.keys(placeholders)
          .map((n) => `{{${n}}}`)
          .join(', ')}`,
      });
    }
    // Control characters other than line breaks would print as boxes or break the PDF's text.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: that is exactly what is looked for
    if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(s)) c.addIssue({ code: 'custom', message: 'текст бланка содержит управляющие символы' });
  });

const placeholderList = Object.entries(placeholders).map(([name, description]) => ({ name, description }));

export const formTemplateOps = {
  'formTemplate.list': defineOp({
    summary: 'Шаблоны бланков согласий и их редакции',
    input: z.object({ purpose: purposeRefSchema.optional(), language: z.enum(formLanguages).optional(), currentOnly: z.boolean().default(false) }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const purpose = i.purpose === undefined ? undefined : findPurpose(ctx.db, i.purpose);
      ensureFormTemplates(ctx, purpose?.id);
      const templates = readAll(ctx.db, purpose?.id)
        .filter((t) => (i.language === undefined || t.language === i.language) && (!i.currentOnly || t.current))
        // Newest first within each purpose and language: that is what a settings screen shows.
        .sort((a, b) => a.purposeId - b.purposeId || a.language.localeCompare(b.language) || b.version - a.version);
      return { templates, placeholders: placeholderList };
    },
  }),
  'formTemplate.get': defineOp({
    summary: 'Текст бланка согласия (текущая или указанная редакция)',
    input: z.object({ purpose: purposeRefSchema, language: z.enum(formLanguages), version: z.number().int().positive().optional() }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => {
      const purpose = findPurpose(ctx.db, i.purpose);
      ensureFormTemplates(ctx, purpose.id);
      const all = readAll(ctx.db, purpose.id).filter((t) => t.language === i.language);
      const found = i.version === undefined ? all.at(-1) : all.find((t) => t.version === i.version);
      if (!found) throw new RegisterError('not_found', `Редакция ${formVersionLabel(i.language, i.version ?? 0)} бланка «${purpose.code}» не найдена.`);
      return { ...found, placeholders: placeholderList };
    },
  }),
  'formTemplate.save': defineOp({
    summary: 'Сохранить новую редакцию бланка согласия (прежние редакции не меняются)',
    input: z.object({ purpose: purposeRefSchema, language: z.enum(formLanguages), body: bodySchema }),
    permission: 'settings.legal',
    tx: 'write',
    handler: (ctx, i) => {
      const purpose = findPurpose(ctx.db, i.purpose);
      ensureFormTemplates(ctx, purpose.id);
      const latest = latestOf(ctx.db, purpose.id, i.language);
      if (latest && latest.body === i.body) {
        throw new RegisterError('conflict', `Текст совпадает с действующей редакцией ${latest.formVersion}: новая редакция не нужна.`);
      }
      const version = (latest?.version ?? 0) + 1;
      const jurisdiction = getJurisdiction(ctx.db);
      insertVersion(ctx.db, purpose.id, i.language, version, { body: i.body, jurisdiction, origin: 'edited', savedAt: nowIso(ctx), savedBy: ctx.actor.id });
      audit(ctx, {
        action: 'formTemplate.save',
        entity: 'purpose',
        entityId: purpose.id,
        details: { purpose: purpose.code, language: i.language, version, formVersion: formVersionLabel(i.language, version), sha256: sha256(i.body) },
      });
      const saved = latestOf(ctx.db, purpose.id, i.language);
      if (!saved) throw new RegisterError('internal');
      return saved;
    },
  }),
};

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import { fromSqlite, RegisterError } from './errors.ts';
import { defaultPurposes } from './purposes.ts';

// Consent form templates: seeded per purpose and language, versioned, never edited in place.

let reg: TestRegister;
beforeEach(async () => {
  reg = await makeRegister();
});
afterEach(() => reg.cleanup());

function sqlCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    const e = fromSqlite(err);
    return e instanceof RegisterError ? e.code : String(err);
  }
  return undefined;
}

describe('formTemplate', () => {
  it('starts with a Russian and a Kazakh v1 for every default purpose', async () => {
    const { templates, placeholders } = await call(reg.desk.ctx, 'formTemplate.list', {});
    const keys = templates.map((t: { purpose: string; language: string; formVersion: string }) => `${t.purpose}/${t.formVersion}`).sort();
    expect(keys).toEqual(defaultPurposes.flatMap((p) => [`${p.code}/kk-v1`, `${p.code}/ru-v1`]).sort());
    for (const t of templates) {
      expect(t).toMatchObject({ version: 1, origin: 'default', jurisdiction: 'RU', current: true, savedBy: null });
      expect(t.body).toContain('{{signature}}');
      expect(t.body).toContain('{{purpose.title}}');
      expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const kk = templates.find((t: { purpose: string; language: string }) => t.purpose === 'appointment' && t.language === 'kk');
    // Real Kazakh, under the register's law (RU: 152-FZ).
    expect(kk.body).toMatch(/[әғқңөұүі]/);
    expect(kk.body).toContain('№ 152-ФЗ Федералдық заңның 9-бабына сәйкес');
    expect(placeholders.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['operator.name', 'person.fullName', 'data.list', 'term', 'blank']),
    );
    // Seeding at creation is not an action anyone took: no audit rows for it.
    expect(reg.desk.ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action LIKE 'formTemplate.%'").get()).toEqual({ n: 0 });
  });

  it('saves a new version, keeps the old one and records who saved it', async () => {
    const body = '# СОГЛАСИЕ\nЯ, {{person.fullName}}, согласен на {{purpose.title}}.\n{{signature}}';
    const v2 = await call(reg.manager.ctx, 'formTemplate.save', { purpose: 'marketing', language: 'ru', body: `${body}\r\n  ` });
    expect(v2).toMatchObject({ purpose: 'marketing', language: 'ru', version: 2, formVersion: 'ru-v2', origin: 'edited', current: true, body });
    expect(v2.savedBy).toMatchObject({ fullName: 'Руководова Мария Петровна' });
    const v3 = await call(reg.admin.ctx, 'formTemplate.save', { purpose: 'marketing', language: 'ru', body: `${body}\nДата: {{date}}` });
    expect(v3.formVersion).toBe('ru-v3');
    const v1 = await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'marketing', language: 'ru', version: 1 });
    expect(v1).toMatchObject({ version: 1, origin: 'default', current: false });
    expect(v1.body).toContain('38-ФЗ «О рекламе»');
    expect((await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'marketing', language: 'ru' })).version).toBe(3);
    // The Kazakh text of the same purpose is its own line of versions.
    expect((await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'marketing', language: 'kk' })).formVersion).toBe('kk-v1');
    const { templates } = await call(reg.desk.ctx, 'formTemplate.list', { purpose: 'marketing', language: 'ru' });
    expect(templates.map((t: { version: number; current: boolean }) => [t.version, t.current])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    const rows = reg.desk.ctx.db.prepare("SELECT details FROM audit WHERE action = 'formTemplate.save' ORDER BY id").all() as { details: string }[];
    expect(rows.map((r) => JSON.parse(r.details))).toEqual([
      { purpose: 'marketing', language: 'ru', version: 2, formVersion: 'ru-v2', sha256: v2.sha256 },
      { purpose: 'marketing', language: 'ru', version: 3, formVersion: 'ru-v3', sha256: v3.sha256 },
    ]);
    // Saving the same text again is no new version.
    await expect(call(reg.manager.ctx, 'formTemplate.save', { purpose: 'marketing', language: 'ru', body: v3.body })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('is edited only with the legal-settings permission, and only with known placeholders', async () => {
    await expect(call(reg.desk.ctx, 'formTemplate.save', { purpose: 'appointment', language: 'ru', body: 'Текст' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const bad = call(reg.manager.ctx, 'formTemplate.save', { purpose: 'appointment', language: 'ru', body: 'Я, {{person.passport}}, {{ person.fullName }}' });
    await expect(bad).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(bad).rejects.toThrow(/\{\{person\.passport\}\}/);
    await expect(call(reg.manager.ctx, 'formTemplate.save', { purpose: 'appointment', language: 'ru', body: '   \n ' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.manager.ctx, 'formTemplate.save', { purpose: 'appointment', language: 'en', body: 'Text' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.manager.ctx, 'formTemplate.save', { purpose: 'nope', language: 'ru', body: 'Текст' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'appointment', language: 'ru' })).version).toBe(1);
  });

  it('cannot be rewritten or removed in SQL either', async () => {
    const db = reg.manager.ctx.db;
    const key = (db.prepare("SELECT key FROM settings WHERE key GLOB 'form_template:*' ORDER BY key LIMIT 1").get() as { key: string }).key;
    expect(sqlCode(() => db.prepare("UPDATE settings SET value = '{}' WHERE key = ?").run(key))).toBe('append_only');
    expect(sqlCode(() => db.prepare('DELETE FROM settings WHERE key = ?').run(key))).toBe('append_only');
    expect(sqlCode(() => db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, '{}')").run(key))).toBe('append_only');
    expect(sqlCode(() => db.prepare("UPDATE settings SET key = 'x' WHERE key = ?").run(key))).toBe('append_only');
    // Other settings stay editable.
    await call(reg.admin.ctx, 'settings.setGeneral', { idleLockMinutes: 7 });
  });

  it('gives a purpose added later its default texts on first use', async () => {
    await call(reg.manager.ctx, 'purpose.add', {
      code: 'survey',
      title: { ru: 'Опросы качества обслуживания', kk: 'Қызмет көрсету сапасы туралы сауалнамалар', en: 'Service quality surveys' },
      dataCategories: ['full_name', 'phone'],
    });
    const { templates } = await call(reg.desk.ctx, 'formTemplate.list', { purpose: 'survey' });
    expect(templates.map((t: { formVersion: string }) => t.formVersion).sort()).toEqual(['kk-v1', 'ru-v1']);
    const audited = reg.desk.ctx.db.prepare("SELECT login, details FROM audit WHERE action = 'formTemplate.default' ORDER BY id").all() as {
      login: string;
      details: string;
    }[];
    expect(audited.map((r) => JSON.parse(r.details)).map((d) => `${d.purpose}/${d.language}/${d.version}/${d.jurisdiction}`)).toEqual([
      'survey/ru/1/RU',
      'survey/kk/1/RU',
    ]);
  });

  it('seeds a register made before templates existed on first use', async () => {
    const db = reg.manager.ctx.db;
    // Such a file has neither the template rows nor the triggers that guard them.
    db.exec(
      "DROP TRIGGER settings_form_templates_no_replace; DROP TRIGGER settings_form_templates_no_update; DROP TRIGGER settings_form_templates_no_delete; DELETE FROM settings WHERE key GLOB 'form_template:*'",
    );
    const p = await call(reg.desk.ctx, 'person.add', { fullName: 'Старый Реестр', source: 'walk_in' });
    const res = await call(reg.desk.ctx, 'print.consent', { personId: p.id, purpose: 'health', outPath: join(reg.dir, 'old.pdf') });
    expect(res.formVersion).toBe('ru-v1');
    const { templates } = await call(reg.desk.ctx, 'formTemplate.list', {});
    expect(templates.length).toBe(defaultPurposes.length * 2);
  });

  it('follows a change of jurisdiction with a new default version, but never replaces an edited text', async () => {
    await call(reg.manager.ctx, 'formTemplate.save', { purpose: 'appointment', language: 'ru', body: 'Свой текст клиники. {{signature}}' });
    await call(reg.admin.ctx, 'settings.setJurisdiction', { jurisdiction: 'KZ' });
    const marketing = await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'marketing', language: 'ru' });
    expect(marketing).toMatchObject({ version: 2, origin: 'default', jurisdiction: 'KZ' });
    expect(marketing.body).toContain('№ 94-V');
    const kk = await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'marketing', language: 'kk' });
    expect(kk).toMatchObject({ version: 2, jurisdiction: 'KZ' });
    expect(kk.body).toContain('Трансшекаралық беру: рұқсат етілмейді.');
    const own = await call(reg.desk.ctx, 'formTemplate.get', { purpose: 'appointment', language: 'ru' });
    expect(own).toMatchObject({ version: 2, origin: 'edited', body: 'Свой текст клиники. {{signature}}' });
  });
});

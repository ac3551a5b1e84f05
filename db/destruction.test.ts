import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { DB } from './connection.ts';
import { retainUntil } from './destruction.ts';

let reg: TestRegister;
afterEach(() => reg?.cleanup());

// Persons are inserted directly so these tests depend only on the schema, not on person.add.
function addPerson(db: DB, name: string, o: { phone?: string; email?: string } = {}): number {
  const at = '2026-02-16T06:00:00.000Z';
  return Number(
    db
      .prepare('INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)')
      .run(name, o.phone ?? null, o.email ?? null, o.email?.toLowerCase() ?? null, 'walk_in', at, at).lastInsertRowid,
  );
}

const act = {
  number: 'УД-2026/01',
  reason: 'Отзыв согласия субъектом (152-ФЗ ст. 21 ч. 5)',
  method: 'Удаление записей средствами информационной системы с затиранием освобождённых страниц',
  destroyedBy: [
    { fullName: 'Руководова Мария Петровна', position: 'Главный врач' },
    { fullName: 'Админов Админ', position: 'Системный администратор' },
  ],
};

// A person with something in every place that holds personal data.
async function richPerson(reg: TestRegister): Promise<number> {
  const db = reg.desk.ctx.db;
  const p = addPerson(db, 'Удаляева Светлана Олеговна', { phone: '+79035556677', email: 'svetlana@example.ru' });
  await call(reg.desk.ctx, 'consent.give', {
    personId: p,
    purpose: 'marketing',
    channel: 'paper',
    formVersion: 'М-1',
    paperFormNumber: '555',
    representative: { name: 'Удаляев Олег', authority: 'Доверенность 77АА1234567' },
    note: 'подписала у стойки',
    scan: { content: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300)]).toString('base64'), mime: 'application/pdf' },
  });
  await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website' });
  await call(reg.desk.ctx, 'person.markVerify', { personId: p, reason: 'фамилия под вопросом' });
  db.prepare(
    "INSERT INTO requests (person_id, type, received_at, channel, requester_kind, requester, jurisdiction, rule, opened_by, created_at, extended_at, extension_notice) VALUES (?, 'destroy', '2026-02-10', 'post', 'subject', 'Удаляева С. О., г. Москва', 'RU', '{}', 1, 'x', 'y', 'Уведомление Удаляевой о продлении')",
  ).run(p);
  await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'destruction_pending', requestedBy: 'subject', note: 'просит удалить всё' });
  return p;
}

describe('person.destroy', () => {
  it('erases everything personal, leaves a tombstone tied to an act with the Order 179 fields and its log extract', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    await call(reg.manager.ctx, 'settings.setGeneral', { processor: { name: 'ООО «Облако»', address: 'г. Казань, ул. Баумана, 5' } });
    const p = await richPerson(reg);
    const plain = addPerson(db, 'Простов Иван');
    const block = db.prepare('SELECT id FROM blocks WHERE person_id = ?').get(p) as { id: number };

    const res = await call(reg.manager.ctx, 'person.destroy', {
      personIds: [p, plain],
      act: { ...act, paperMedia: [{ name: 'Бланк согласия №555', sheets: 2 }] },
    });
    expect(res).toMatchObject({
      number: 'УД-2026/01',
      date: '2026-02-16',
      operator: { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1' },
      processor: { name: 'ООО «Облако»', address: 'г. Казань, ул. Баумана, 5' },
      subjects: [
        { personId: p, subjectRef: `P-${String(p).padStart(6, '0')}`, categories: ['full_name', 'phone', 'email', 'representative', 'consent_scans', 'notes'] },
        { personId: plain, subjectRef: `P-${String(plain).padStart(6, '0')}`, categories: ['full_name'] },
      ],
      destroyedBy: act.destroyedBy,
      categories: ['full_name', 'phone', 'email', 'representative', 'consent_scans', 'notes'],
      categoryTitles: expect.arrayContaining(['фамилия, имя, отчество', 'сканы подписанных бланков согласий']),
      paperMedia: [{ name: 'Бланк согласия №555', sheets: 2 }],
      informationSystem: 'Privacy Desk — реестр персональных данных',
      method: act.method,
      reason: act.reason,
      retainUntil: '2029-02-16',
      createdBy: { id: reg.manager.ctx.actor.id, login: 'manager', fullName: 'Руководова Мария Петровна' },
    });
    expect(res.logExtract).toEqual([
      {
        auditId: expect.any(Number),
        at: expect.any(String),
        subjectRef: res.subjects[0].subjectRef,
        categories: res.subjects[0].categories,
        categoryTitles: expect.any(Array),
        informationSystem: res.informationSystem,
        reason: act.reason,
        date: '2026-02-16',
      },
      {
        auditId: expect.any(Number),
        at: expect.any(String),
        subjectRef: res.subjects[1].subjectRef,
        categories: ['full_name'],
        categoryTitles: ['фамилия, имя, отчество'],
        informationSystem: res.informationSystem,
        reason: act.reason,
        date: '2026-02-16',
      },
    ]);

    // Tombstones: nothing personal, tied to the act.
    expect(db.prepare('SELECT full_name, phone, email, email_fold, destroyed_act_id FROM persons WHERE id IN (?, ?) ORDER BY id').all(p, plain)).toEqual([
      { full_name: null, phone: null, email: null, email_fold: null, destroyed_act_id: res.id },
      { full_name: null, phone: null, email: null, email_fold: null, destroyed_act_id: res.id },
    ]);
    expect(await call(reg.desk.ctx, 'person.get', { id: p })).toEqual({
      id: p,
      destroyed: true,
      destroyedActId: res.id,
      createdAt: '2026-02-16T06:00:00.000Z',
    });
    // The consent history survives without its free text; the scan is gone.
    expect(
      db
        .prepare(
          'SELECT kind, channel, paper_form_number, representative_name, representative_authority, note FROM consent_events WHERE person_id = ? ORDER BY id',
        )
        .all(p),
    ).toEqual([
      { kind: 'given', channel: 'paper', paper_form_number: '555', representative_name: null, representative_authority: null, note: null },
      { kind: 'given', channel: 'website', paper_form_number: null, representative_name: null, representative_authority: null, note: null },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM scans').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT id, ended_at IS NOT NULL AS ended, outcome, note, outcome_note FROM blocks WHERE person_id = ?').all(p)).toEqual([
      { id: block.id, ended: 1, outcome: 'destroyed', note: null, outcome_note: null },
    ]);
    expect(db.prepare('SELECT outcome, reason FROM verifications WHERE person_id = ?').all(p)).toEqual([{ outcome: 'destroyed', reason: null }]);
    expect(db.prepare('SELECT type, requester, answer, extended_at, extension_notice FROM requests WHERE person_id = ?').all(p)).toEqual([
      { type: 'destroy', requester: null, answer: null, extended_at: 'y', extension_notice: '' },
    ]);
    expect(db.prepare('SELECT person_id, subject_ref FROM act_subjects ORDER BY person_id').all()).toEqual([
      { person_id: p, subject_ref: res.subjects[0].subjectRef },
      { person_id: plain, subject_ref: res.subjects[1].subjectRef },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM person_names WHERE person_names MATCH 'удаляева'").get()).toEqual({ n: 0 });

    // The log names people by id only; the WAL was checkpointed and truncated after the commit.
    const log = await call(reg.manager.ctx, 'audit.list', { limit: 1000 });
    expect(
      log
        .filter((r: any) => r.action === 'person.destroy')
        .map((r: any) => r.entityId)
        .sort(),
    ).toEqual([p, plain].sort());
    expect(JSON.stringify(log)).not.toMatch(/Удаляев|Простов|svetlana|903555|просит удалить|фамилия под вопросом/);
    expect(existsSync(`${reg.dbPath}-wal`) ? statSync(`${reg.dbPath}-wal`).size : 0).toBe(0);

    // The consent list of a tombstone still answers, without any personal text.
    const consents = await call(reg.desk.ctx, 'consent.list', { personId: p });
    expect(consents.destroyed).toBe(true);
    expect(consents.consents.find((c: any) => c.purpose.code === 'marketing').evidence).toMatchObject({ representative: null, note: null, scans: [] });

    expect(await call(reg.desk.ctx, 'act.get', { number: 'УД-2026/01' })).toEqual(res);
    expect(await call(reg.desk.ctx, 'act.list', { from: '2026-02-01', to: '2026-02-28' })).toEqual([res]);
    expect(await call(reg.desk.ctx, 'act.list', { from: '2026-03-01' })).toEqual([]);
  });

  it('after destruction nothing more can be done with the person', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Последний День');
    await call(reg.manager.ctx, 'person.destroy', { personIds: [p], act: act });
    for (const [op, input] of [
      ['consent.give', { personId: p, purpose: 'marketing', channel: 'website' }],
      ['person.block', { personId: p, reason: 'other', requestedBy: 'operator' }],
      ['person.markVerify', { personId: p }],
      ['person.edit', { id: p, fullName: 'Воскресший' }],
    ] as const) {
      await expect(call(reg.desk.ctx, op, input), op).rejects.toMatchObject({ code: 'person_destroyed' });
    }
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [p], act: { ...act, number: 'УД-2026/02' } })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('уже уничтожены'),
    });
  });

  it('is all or nothing: one bad subject or a reused act number changes nothing', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const a = addPerson(db, 'Целая Анна', { phone: '+79035551111' });
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [a, 9999], act })).rejects.toMatchObject({ code: 'not_found' });
    expect(db.prepare('SELECT full_name, destroyed_act_id FROM persons WHERE id = ?').get(a)).toEqual({ full_name: 'Целая Анна', destroyed_act_id: null });
    expect(db.prepare('SELECT count(*) AS n FROM destruction_acts').get()).toEqual({ n: 0 });
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [a, a], act })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [a], act: { ...act, destroyedBy: [] } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [a], act: { ...act, date: '2026-02-17' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const b = addPerson(db, 'Другая Анна');
    await call(reg.manager.ctx, 'person.destroy', { personIds: [b], act: { ...act, categories: ['ФИО'] } });
    expect((await call(reg.manager.ctx, 'act.get', { number: act.number })).categories).toEqual(['ФИО']);
    await expect(call(reg.manager.ctx, 'person.destroy', { personIds: [a], act })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('УД-2026/01'),
    });
    expect(db.prepare('SELECT full_name FROM persons WHERE id = ?').get(a)).toEqual({ full_name: 'Целая Анна' });
  });

  it('keeps the act 3 years; 29 February rolls to 1 March', () => {
    expect(retainUntil('2026-02-16')).toBe('2029-02-16');
    expect(retainUntil('2028-02-29')).toBe('2031-03-01');
  });
});

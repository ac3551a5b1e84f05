import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { DB } from './connection.ts';

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

function addRequest(db: DB, personId: number | null): number {
  return Number(
    db
      .prepare(
        "INSERT INTO requests (person_id, type, received_at, channel, requester_kind, jurisdiction, rule, opened_by, created_at) VALUES (?, 'block', '2026-02-16', 'in_person', 'subject', 'RU', '{}', 1, 'x')",
      )
      .run(personId).lastInsertRowid,
  );
}

const nowIso = new Date('2026-02-16T09:00:00').toISOString();

describe('person.block / person.unblock', () => {
  it('blocks once, lists the block, and refuses a second open block', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Неточная Галина', { phone: '+79161234567' });
    const req = addRequest(db, p);
    const block = await call(reg.desk.ctx, 'person.block', {
      personId: p,
      reason: 'inaccurate_data',
      requestedBy: 'subject',
      note: 'говорит, что телефон сменился',
      requestId: req,
    });
    expect(block).toEqual({
      id: expect.any(Number),
      personId: p,
      reason: 'inaccurate_data',
      requestedBy: 'subject',
      note: 'говорит, что телефон сменился',
      requestId: req,
      beganAt: nowIso,
      beganBy: reg.desk.ctx.actor.id,
      endedAt: null,
      endedBy: null,
      outcome: null,
      outcomeNote: null,
      open: true,
    });
    await expect(call(reg.desk.ctx, 'person.block', { personId: p, reason: 'other', requestedBy: 'operator' })).rejects.toMatchObject({
      code: 'conflict',
      message: `Запись субъекта №${p} уже заблокирована (блокировка №${block.id} с ${nowIso.slice(0, 10)}).`,
    });
    expect(await call(reg.desk.ctx, 'block.list', { open: true })).toEqual([block]);
    expect(await call(reg.desk.ctx, 'block.list', { personId: p, open: false })).toEqual([]);
    expect((await call(reg.desk.ctx, 'person.get', { id: p })).blocked).toBe(true);
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'person.block' });
    expect(log[0]).toMatchObject({
      entity: 'person',
      entityId: p,
      details: { blockId: block.id, reason: 'inaccurate_data', requestedBy: 'subject', requestId: req },
    });
    expect(JSON.stringify(log)).not.toContain('телефон сменился');
    // The unique index holds one open block per person for SQL writers too.
    expect(() => db.prepare("INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'other', 'operator', 'x', 1)").run(p)).toThrow(
      /UNIQUE/,
    );
  });

  it('refuses unknown people, an unknown request, a request about someone else and an invalid reason', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Первая Анна');
    const other = addPerson(db, 'Вторая Анна');
    await expect(call(reg.desk.ctx, 'person.block', { personId: 999, reason: 'other', requestedBy: 'operator' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call(reg.desk.ctx, 'person.block', { personId: p, reason: 'other', requestedBy: 'operator', requestId: 999 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      call(reg.desk.ctx, 'person.block', { personId: p, reason: 'other', requestedBy: 'operator', requestId: addRequest(db, other) }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('другому субъекту') });
    await expect(call(reg.desk.ctx, 'person.block', { personId: p, reason: 'boredom', requestedBy: 'operator' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(db.prepare('SELECT count(*) AS n FROM blocks').get()).toEqual({ n: 0 });
  });

  it("'corrected' ends the block and applies normalised corrections in one step", async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Ошибкина Мария', { phone: '+79161234567', email: 'old@example.ru' });
    const block = await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'inaccurate_data', requestedBy: 'subject' });
    const ended = await call(reg.desk.ctx, 'person.unblock', {
      personId: p,
      outcome: 'corrected',
      note: 'паспорт предъявлен',
      corrections: { fullName: '  Ошибкина   Мария  Сергеевна ', phone: '8 (916) 765-43-21', email: ' New.Mail@Example.RU ' },
    });
    expect(ended).toMatchObject({
      id: block.id,
      open: false,
      outcome: 'corrected',
      outcomeNote: 'паспорт предъявлен',
      endedAt: nowIso,
      endedBy: reg.desk.ctx.actor.id,
    });
    expect(db.prepare('SELECT full_name, phone, email, email_fold FROM persons WHERE id = ?').get(p)).toEqual({
      full_name: 'Ошибкина Мария Сергеевна',
      phone: '+79167654321',
      email: 'New.Mail@Example.RU',
      email_fold: 'new.mail@example.ru',
    });
    // The name index follows the correction.
    expect(db.prepare('SELECT rowid FROM person_names WHERE person_names MATCH \'"сергеевна"\'').all()).toEqual([{ rowid: p }]);
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'person.unblock' });
    expect(log[0].details).toEqual({ blockId: block.id, outcome: 'corrected', correctedFields: ['fullName', 'phone', 'email'] });
    // A closed block is history: it cannot be reopened or rewritten, even with SQL.
    expect(() => db.prepare('UPDATE blocks SET ended_at = NULL, outcome = NULL WHERE id = ?').run(block.id)).toThrow('append_only');
    expect(() => db.prepare("UPDATE blocks SET outcome_note = 'другое' WHERE id = ?").run(block.id)).toThrow('append_only');
    expect(() => db.prepare('DELETE FROM blocks WHERE id = ?').run(block.id)).toThrow('append_only');
  });

  it('a correction that fails leaves the block open and the data untouched', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Старова Нина', { phone: '+79161234567' });
    const other = addPerson(db, 'Соседова Нина', { phone: '+79167654321' });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'inaccurate_data', requestedBy: 'subject' });
    await expect(call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'corrected', corrections: { phone: '12' } })).rejects.toMatchObject({
      code: 'invalid_phone',
    });
    await expect(call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'corrected', corrections: { phone: '+7 916 765-43-21' } })).rejects.toMatchObject(
      { code: 'duplicate_person', message: expect.stringContaining(`№${other}`) },
    );
    expect(db.prepare('SELECT ended_at FROM blocks WHERE person_id = ?').get(p)).toEqual({ ended_at: null });
    expect(db.prepare('SELECT phone FROM persons WHERE id = ?').get(p)).toEqual({ phone: '+79161234567' });
    // A family sharing one phone is confirmed explicitly.
    await call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'corrected', corrections: { phone: '+7 916 765-43-21' }, allowSharedContact: true });
    expect(db.prepare('SELECT phone FROM persons WHERE id = ?').get(p)).toEqual({ phone: '+79167654321' });
  });

  it('checks the outcome against the corrections and refuses to unblock what is not blocked', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Свободная Ада');
    await expect(call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'unblocked_unconfirmed' })).rejects.toMatchObject({
      code: 'conflict',
      message: `Запись субъекта №${p} не заблокирована: снимать нечего.`,
    });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'unlawful_processing', requestedBy: 'regulator' });
    await expect(call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'corrected' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('corrections'),
    });
    await expect(
      call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'unblocked_lawful', corrections: { fullName: 'Иная Ада' } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'destroyed' })).rejects.toMatchObject({ code: 'invalid_input' });
    const ended = await call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'unblocked_lawful' });
    expect(ended).toMatchObject({ outcome: 'unblocked_lawful', open: false });
    expect(reg.desk.ctx.db.prepare('SELECT full_name FROM persons WHERE id = ?').get(p)).toEqual({ full_name: 'Свободная Ада' });
    // Unblocked, the record can be blocked again: the history keeps both.
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'subject_request', requestedBy: 'subject' });
    expect((await call(reg.desk.ctx, 'block.list', { personId: p })).map((b: any) => [b.reason, b.open])).toEqual([
      ['subject_request', true],
      ['unlawful_processing', false],
    ]);
  });
});

describe('verification marks', () => {
  it('marks once, clears once, and keeps the record usable meanwhile', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Сомнева Вера');
    const mark = await call(reg.desk.ctx, 'person.markVerify', { personId: p, reason: 'письмо вернулось' });
    expect(mark).toEqual({
      id: expect.any(Number),
      personId: p,
      reason: 'письмо вернулось',
      markedAt: nowIso,
      markedBy: reg.desk.ctx.actor.id,
      clearedAt: null,
      clearedBy: null,
      outcome: null,
      open: true,
    });
    await expect(call(reg.desk.ctx, 'person.markVerify', { personId: p })).rejects.toMatchObject({ code: 'conflict' });
    expect((await call(reg.desk.ctx, 'person.get', { id: p })).needsVerification).toBe(true);
    // Not a block: consents can still be recorded.
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website' });

    const cleared = await call(reg.desk.ctx, 'person.clearVerify', { personId: p, outcome: 'confirmed' });
    expect(cleared).toMatchObject({ id: mark.id, outcome: 'confirmed', clearedAt: nowIso, open: false });
    await expect(call(reg.desk.ctx, 'person.clearVerify', { personId: p, outcome: 'corrected' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(call(reg.desk.ctx, 'person.clearVerify', { personId: p, outcome: 'destroyed' })).rejects.toMatchObject({ code: 'invalid_input' });
    const log = await call(reg.manager.ctx, 'audit.list', { entity: 'person', entityId: p });
    expect(log.map((r: any) => r.action)).toEqual(['person.clear_verify', 'consent.give', 'person.mark_verify']);
    expect(JSON.stringify(log)).not.toContain('письмо вернулось');
    // A cleared mark is history, for SQL writers too.
    expect(() => db.prepare('UPDATE verifications SET cleared_at = NULL, cleared_by = NULL, outcome = NULL WHERE id = ?').run(mark.id)).toThrow('append_only');
    expect(() => db.prepare("UPDATE verifications SET reason = 'иное' WHERE id = ?").run(mark.id)).toThrow('append_only');
    expect(() => db.prepare('DELETE FROM verifications WHERE id = ?').run(mark.id)).toThrow('append_only');
  });
});

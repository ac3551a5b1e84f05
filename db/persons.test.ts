import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { Ctx } from './context.ts';

let reg: TestRegister;
afterEach(() => reg?.cleanup());

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; details?: any }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; details?: any };
  }
  throw new Error('expected a rejection');
}

function personCount(ctx: Ctx): number {
  return (ctx.db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n;
}

function lastAudit(ctx: Ctx, action: string): { entity_id: number; details: any } {
  const row = ctx.db.prepare('SELECT entity_id, details FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1').get(action) as {
    entity_id: number;
    details: string;
  };
  return { entity_id: row.entity_id, details: JSON.parse(row.details) };
}

// Another module owns blocking; these tests put the row in place directly.
function block(ctx: Ctx, personId: number): void {
  ctx.db
    .prepare("INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'inaccurate_data', 'subject', '2026-02-16T06:00:00.000Z', ?)")
    .run(personId, ctx.actor.id);
}

function destroy(reg: TestRegister, personId: number): number {
  const db = reg.manager.ctx.db;
  const act = Number(
    db
      .prepare(
        `INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, destroyed_by, categories, information_system, method, reason, retain_until, created_by, created_at)
         VALUES (?, '2026-02-16', 'ООО', 'адрес', '["Руководова М. П."]', '["ФИО"]', 'Privacy Desk', 'стирание', 'отзыв согласия', '2029-02-16', ?, '2026-02-16T06:00:00.000Z')`,
      )
      .run(`А-${personId}`, reg.manager.ctx.actor.id).lastInsertRowid,
  );
  db.prepare('UPDATE persons SET full_name = NULL, phone = NULL, email = NULL, email_fold = NULL, destroyed_act_id = ? WHERE id = ?').run(act, personId);
  return act;
}

describe('person.add', () => {
  it('normalises the phone and e-mail and audits field names only', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', {
      fullName: '  Иванов   Пётр  Сергеевич ',
      phone: '8 (916) 123-45-67',
      email: ' Ivan.Petrov@Mail.RU ',
      source: 'walk_in',
    });
    expect(p).toMatchObject({
      destroyed: false,
      fullName: 'Иванов Пётр Сергеевич',
      phone: '+79161234567',
      phoneNational: '8 (916) 123-45-67',
      phoneCountry: 'RU',
      email: 'Ivan.Petrov@Mail.RU',
      source: 'walk_in',
      blocked: false,
      block: null,
      needsVerification: false,
      verification: null,
      createdBy: ctx.actor.id,
      createdAt: ctx.now().toISOString(),
    });
    const row = ctx.db.prepare('SELECT email_fold FROM persons WHERE id = ?').get(p.id) as { email_fold: string };
    expect(row.email_fold).toBe('ivan.petrov@mail.ru');
    const a = lastAudit(ctx, 'person.add');
    expect(a).toEqual({ entity_id: p.id, details: { source: 'walk_in', fields: ['fullName', 'phone', 'email'] } });
    const auditText = JSON.stringify(ctx.db.prepare('SELECT * FROM audit').all());
    for (const secret of ['Иванов', 'Пётр', '9161234567', 'petrov', 'Petrov']) expect(auditText).not.toContain(secret);
  });

  it('accepts a walk-in with a name only, treating blank contacts as not given', async () => {
    reg = await makeRegister();
    const p = await call(reg.desk.ctx, 'person.add', { fullName: 'Сидорова Анна', phone: '  ', email: '', source: 'walk_in' });
    expect(p).toMatchObject({ fullName: 'Сидорова Анна', phone: null, phoneNational: null, email: null });
    expect(lastAudit(reg.desk.ctx, 'person.add').details.fields).toEqual(['fullName']);
  });

  it('uses the jurisdiction for numbers typed without a country code', async () => {
    reg = await makeRegister({ jurisdiction: 'KZ' });
    const p = await call(reg.desk.ctx, 'person.add', { fullName: 'Қасымова Әлия', phone: '7011234567', source: 'phone_call' });
    expect(p).toMatchObject({ phone: '+77011234567', phoneCountry: 'KZ', phoneNational: '8 (701) 123 4567' });
    const q = await call(reg.desk.ctx, 'person.add', { fullName: 'Петров Иван', phone: '8 916 123 45 67', source: 'phone_call' });
    expect(q).toMatchObject({ phone: '+79161234567', phoneCountry: 'RU' });
  });

  it('rejects an invalid phone or e-mail and stores nothing', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const before = personCount(ctx);
    expect(await rejection(call(ctx, 'person.add', { fullName: 'Тестов Тест', phone: '8 916 123 45', source: 'walk_in' }))).toMatchObject({
      code: 'invalid_phone',
      message: 'Номер телефона слишком короткий: после +7 (или 8) должно быть 10 цифр.',
    });
    expect(await rejection(call(ctx, 'person.add', { fullName: 'Тестов Тест', email: 'test@mail', source: 'walk_in' }))).toMatchObject({
      code: 'invalid_email',
    });
    expect(await rejection(call(ctx, 'person.add', { fullName: '   ', source: 'walk_in' }))).toMatchObject({ code: 'invalid_input' });
    expect(await rejection(call(ctx, 'person.add', { fullName: 'Тестов Тест', source: 'street' }))).toMatchObject({ code: 'invalid_input' });
    expect(personCount(ctx)).toBe(before);
  });
});

describe('duplicates', () => {
  it('points at the person who already holds the phone, however it was typed', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const first = await call(ctx, 'person.add', { fullName: 'Иванов Пётр', phone: '+7 916 123-45-67', source: 'walk_in' });
    const err = await rejection(call(ctx, 'person.add', { fullName: 'Иванов Пётр Сергеевич', phone: '89161234567', source: 'appointment' }));
    expect(err.code).toBe('duplicate_person');
    expect(err.details).toEqual({ matches: [{ id: first.id, matchedOn: 'phone' }] });
    expect(err.message).toContain(`№${first.id}`);
    expect(err.message).not.toMatch(/916|Иванов/);
    expect(personCount(ctx)).toBe(1);
  });

  it('compares e-mails without regard to case', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const first = await call(ctx, 'person.add', { fullName: 'Әлиева Айгүл', email: 'Aigul.Alieva@Mail.KZ', source: 'website_form' });
    const err = await rejection(call(ctx, 'person.add', { fullName: 'Алиева Айгуль', email: 'aigul.alieva@mail.kz', source: 'walk_in' }));
    expect(err).toMatchObject({ code: 'duplicate_person', details: { matches: [{ id: first.id, matchedOn: 'email' }] } });
    const cyr = await call(ctx, 'person.add', { fullName: 'Сәрсенова Дана', email: 'Дана@Клиника.РФ', source: 'walk_in' });
    expect(await rejection(call(ctx, 'person.add', { fullName: 'Другая Дана', email: 'дана@клиника.рф', source: 'walk_in' }))).toMatchObject({
      details: { matches: [{ id: cyr.id, matchedOn: 'email' }] },
    });
  });

  it('lists every record that matches, by phone and by e-mail', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const a = await call(ctx, 'person.add', { fullName: 'Первый Один', phone: '8 701 111 22 33', source: 'walk_in' });
    const b = await call(ctx, 'person.add', { fullName: 'Второй Два', email: 'family@example.com', source: 'walk_in' });
    const err = await rejection(call(ctx, 'person.add', { fullName: 'Третий Три', phone: '+77011112233', email: 'FAMILY@example.com', source: 'walk_in' }));
    expect(err.details).toEqual({
      matches: [
        { id: a.id, matchedOn: 'phone' },
        { id: b.id, matchedOn: 'email' },
      ],
    });
    expect(err.message).toContain(`№${a.id}, №${b.id}`);
  });

  it('allows a shared family phone when the desk confirms it, and audits that', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const mother = await call(ctx, 'person.add', { fullName: 'Нұрланова Гүлнар', phone: '8 777 123 45 67', source: 'walk_in' });
    const child = await call(ctx, 'person.add', { fullName: 'Нұрланов Әлихан', phone: '87771234567', source: 'walk_in', allowSharedContact: true });
    expect(child.phone).toBe('+77771234567');
    expect(lastAudit(ctx, 'person.add')).toEqual({
      entity_id: child.id,
      details: { source: 'walk_in', fields: ['fullName', 'phone'], sharedContact: [{ id: mother.id, matchedOn: 'phone' }] },
    });
  });

  it('does not count the contacts of destroyed people', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const old = await call(ctx, 'person.add', { fullName: 'Уничтожаемый Субъект', phone: '8 916 000 11 22', email: 'gone@example.com', source: 'walk_in' });
    destroy(reg, old.id);
    const again = await call(ctx, 'person.add', { fullName: 'Новый Субъект', phone: '8 916 000 11 22', email: 'gone@example.com', source: 'walk_in' });
    expect(again.id).not.toBe(old.id);
  });
});

describe('person.get', () => {
  it('shows the open block and verification mark', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Блокова Вера', source: 'walk_in' });
    block(ctx, p.id);
    ctx.db
      .prepare("INSERT INTO verifications (person_id, reason, marked_at, marked_by) VALUES (?, 'сменила телефон', '2026-02-16T06:30:00.000Z', ?)")
      .run(p.id, ctx.actor.id);
    const got = await call(ctx, 'person.get', { id: p.id });
    expect(got).toMatchObject({
      blocked: true,
      block: { since: '2026-02-16T06:00:00.000Z', reason: 'inaccurate_data', requestedBy: 'subject' },
      needsVerification: true,
      verification: { since: '2026-02-16T06:30:00.000Z', reason: 'сменила телефон' },
    });
  });

  it('shows only the tombstone of a destroyed person', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Стёртый Субъект', phone: '8 916 222 33 44', source: 'walk_in' });
    const act = destroy(reg, p.id);
    expect(await call(ctx, 'person.get', { id: p.id })).toEqual({ id: p.id, destroyed: true, destroyedActId: act, createdAt: ctx.now().toISOString() });
    expect(await rejection(call(ctx, 'person.edit', { id: p.id, fullName: 'Воскрешённый' }))).toMatchObject({ code: 'person_destroyed' });
  });

  it('says when there is no such person', async () => {
    reg = await makeRegister();
    expect(await rejection(call(reg.desk.ctx, 'person.get', { id: 999 }))).toMatchObject({ code: 'not_found' });
  });
});

describe('person.edit', () => {
  it('changes only the given fields, normalised, and audits their names', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Петрова Анна', phone: '8 916 123 45 67', email: 'anna@example.com', source: 'walk_in' });
    const later = () => new Date('2026-02-17T10:00:00');
    const edited = await call({ ...ctx, now: later }, 'person.edit', { id: p.id, fullName: 'Петрова-Сидорова Анна', phone: '+7 (701) 765 43 21' });
    expect(edited).toMatchObject({
      fullName: 'Петрова-Сидорова Анна',
      phone: '+77017654321',
      phoneCountry: 'KZ',
      email: 'anna@example.com',
      source: 'walk_in',
      updatedAt: later().toISOString(),
    });
    expect(lastAudit(ctx, 'person.edit')).toEqual({ entity_id: p.id, details: { fields: ['fullName', 'phone'] } });
    const cleared = await call(ctx, 'person.edit', { id: p.id, phone: null, email: '' });
    expect(cleared).toMatchObject({ phone: null, email: null });
    expect(ctx.db.prepare('SELECT email_fold FROM persons WHERE id = ?').get(p.id)).toEqual({ email_fold: null });
    expect(lastAudit(ctx, 'person.edit').details).toEqual({ fields: ['phone', 'email'] });
  });

  it('writes nothing when nothing changes', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Петрова Анна', phone: '8 916 123 45 67', source: 'walk_in' });
    const auditRows = (ctx.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
    await call(ctx, 'person.edit', { id: p.id, fullName: 'Петрова  Анна', phone: '+79161234567' });
    expect((ctx.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n).toBe(auditRows);
  });

  it('refuses a contact held by someone else unless it is confirmed as shared', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const a = await call(ctx, 'person.add', { fullName: 'Первый Один', phone: '8 916 111 22 33', email: 'one@example.com', source: 'walk_in' });
    const b = await call(ctx, 'person.add', { fullName: 'Второй Два', source: 'walk_in' });
    const err = await rejection(call(ctx, 'person.edit', { id: b.id, email: 'ONE@example.com' }));
    expect(err).toMatchObject({ code: 'duplicate_person', details: { matches: [{ id: a.id, matchedOn: 'email' }] } });
    expect((await call(ctx, 'person.get', { id: b.id })).email).toBeNull();
    await call(ctx, 'person.edit', { id: b.id, phone: '89161112233', allowSharedContact: true });
    expect(lastAudit(ctx, 'person.edit').details).toEqual({ fields: ['phone'], sharedContact: [{ id: a.id, matchedOn: 'phone' }] });
    // Editing the name of someone who already shares a phone does not ask again.
    await call(ctx, 'person.edit', { id: b.id, fullName: 'Второй Два Отчество' });
    // Changing only the case of one's own address is not a duplicate of oneself.
    expect((await call(ctx, 'person.edit', { id: a.id, email: 'One@Example.com' })).email).toBe('One@Example.com');
  });

  it('a blocked person cannot be edited through the API', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Блокова Вера', phone: '8 916 123 45 67', source: 'walk_in' });
    block(ctx, p.id);
    for (const change of [{ fullName: 'Иная Вера' }, { phone: '8 916 765 43 21' }, { email: 'vera@example.com' }, { source: 'other' }]) {
      expect(await rejection(call(ctx, 'person.edit', { id: p.id, ...change }))).toMatchObject({ code: 'person_blocked' });
    }
    expect(await call(reg.manager.ctx, 'person.get', { id: p.id })).toMatchObject({
      fullName: 'Блокова Вера',
      phone: '+79161234567',
      email: null,
      source: 'walk_in',
    });
    expect(ctx.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'person.edit'").get()).toEqual({ n: 0 });
  });

  it('a blocked person cannot be edited through SQL either', async () => {
    reg = await makeRegister();
    const ctx = reg.desk.ctx;
    const p = await call(ctx, 'person.add', { fullName: 'Блокова Вера', phone: '8 916 123 45 67', source: 'walk_in' });
    block(ctx, p.id);
    for (const sql of [
      "UPDATE persons SET full_name = 'Иная Вера' WHERE id = ?",
      "UPDATE persons SET phone = '+79167654321' WHERE id = ?",
      "UPDATE persons SET email = 'x@example.com', email_fold = 'x@example.com' WHERE id = ?",
      "UPDATE persons SET source = 'other' WHERE id = ?",
    ]) {
      expect(() => ctx.db.prepare(sql).run(p.id)).toThrow('person_blocked');
    }
    expect(ctx.db.prepare('SELECT full_name, phone, source FROM persons WHERE id = ?').get(p.id)).toEqual({
      full_name: 'Блокова Вера',
      phone: '+79161234567',
      source: 'walk_in',
    });
    // Once the block ends, the same edit goes through.
    ctx.db
      .prepare("UPDATE blocks SET ended_at = '2026-02-17T06:00:00.000Z', ended_by = ?, outcome = 'unblocked_unconfirmed' WHERE person_id = ?")
      .run(ctx.actor.id, p.id);
    expect((await call(ctx, 'person.edit', { id: p.id, fullName: 'Иная Вера' })).fullName).toBe('Иная Вера');
  });
});

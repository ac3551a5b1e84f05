import { createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { DB } from './connection.ts';
import { keyringPathFor } from './keyring.ts';

// Each rule of issue 2 point 3, tried twice: through the core API (what every host calls) and
// through raw SQL on an open connection (someone with the key and a SQL shell). The SQL side must
// answer with the same error codes the triggers raise.

let reg: TestRegister;
afterEach(() => reg?.cleanup());

function addPerson(db: DB, name: string, o: { phone?: string; email?: string } = {}): number {
  const at = '2026-02-16T06:00:00.000Z';
  return Number(
    db
      .prepare('INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)')
      .run(name, o.phone ?? null, o.email ?? null, o.email?.toLowerCase() ?? null, 'walk_in', at, at).lastInsertRowid,
  );
}

function purposeId(db: DB, code: string): number {
  return (db.prepare('SELECT id FROM purposes WHERE code = ?').get(code) as { id: number }).id;
}

function sqlConsent(db: DB, personId: number, code: string, kind: string): void {
  db.prepare(
    "INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, ?, ?, '2026-02-16', 'website', 1, 'x')",
  ).run(personId, purposeId(db, code), kind);
}

const marketingIds = (db: DB) => (db.prepare('SELECT id FROM marketing_list ORDER BY id').all() as { id: number }[]).map((r) => r.id);

const act = {
  number: 'УД-1',
  reason: 'Отзыв согласия субъектом',
  method: 'Удаление средствами информационной системы',
  destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }],
};

describe('a blocked person', () => {
  it('cannot be edited: API and SQL', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Замкова Елена', { phone: '+79161234567', email: 'zamkova@example.ru' });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'inaccurate_data', requestedBy: 'subject' });
    await expect(call(reg.desk.ctx, 'person.edit', { id: p, fullName: 'Замкова Елена Ивановна' })).rejects.toMatchObject({ code: 'person_blocked' });
    await expect(call(reg.manager.ctx, 'person.edit', { id: p, phone: '+7 916 765-43-21' })).rejects.toMatchObject({ code: 'person_blocked' });
    for (const set of ["full_name = 'Другая'", "phone = '+79160000000'", "email = 'x@example.ru'", "email_fold = 'x@example.ru'", "source = 'other'"]) {
      expect(() => db.prepare(`UPDATE persons SET ${set} WHERE id = ?`).run(p), set).toThrow('person_blocked');
    }
    expect(db.prepare('SELECT full_name, phone, email, source FROM persons WHERE id = ?').get(p)).toEqual({
      full_name: 'Замкова Елена',
      phone: '+79161234567',
      email: 'zamkova@example.ru',
      source: 'walk_in',
    });
    // Once unblocked, the same edit goes through.
    await call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'unblocked_unconfirmed' });
    await call(reg.desk.ctx, 'person.edit', { id: p, fullName: 'Замкова Елена Ивановна' });
    expect(db.prepare('SELECT full_name FROM persons WHERE id = ?').get(p)).toEqual({ full_name: 'Замкова Елена Ивановна' });
  });

  it('cannot be given a new consent: API and SQL', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Замкова Ирина');
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website' });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'subject_request', requestedBy: 'subject' });
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website' })).rejects.toMatchObject({
      code: 'person_blocked',
    });
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website' })).rejects.toMatchObject({
      code: 'person_blocked',
    });
    expect(() => sqlConsent(db, p, 'marketing', 'given')).toThrow('person_blocked');
    expect(() => sqlConsent(db, p, 'appointment', 'renewed')).toThrow('person_blocked');
    expect(db.prepare('SELECT kind FROM consent_events WHERE person_id = ?').all(p)).toEqual([{ kind: 'given' }]);
  });

  it('does not appear in the marketing list: API and SQL view', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Рекламова Ксения', { email: 'ksenia@example.ru' });
    const q = addPerson(db, 'Рассылкин Пётр', { phone: '+79035550000' });
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website' });
    sqlConsent(db, q, 'marketing', 'given');
    expect(marketingIds(db)).toEqual([p, q]);
    expect((await call(reg.manager.ctx, 'marketing.list')).rows.map((r: any) => r.id)).toEqual([p, q]);

    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'unlawful_processing', requestedBy: 'regulator' });
    db.prepare("INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'other', 'operator', 'x', 1)").run(q);
    expect(marketingIds(db)).toEqual([]);
    expect((await call(reg.manager.ctx, 'marketing.list')).rows).toEqual([]);

    await call(reg.desk.ctx, 'person.unblock', { personId: p, outcome: 'unblocked_lawful' });
    expect((await call(reg.manager.ctx, 'marketing.list')).rows).toEqual([
      {
        id: p,
        fullName: 'Рекламова Ксения',
        phone: null,
        email: 'ksenia@example.ru',
        purposes: 'Рекламные и информационные рассылки (новости, специальные предложения)',
        validUntil: null,
      },
    ]);
  });
});

describe('consent rules', () => {
  it('withdrawing one purpose leaves the others: API and SQL', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Частичная Мила', { email: 'mila@example.ru' });
    for (const purpose of ['appointment', 'marketing', 'partners']) await call(reg.desk.ctx, 'consent.give', { personId: p, purpose, channel: 'website' });
    await call(reg.desk.ctx, 'consent.withdraw', { personId: p, purpose: 'marketing', channel: 'email' });
    const states = (await call(reg.desk.ctx, 'consent.list', { personId: p })).consents.map((c: any) => [c.purpose.code, c.state]);
    expect(states).toEqual([
      ['appointment', 'active'],
      ['marketing', 'withdrawn'],
      ['partners', 'active'],
      ['health', 'none'],
    ]);
    expect(marketingIds(db)).toEqual([]);

    // The same through SQL: a withdrawal event for 'partners' changes that purpose only.
    sqlConsent(db, p, 'partners', 'withdrawn');
    const current = db
      .prepare('SELECT u.code, c.kind FROM consent_current c JOIN purposes u ON u.id = c.purpose_id WHERE c.person_id = ? ORDER BY u.id')
      .all(p);
    expect(current).toEqual([
      { code: 'appointment', kind: 'given' },
      { code: 'marketing', kind: 'withdrawn' },
      { code: 'partners', kind: 'withdrawn' },
    ]);
  });

  it('consent events cannot be updated or deleted, even with the key', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Неизменная Ия');
    const { eventId } = await call(reg.desk.ctx, 'consent.give', {
      personId: p,
      purpose: 'marketing',
      channel: 'paper',
      formVersion: 'v1',
      paperFormNumber: '1',
      note: 'исходная',
    });
    for (const set of ["kind = 'withdrawn'", "effective_date = '2020-01-01'", "valid_until = '2099-01-01'", 'note = NULL', 'representative_name = NULL']) {
      expect(() => db.prepare(`UPDATE consent_events SET ${set} WHERE id = ?`).run(eventId), set).toThrow('append_only');
    }
    expect(() => db.prepare('DELETE FROM consent_events WHERE id = ?').run(eventId)).toThrow('append_only');
    // REPLACE deletes the old row implicitly; with recursive_triggers on, that delete is refused too.
    expect(() =>
      db
        .prepare(
          "INSERT OR REPLACE INTO consent_events (id, person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, ?, ?, 'withdrawn', '2026-02-16', 'other', 1, 'x')",
        )
        .run(eventId, p, purposeId(db, 'marketing')),
    ).toThrow('append_only');
    expect(db.prepare('SELECT kind, effective_date, note FROM consent_events WHERE id = ?').get(eventId)).toEqual({
      kind: 'given',
      effective_date: '2026-02-16',
      note: 'исходная',
    });
    // The API has no way to edit an event at all.
    expect(Object.keys((await import('./api.ts')).operations).filter((n) => n.startsWith('consent.'))).toEqual([
      'consent.give',
      'consent.withdraw',
      'consent.refuse',
      'consent.list',
      'consent.attachScan',
      'consent.getScan',
      'consent.record',
      'consent.exportRecords',
    ]);
  });
});

describe('manager-only powers', () => {
  it('only a manager may destroy: API and SQL trigger', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Хранимова Ада');
    for (const s of [reg.desk, reg.admin]) {
      await expect(call(s.ctx, 'person.destroy', { personIds: [p], act })).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(db.prepare('SELECT full_name, destroyed_act_id FROM persons WHERE id = ?').get(p)).toEqual({ full_name: 'Хранимова Ада', destroyed_act_id: null });
    const denied = await call(reg.manager.ctx, 'audit.list', { action: 'access.denied' });
    expect(denied.map((r: any) => [r.login, r.details.operation])).toEqual([
      ['admin', 'person.destroy'],
      ['desk', 'person.destroy'],
    ]);

    const insertAct = (number: string, createdBy: number) =>
      db
        .prepare(
          `INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, destroyed_by, categories, information_system, method, reason, retain_until, created_by, created_at)
         VALUES (?, '2026-02-16', 'ООО', 'адрес', '[{"fullName":"Кто-то","position":"никто"}]', '["full_name"]', 'ИС', 'метод', 'причина', '2029-02-16', ?, 'x')`,
        )
        .run(number, createdBy);
    expect(() => insertAct('SQL-1', reg.desk.ctx.actor.id)).toThrow('manager_only');
    expect(() => insertAct('SQL-2', reg.admin.ctx.actor.id)).toThrow('manager_only');
    expect(() => insertAct('SQL-3', 9999)).toThrow('manager_only');
    // A disabled manager signs nothing either.
    await call(reg.admin.ctx, 'user.add', { login: 'former', fullName: 'Бывшая Руководитель', role: 'manager', password: 'former-pass-1' });
    const former = (db.prepare("SELECT id FROM users WHERE login = 'former'").get() as { id: number }).id;
    await call(reg.admin.ctx, 'user.disable', { login: 'former' });
    expect(() => insertAct('SQL-4', former)).toThrow('manager_only');
    expect(db.prepare('SELECT count(*) AS n FROM destruction_acts').get()).toEqual({ n: 0 });
    // The trigger is not a blanket refusal: the active manager passes it.
    insertAct('SQL-5', reg.manager.ctx.actor.id);
    expect(db.prepare('SELECT number FROM destruction_acts').all()).toEqual([{ number: 'SQL-5' }]);
  });

  it('only a manager may read the raw key, and the key is stored nowhere readable', async () => {
    reg = await makeRegister();
    for (const s of [reg.desk, reg.admin]) await expect(call(s.ctx, 'key.exportRaw')).rejects.toMatchObject({ code: 'forbidden' });
    const res = await call(reg.manager.ctx, 'key.exportRaw');
    expect(res.key).toBe(reg.manager.ctx.rawKey.toString('hex'));
    expect(res.key).toMatch(/^[0-9a-f]{64}$/);
    expect((await call(reg.manager.ctx, 'audit.list', { action: 'key.export_raw' })).map((r: any) => r.login)).toEqual(['manager']);
    // No SQL path leads to it: not in any decrypted page, nor in the keyring or any other file.
    const key = reg.manager.ctx.rawKey;
    const hex = Buffer.from(res.key);
    const pages = decryptedPages(reg.dbPath, key);
    expect(pages.some((pg) => pg.includes(hex) || pg.includes(key))).toBe(false);
    expect(readFileSync(keyringPathFor(reg.dbPath)).includes(hex)).toBe(false);
    for (const f of readdirSync(reg.dir)) expect(readFileSync(join(reg.dir, f)).includes(key), f).toBe(false);
  });
});

// SQLCipher 4 page format (cipher 'sqlcipher', legacy 4, raw key): 4096-byte pages, each
// AES-256-CBC encrypted under the raw key with its own IV in an 80-byte reserve at the page's end
// (16-byte IV, 64-byte HMAC-SHA512); page 1 keeps its first 16 bytes as the plaintext salt. WAL
// frames hold pages in the same form after a 24-byte frame header. Decrypting every page of the
// file and of the WAL — free pages and slack space included — shows what someone with the key
// could recover, not only what SQL still returns.
const pageSize = 4096;
const reserve = 80;

function decryptPage(page: Buffer, key: Buffer, first: boolean): Buffer {
  const iv = page.subarray(pageSize - reserve, pageSize - reserve + 16);
  const d = createDecipheriv('aes-256-cbc', key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(page.subarray(first ? 16 : 0, pageSize - reserve)), d.final()]);
}

function decryptedPages(dbPath: string, key: Buffer): Buffer[] {
  const pages: Buffer[] = [];
  const main = readFileSync(dbPath);
  for (let off = 0; off + pageSize <= main.length; off += pageSize) pages.push(decryptPage(main.subarray(off, off + pageSize), key, off === 0));
  const walPath = `${dbPath}-wal`;
  if (existsSync(walPath)) {
    const wal = readFileSync(walPath);
    for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
      pages.push(decryptPage(wal.subarray(off + 24, off + 24 + pageSize), key, wal.readUInt32BE(off) === 1));
    }
  }
  return pages;
}

// Every value of every table, FTS shadow tables included, as SQL sees it.
function sqlDump(db: DB): string[] {
  const out: string[] = [];
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'").all() as { name: string }[];
  for (const { name } of tables) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).raw().iterate() as IterableIterator<unknown[]>) {
      for (const v of row) {
        if (typeof v === 'string') out.push(v);
        else if (Buffer.isBuffer(v)) out.push(v.toString('utf8'), v.toString('latin1'));
      }
    }
  }
  return out;
}

describe('destruction', () => {
  it('erases name, phone, e-mail, free text and scans for good: nothing in any decrypted page, WAL or table', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const key = reg.manager.ctx.rawKey;
    const marker = `SCANMARK-${randomBytes(12).toString('hex')}`;
    const p = addPerson(db, 'Стиралкина Эльвира Рустамовна', { phone: '+79035556677', email: 'elvira.st@example.ru' });
    const keep = addPerson(db, 'Остающийся Борис', { phone: '+79031112233' });
    await call(reg.desk.ctx, 'consent.give', {
      personId: p,
      purpose: 'marketing',
      channel: 'paper',
      formVersion: 'М-1',
      paperFormNumber: '42',
      representative: { name: 'Стиралкин Рустам Ильдарович', authority: 'Доверенность 77АА7654321' },
      note: 'подписала при свидетеле Кузькине',
      scan: { content: Buffer.concat([Buffer.from(`%PDF-1.4\n${marker}\n`), randomBytes(6000)]).toString('base64'), mime: 'application/pdf' },
    });
    await call(reg.desk.ctx, 'person.markVerify', { personId: p, reason: 'сомнение в отчестве Рустамовна' });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'destruction_pending', requestedBy: 'subject', note: 'звонила с номера 89035556677' });
    db.prepare(
      "INSERT INTO requests (person_id, type, received_at, channel, requester_kind, requester, jurisdiction, rule, opened_by, created_at) VALUES (?, 'destroy', '2026-02-16', 'post', 'subject', 'Стиралкина Э. Р., ул. Садовая 7', 'RU', '{}', 1, 'x')",
    ).run(p);

    const needles = [
      'Стиралкина Эльвира Рустамовна',
      '+79035556677',
      'elvira.st@example.ru',
      'Стиралкин Рустам Ильдарович',
      'Доверенность 77АА7654321',
      'подписала при свидетеле Кузькине',
      'сомнение в отчестве',
      'звонила с номера 89035556677',
      'ул. Садовая 7',
      marker,
    ];
    // The method must be able to fail: before destruction every needle is found.
    const pagesBefore = decryptedPages(reg.dbPath, key);
    // Decryption is right when page 1 reads as an SQLite header: page size 4096, reserve 80.
    expect([pagesBefore[0]?.readUInt16BE(0), pagesBefore[0]?.[4]]).toEqual([4096, reserve]);
    for (const n of needles)
      expect(
        pagesBefore.some((pg) => pg.includes(Buffer.from(n))),
        n,
      ).toBe(true);
    const dumpBefore = sqlDump(db);
    expect(dumpBefore.some((v) => v.includes('Стиралкина Эльвира Рустамовна'))).toBe(true);
    expect(dumpBefore.some((v) => v.includes(marker))).toBe(true);

    await call(reg.manager.ctx, 'person.destroy', { personIds: [p], act });

    const pagesAfter = decryptedPages(reg.dbPath, key);
    expect([pagesAfter[0]?.readUInt16BE(0), pagesAfter[0]?.[4]]).toEqual([4096, reserve]);
    // The name index stores folded words: look for those too.
    const after = [...needles, 'стиралкина', 'эльвира', 'рустамовна', '9035556677', 'elvira.st'];
    for (const n of after)
      expect(
        pagesAfter.some((pg) => pg.includes(Buffer.from(n))),
        n,
      ).toBe(false);
    const dumpAfter = sqlDump(db);
    for (const n of after)
      expect(
        dumpAfter.some((v) => v.includes(n)),
        n,
      ).toBe(false);
    for (const f of readdirSync(reg.dir)) {
      const bytes = readFileSync(join(reg.dir, f));
      for (const n of after) expect(bytes.includes(Buffer.from(n)), `${f}: ${n}`).toBe(false);
    }
    // The method still sees live data: the person who was not destroyed is there.
    expect(pagesAfter.some((pg) => pg.includes(Buffer.from('Остающийся Борис')))).toBe(true);
    expect(db.prepare('SELECT full_name FROM persons WHERE id = ?').get(keep)).toEqual({ full_name: 'Остающийся Борис' });
  });

  it('a tombstone cannot be refilled, persons are never deleted, and the act cannot be altered', async () => {
    reg = await makeRegister();
    const db = reg.manager.ctx.db;
    const p = addPerson(db, 'Надгробнова Ася');
    const living = addPerson(db, 'Живая Ася');
    const res = await call(reg.manager.ctx, 'person.destroy', { personIds: [p], act });

    await expect(call(reg.manager.ctx, 'person.edit', { id: p, fullName: 'Надгробнова Ася' })).rejects.toMatchObject({ code: 'person_destroyed' });
    for (const set of ["full_name = 'Надгробнова Ася'", "phone = '+79031112233'", 'destroyed_act_id = NULL', "updated_at = 'x'"]) {
      expect(() => db.prepare(`UPDATE persons SET ${set} WHERE id = ?`).run(p), set).toThrow('person_destroyed');
    }
    expect(() => sqlConsent(db, p, 'marketing', 'given')).toThrow('person_destroyed');
    expect(() => db.prepare("INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'other', 'operator', 'x', 1)").run(p)).toThrow(
      'person_destroyed',
    );
    expect(() => db.prepare("INSERT INTO verifications (person_id, marked_at, marked_by) VALUES (?, 'x', 1)").run(p)).toThrow('person_destroyed');
    expect(() =>
      db
        .prepare(
          "INSERT INTO scans (consent_event_id, person_id, sha256, mime, size, content, added_by, added_at) VALUES (1, ?, ?, 'application/pdf', 1, x'00', 1, 'x')",
        )
        .run(p, 'a'.repeat(64)),
    ).toThrow('person_destroyed');
    // The tombstone CHECK holds even without the trigger's help: a destroyed row with a name is not a row.
    expect(() =>
      db
        .prepare("INSERT INTO persons (full_name, source, created_by, created_at, updated_at, destroyed_act_id) VALUES ('Призрак', 'other', 1, 'x', 'x', ?)")
        .run(res.id),
    ).toThrow(/CHECK constraint failed/);

    for (const id of [p, living]) expect(() => db.prepare('DELETE FROM persons WHERE id = ?').run(id)).toThrow('append_only');
    expect(db.prepare('SELECT count(*) AS n FROM persons').get()).toEqual({ n: 2 });

    for (const set of ["reason = 'другая'", "act_date = '2020-01-01'", "retain_until = '2026-03-01'", "destroyed_by = '[]'"]) {
      expect(() => db.prepare(`UPDATE destruction_acts SET ${set} WHERE id = ?`).run(res.id), set).toThrow('append_only');
    }
    expect(() => db.prepare('DELETE FROM destruction_acts WHERE id = ?').run(res.id)).toThrow('append_only');
    expect(() => db.prepare("UPDATE act_subjects SET subject_ref = 'P-999999'").run()).toThrow('append_only');
    expect(() => db.prepare('DELETE FROM act_subjects').run()).toThrow('append_only');
    expect(await call(reg.manager.ctx, 'act.get', { id: res.id })).toEqual(res);
  });
});

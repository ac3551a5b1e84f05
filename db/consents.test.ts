import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../test/helpers.ts';
import type { DB } from './connection.ts';
import { maxScanBytes } from './consents.ts';
import type { Ctx } from './context.ts';

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

function pdf(marker = 'scan'): Buffer {
  return Buffer.concat([Buffer.from(`%PDF-1.4\n% ${marker}\n`), randomBytes(512)]);
}

const paper = { channel: 'paper', formVersion: 'М-2026/1', paperFormNumber: '000123' } as const;

function at(ctx: Ctx, iso: string): Ctx {
  return { ...ctx, now: () => new Date(iso) };
}

function byCode(list: { consents: { purpose: { code: string } }[] }, code: string): any {
  const found = list.consents.find((c) => c.purpose.code === code);
  if (!found) throw new Error(`no purpose ${code}`);
  return found;
}

describe('consent.give', () => {
  it('records a paper consent with its evidence and an encrypted scan with its SHA-256', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Согласова Ольга Игоревна', { phone: '+79161234567' });
    const content = pdf();
    const res = await call(reg.desk.ctx, 'consent.give', {
      personId: p,
      purpose: 'marketing',
      date: '2026-02-14',
      ...paper,
      representative: { name: 'Согласов Игорь Петрович', authority: 'Свидетельство о рождении II-МЮ №123456' },
      scan: { content: content.toString('base64'), mime: 'application/pdf' },
    });
    const sha = createHash('sha256').update(content).digest('hex');
    expect(res.kind).toBe('given');
    expect(res.scan).toEqual({ id: expect.any(Number), sha256: sha, mime: 'application/pdf', size: content.length });
    expect(res.consent.state).toBe('active');
    expect(res.consent.since).toBe('2026-02-14');

    const list = await call(reg.desk.ctx, 'consent.list', { personId: p });
    expect(list.asOf).toBe('2026-02-16');
    expect(list.consents.map((c: any) => c.purpose.code)).toEqual(['appointment', 'marketing', 'partners', 'health']);
    const m = byCode(list, 'marketing');
    expect(m.state).toBe('active');
    expect(m.validUntil).toBeNull();
    expect(m.evidence).toMatchObject({
      kind: 'given',
      date: '2026-02-14',
      channel: 'paper',
      formVersion: 'М-2026/1',
      paperFormNumber: '000123',
      receivedBy: { id: reg.desk.ctx.actor.id, fullName: 'Регистраторова Анна' },
      representative: { name: 'Согласов Игорь Петрович', authority: 'Свидетельство о рождении II-МЮ №123456' },
      scans: [{ sha256: sha, mime: 'application/pdf', size: content.length }],
    });
    expect(m.history).toHaveLength(1);
    expect(byCode(list, 'appointment')).toMatchObject({ state: 'none', since: null, evidence: null, history: [] });

    const stored = db.prepare('SELECT content, sha256, size FROM scans WHERE person_id = ?').get(p) as { content: Buffer; sha256: string; size: number };
    expect(stored.content.equals(content)).toBe(true);
    expect(stored.sha256).toBe(sha);
    const back = await call(reg.desk.ctx, 'consent.getScan', { scanId: res.scan.id });
    expect(Buffer.from(back.content, 'base64').equals(content)).toBe(true);

    // The log carries ids and codes only, never the names given above.
    const logged = await call(reg.manager.ctx, 'audit.list', { action: 'consent' });
    expect(logged.map((r: any) => r.action).sort()).toEqual(['consent.give', 'consent.scan_view']);
    expect(JSON.stringify(logged)).not.toMatch(/Согласов|Свидетельство/);
    expect(logged.find((r: any) => r.action === 'consent.give').details).toMatchObject({
      purpose: 'marketing',
      kind: 'given',
      channel: 'paper',
      scanSha256: sha,
      representative: true,
    });
  });

  it('a paper consent needs the form version and number; nothing is stored without them', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Бланкова Ирина');
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'paper', formVersion: 'v1' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('paperFormNumber'),
    });
    expect(reg.desk.ctx.db.prepare('SELECT count(*) AS n FROM consent_events').get()).toEqual({ n: 0 });
    // The schema holds the same rule for anyone writing SQL.
    expect(() =>
      reg.desk.ctx.db
        .prepare(
          "INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, 2, 'given', '2026-02-16', 'paper', 1, 'x')",
        )
        .run(p),
    ).toThrow(/CHECK constraint failed/);
  });

  it('accepts the purpose by id as well as by code, the receiving user and a website channel without a paper number', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Сайтова Дина');
    const purposeId = (reg.desk.ctx.db.prepare("SELECT id FROM purposes WHERE code = 'appointment'").get() as { id: number }).id;
    const res = await call(reg.desk.ctx, 'consent.give', {
      personId: p,
      purpose: purposeId,
      channel: 'website',
      formVersion: 'web-3',
      receivedBy: reg.manager.ctx.actor.id,
    });
    expect(res.consent).toMatchObject({
      state: 'active',
      since: '2026-02-16',
      evidence: { channel: 'website', paperFormNumber: null, receivedBy: { id: reg.manager.ctx.actor.id } },
    });
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'no_such_purpose', channel: 'website' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(call(reg.desk.ctx, 'consent.give', { personId: 9999, purpose: 'marketing', channel: 'website' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website', date: '2026-02-17' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('health data needs a written consent (paper or electronic)', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Здоровова Вера');
    await expect(call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'health', channel: 'website' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('письменное согласие'),
    });
    const res = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'health', ...paper });
    expect(res.consent.state).toBe('active');
  });

  it('validity defaults to the purpose term, and expiry is derived on read, never stored', async () => {
    reg = await makeRegister();
    await call(reg.manager.ctx, 'purpose.update', { purpose: 'marketing', defaultTermDays: 365 });
    const p = addPerson(reg.desk.ctx.db, 'Срокова Нина');
    const res = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'electronic', date: '2026-02-10' });
    expect(res.consent.validUntil).toBe('2027-02-10');
    const explicit = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'partners', channel: 'electronic', validUntil: '2026-06-30' });
    expect(explicit.consent.validUntil).toBe('2026-06-30');

    const onLastDay = await call(at(reg.desk.ctx, '2027-02-10T12:00:00'), 'consent.list', { personId: p });
    expect(byCode(onLastDay, 'marketing').state).toBe('active');
    const later = at(reg.desk.ctx, '2027-02-11T09:00:00');
    const after = await call(later, 'consent.list', { personId: p });
    expect(byCode(after, 'marketing')).toMatchObject({ state: 'expired', since: '2027-02-11', validUntil: '2027-02-10' });
    expect(byCode(after, 'partners')).toMatchObject({ state: 'expired', since: '2026-07-01' });
    expect(reg.desk.ctx.db.prepare("SELECT count(*) AS n FROM consent_events WHERE kind = 'expired'").get()).toEqual({ n: 0 });
    // An expired consent cannot be withdrawn; a new one is "given" again, not "renewed".
    await expect(call(later, 'consent.withdraw', { personId: p, purpose: 'marketing', channel: 'email' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('срок действия истёк'),
    });
    const again = await call(later, 'consent.give', { personId: p, purpose: 'marketing', channel: 'electronic' });
    expect(again.kind).toBe('given');
    expect(again.consent).toMatchObject({ state: 'active', since: '2027-02-11', validUntil: '2028-02-11' });
    await expect(
      call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'electronic', date: '2026-02-10', validUntil: '2026-02-09' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('giving again while active is recorded as a renewal with fresh evidence', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Обновлёнова Лидия');
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website', date: '2026-02-01' });
    const res = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', ...paper, paperFormNumber: '000777' });
    expect(res.kind).toBe('renewed');
    expect(res.consent).toMatchObject({ state: 'active', since: '2026-02-16', evidence: { kind: 'renewed', paperFormNumber: '000777' } });
    expect(res.consent.history.map((e: any) => e.kind)).toEqual(['given', 'renewed']);
  });
});

describe('consent.withdraw and consent.refuse', () => {
  it('withdrawal is per purpose and leaves the others active; withdrawing twice is a conflict', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Отзывова Анна');
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website', date: '2026-02-01' });
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website', date: '2026-02-01' });
    const res = await call(reg.desk.ctx, 'consent.withdraw', {
      personId: p,
      purpose: 'marketing',
      channel: 'email',
      date: '2026-02-15',
      note: 'письмо от 15.02',
    });
    expect(res.consent).toMatchObject({ state: 'withdrawn', since: '2026-02-15', validUntil: null, evidence: { kind: 'given', channel: 'website' } });
    const list = await call(reg.desk.ctx, 'consent.list', { personId: p });
    expect(byCode(list, 'appointment')).toMatchObject({ state: 'active', since: '2026-02-01' });
    expect(byCode(list, 'marketing').history.map((e: any) => [e.kind, e.date, e.note])).toEqual([
      ['given', '2026-02-01', null],
      ['withdrawn', '2026-02-15', 'письмо от 15.02'],
    ]);

    await expect(call(reg.desk.ctx, 'consent.withdraw', { personId: p, purpose: 'marketing', channel: 'email' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'Согласие на цель «Рекламные и информационные рассылки (новости, специальные предложения)» сейчас не действует (отозвано): отзывать нечего.',
    });
    await expect(call(reg.desk.ctx, 'consent.withdraw', { personId: p, purpose: 'partners', channel: 'email' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('согласие не давалось'),
    });
  });

  it('a back-dated withdrawal earlier than the consent itself is refused (it would change nothing)', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Датова Тамара');
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website', date: '2026-02-10' });
    await expect(call(reg.desk.ctx, 'consent.withdraw', { personId: p, purpose: 'marketing', channel: 'email', date: '2026-02-09' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('раньше последнего события'),
    });
    const list = await call(reg.desk.ctx, 'consent.list', { personId: p });
    expect(byCode(list, 'marketing').state).toBe('active');
  });

  it('a refusal to give consent is recorded; it cannot replace a withdrawal of an active consent', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Отказова Зоя');
    const res = await call(reg.desk.ctx, 'consent.refuse', { personId: p, purpose: 'marketing', channel: 'in_person' });
    expect(res.consent).toMatchObject({ state: 'refused', since: '2026-02-16', evidence: null });
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'partners', channel: 'website' });
    await expect(call(reg.desk.ctx, 'consent.refuse', { personId: p, purpose: 'partners', channel: 'in_person' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('запишите отзыв согласия'),
    });
    // Changing one's mind later is a new consent.
    const given = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', channel: 'website' });
    expect(given.kind).toBe('given');
    expect(given.consent.history.map((e: any) => e.kind)).toEqual(['refused', 'given']);
  });

  it('a blocked person cannot be given a consent but may still withdraw one', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const p = addPerson(db, 'Блокова Юлия');
    await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'appointment', channel: 'website' });
    await call(reg.desk.ctx, 'person.block', { personId: p, reason: 'inaccurate_data', requestedBy: 'subject' });
    await expect(
      call(reg.desk.ctx, 'consent.give', {
        personId: p,
        purpose: 'marketing',
        channel: 'website',
        scan: { content: pdf().toString('base64'), mime: 'application/pdf' },
      }),
    ).rejects.toMatchObject({ code: 'person_blocked' });
    expect(db.prepare('SELECT count(*) AS n FROM scans').get()).toEqual({ n: 0 });
    const res = await call(reg.desk.ctx, 'consent.withdraw', { personId: p, purpose: 'appointment', channel: 'phone' });
    expect(res.consent.state).toBe('withdrawn');
    expect(db.prepare('SELECT kind FROM consent_events WHERE person_id = ? ORDER BY id').all(p)).toEqual([{ kind: 'given' }, { kind: 'withdrawn' }]);
  });
});

describe('scans', () => {
  it('a scan can be attached later; its type must match its content and its size is capped', async () => {
    reg = await makeRegister();
    const p = addPerson(reg.desk.ctx.db, 'Сканова Алла');
    const { eventId } = await call(reg.desk.ctx, 'consent.give', { personId: p, purpose: 'marketing', ...paper });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(100)]);
    const scan = await call(reg.desk.ctx, 'consent.attachScan', { eventId, content: png.toString('base64'), mime: 'image/png' });
    expect(scan).toEqual({ id: expect.any(Number), sha256: createHash('sha256').update(png).digest('hex'), mime: 'image/png', size: 108 });
    const list = await call(reg.desk.ctx, 'consent.list', { personId: p });
    expect(byCode(list, 'marketing').evidence.scans).toEqual([
      { id: scan.id, sha256: scan.sha256, mime: 'image/png', size: 108, addedAt: new Date('2026-02-16T09:00:00').toISOString() },
    ]);

    await expect(call(reg.desk.ctx, 'consent.attachScan', { eventId, content: png.toString('base64'), mime: 'application/pdf' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('не похоже на файл типа application/pdf'),
    });
    await expect(call(reg.desk.ctx, 'consent.attachScan', { eventId, content: 'не base64!', mime: 'application/pdf' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call(reg.desk.ctx, 'consent.attachScan', { eventId: 999, content: pdf().toString('base64'), mime: 'application/pdf' })).rejects.toMatchObject({
      code: 'not_found',
    });
    const big = Buffer.alloc(maxScanBytes + 3, 0x20);
    Buffer.from('%PDF-').copy(big);
    await expect(call(reg.desk.ctx, 'consent.attachScan', { eventId, content: big.toString('base64'), mime: 'application/pdf' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('20 МБ'),
    });
    // A real multi-page scan of several megabytes goes through.
    const large = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(8 * 1024 * 1024)]);
    const stored = await call(reg.desk.ctx, 'consent.attachScan', { eventId, content: large.toString('base64'), mime: 'application/pdf' });
    expect(stored.size).toBe(large.length);
    expect(stored.sha256).toBe(createHash('sha256').update(large).digest('hex'));
    expect(reg.desk.ctx.db.prepare('SELECT count(*) AS n FROM scans').get()).toEqual({ n: 2 });
    // Scans are evidence: never rewritten, never deleted while the person lives.
    expect(() => reg.desk.ctx.db.prepare('UPDATE scans SET mime = ? WHERE id = ?').run('image/jpeg', scan.id)).toThrow('append_only');
    expect(() => reg.desk.ctx.db.prepare('DELETE FROM scans WHERE id = ?').run(scan.id)).toThrow('append_only');
  });
});

describe('marketing.list', () => {
  it('lists active marketing consents, is manager-only and audited as an export', async () => {
    reg = await makeRegister();
    const db = reg.desk.ctx.db;
    const yes = addPerson(db, 'Рассылкина Ева', { email: 'eva@example.ru' });
    const no = addPerson(db, 'Беззаботов Ян');
    await call(reg.desk.ctx, 'consent.give', { personId: yes, purpose: 'marketing', channel: 'website' });
    await call(reg.desk.ctx, 'consent.give', { personId: no, purpose: 'appointment', channel: 'website' });
    await expect(call(reg.desk.ctx, 'marketing.list')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.admin.ctx, 'marketing.list')).rejects.toMatchObject({ code: 'forbidden' });
    const res = await call(reg.manager.ctx, 'marketing.list');
    expect(res.rows).toEqual([
      {
        id: yes,
        fullName: 'Рассылкина Ева',
        phone: null,
        email: 'eva@example.ru',
        purposes: 'Рекламные и информационные рассылки (новости, специальные предложения)',
        validUntil: null,
      },
    ]);
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'export.marketing' });
    expect(log).toHaveLength(1);
    expect(log[0].details).toEqual({ register: 'marketing', rows: 1, format: 'json' });
  });
});

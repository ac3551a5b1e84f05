import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from '../../test/helpers.ts';

let reg: TestRegister | null = null;
afterEach(() => {
  reg?.cleanup();
  reg = null;
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('consent.record: Kantara Consent Receipt v1.1 field names', () => {
  it('describes the controller, the principal, each purpose with its category, state and events', async () => {
    reg = await makeRegister();
    const d = reg.desk.ctx;
    const id = (await call(d, 'person.add', { fullName: 'Нұрланова Әсем Қайратқызы', phone: '+7 701 123 45 67', email: 'asem@example.kz', source: 'walk_in' }))
      .id;
    await call(d, 'consent.give', {
      personId: id,
      purpose: 'marketing',
      channel: 'paper',
      formVersion: 'М-1',
      paperFormNumber: '000777',
      date: '2026-02-10',
      scan: { content: Buffer.from('%PDF-1.4 x').toString('base64'), mime: 'application/pdf' },
    });
    await call(d, 'consent.withdraw', { personId: id, purpose: 'marketing', channel: 'email' });
    await call(d, 'consent.give', {
      personId: id,
      purpose: 'health',
      channel: 'paper',
      formVersion: 'З-1',
      paperFormNumber: '000778',
      validUntil: '2027-02-16',
    });

    const rec = await call(reg.manager.ctx, 'consent.record', { personId: id });
    expect(rec).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'RU',
      collectionMethod: 'бумажный бланк, бланк версии З-1, № 000778',
      language: 'ru',
      piiPrincipalId: `P-${String(id).padStart(6, '0')}`,
      policyUrl: null,
      sensitive: true,
      spiCat: ['6 - Health'],
      piiPrincipal: { id, fullName: 'Нұрланова Әсем Қайратқызы', phone: '+77011234567', email: 'asem@example.kz' },
      blocked: false,
    });
    expect(rec.consentTimestamp).toBe(Math.floor(Date.parse('2026-02-16T09:00:00') / 1000));
    expect(rec.consentReceiptID).toMatch(uuid);
    expect(rec.piiControllers).toEqual([
      {
        piiController: 'ООО «Клиника Здоровье»',
        onBehalf: false,
        contact: null,
        address: { streetAddress: 'г. Москва, ул. Ленина, д. 1', addressCountry: 'RU' },
        email: null,
        phone: null,
        piiControllerUrl: null,
        taxId: '7701234567',
      },
    ]);
    expect(rec.services).toHaveLength(1);
    const [marketing, health] = rec.services[0].purposes;
    expect(marketing).toMatchObject({
      purpose: 'Рекламные и информационные рассылки (новости, специальные предложения)',
      purposeCategory: ['6 - Marketing'],
      consentType: 'EXPLICIT',
      piiCategory: ['1 - Biographical', '2 - Contact'],
      primaryPurpose: false,
      thirdPartyDisclosure: false,
      purposeCode: 'marketing',
      state: 'withdrawn',
      stateSince: '2026-02-16',
      termination: 'отозвано 2026-02-16',
    });
    expect(marketing.events).toEqual([
      {
        kind: 'given',
        date: '2026-02-10',
        recordedAt: new Date('2026-02-16T09:00:00').toISOString(),
        channel: 'paper',
        formVersion: 'М-1',
        paperFormNumber: '000777',
        receivedBy: 'Регистраторова Анна',
        representative: null,
        scanSha256: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      },
      expect.objectContaining({ kind: 'withdrawn', date: '2026-02-16', channel: 'email', withdrawalMethod: 'по электронной почте', scanSha256: [] }),
    ]);
    expect(health).toMatchObject({
      purposeCode: 'health',
      state: 'active',
      validUntil: '2027-02-16',
      piiCategory: ['1 - Biographical', '2 - Contact', '6 - Health'],
    });
    expect(health.termination).toContain('до 2027-02-16 или до отзыва согласия');
    // The same history gives the same receipt ID; a new event, a new one.
    expect((await call(reg.manager.ctx, 'consent.record', { personId: id })).consentReceiptID).toBe(rec.consentReceiptID);
    await call(d, 'consent.give', { personId: id, purpose: 'appointment', channel: 'website' });
    expect((await call(reg.manager.ctx, 'consent.record', { personId: id })).consentReceiptID).not.toBe(rec.consentReceiptID);
    await expect(call(reg.manager.ctx, 'consent.record', { personId: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('exports one JSON array: every person with consents, a destroyed one as a tombstone only; audited', async () => {
    reg = await makeRegister();
    const d = reg.desk.ctx;
    const a = (await call(d, 'person.add', { fullName: 'Ёлкина Ғалия', source: 'walk_in' })).id;
    const none = (await call(d, 'person.add', { fullName: 'Безсогласиев Иван', source: 'walk_in' })).id;
    const gone = (await call(d, 'person.add', { fullName: 'Удалёнова Анна', phone: '+7 916 000-00-01', source: 'walk_in' })).id;
    await call(d, 'consent.give', { personId: a, purpose: 'appointment', channel: 'in_person' });
    await call(d, 'consent.give', { personId: gone, purpose: 'marketing', channel: 'website' });
    await call(reg.manager.ctx, 'person.destroy', {
      personIds: [gone],
      act: { number: 'А-7', reason: 'отзыв', method: 'удаление', destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }] },
    });
    const path = join(reg.dir, 'records.json');
    const r = await call(reg.manager.ctx, 'consent.exportRecords', { outPath: path });
    expect(r).toEqual({ path, count: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const text = readFileSync(path, 'utf8');
    const records = JSON.parse(text);
    expect(records.map((x: { piiPrincipalId: string }) => x.piiPrincipalId)).toEqual([`P-${String(a).padStart(6, '0')}`, `P-${String(gone).padStart(6, '0')}`]);
    expect(records[1]).toMatchObject({ services: [], destroyed: { actNumber: 'А-7', actDate: '2026-02-16' } });
    expect(records[1].piiPrincipal).toBeUndefined();
    expect(text).not.toContain('Удалёнова');
    expect(text).not.toContain('79160000001');
    const [logged] = await call(reg.manager.ctx, 'audit.list', { action: 'export.consent_records' });
    expect(logged.details).toEqual({ format: 'json', count: 2, sha256: r.sha256, selection: 'all' });

    const one = await call(reg.manager.ctx, 'consent.exportRecords', { outPath: join(reg.dir, 'one.json'), personIds: [none] });
    expect(one.count).toBe(1);
    expect(JSON.parse(readFileSync(one.path, 'utf8'))[0].services[0].purposes).toEqual([]);
    await expect(call(reg.manager.ctx, 'consent.exportRecords', { outPath: join(reg.dir, 'x.json'), personIds: [12345] })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(call(reg.desk.ctx, 'consent.exportRecords', { outPath: join(reg.dir, 'y.json') })).rejects.toMatchObject({ code: 'forbidden' });
    expect(
      readdirSync(reg.dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(['one.json', 'records.json']);
  });
});

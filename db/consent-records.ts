// Machine-readable consent records: one JSON object per person, in the field names of the Kantara
// Initiative Consent Receipt Specification v1.1 (KI-CR-v1.1.0), which ISO/IEC TS 27560 builds
// on, wherever they fit.
//
// Kantara v1.1 fields used as the spec defines them: version, jurisdiction, consentTimestamp
// (seconds since 1970, UTC), collectionMethod, consentReceiptID, language, piiPrincipalId,
// piiControllers [{piiController, onBehalf, contact, address {streetAddress, addressCountry},
// email, phone, piiControllerUrl}], policyUrl, services [{service, purposes [{purpose,
// purposeCategory, consentType, piiCategory, primaryPurpose, termination, thirdPartyDisclosure,
// thirdPartyName}]}], sensitive, spiCat. Category labels follow the spec's appendix lists
// ("6 - Marketing", "2 - Contact", …); our own code travels beside them.
//
// Ours (extensions, not in the spec): at the top — piiPrincipal (the person's name and contacts),
// blocked, destroyed (tombstone: the act only), generatedAt; in piiControllers — taxId, ogrn;
// in each purpose — purposeCode, legalBasis, state (active | withdrawn | refused | expired),
// stateSince, validUntil, events [{kind, date, recordedAt, channel, formVersion,
// paperFormNumber, receivedBy, representative, scanSha256, withdrawalMethod}].
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { z } from 'zod';
import type { DB } from './connection.ts';
import { consentStates } from './consents.ts';
import { type Ctx, nowIso, today } from './context.ts';
import { subjectRef } from './destruction.ts';
import { RegisterError } from './errors.ts';
import { auditExport } from './export.ts';
import { consentChannelLabels } from './exports/registers.ts';
import { checkTarget, discard, hashFile, ioError, outPathSchema, partialPathFor, publish } from './exports/target.ts';
import { defineOp } from './operation.ts';
import { idSchema } from './schemas.ts';
import { getGeneral, getJurisdiction, getOperator } from './settings.ts';

export const receiptVersion = 'KI-CR-v1.1.0';

// Kantara v1.1 appendix: purpose categories and PII categories.
const purposeCategories: Record<string, string[]> = {
  appointment: ['2 - Contracted Service'],
  marketing: ['6 - Marketing'],
  partners: ['10 - 3rd Party Sharing for Core Function'],
  health: ['14 - Protecting Your Health'],
};
const piiCategories: Record<string, string> = {
  full_name: '1 - Biographical',
  phone: '2 - Contact',
  email: '2 - Contact',
  health: '6 - Health',
};
const sensitiveCategories = new Set(['health']);

// A receipt ID that names this person's consent history as it stands: the same history gives the
// same ID, any new event a new one. Shaped as a UUID (version 8, "custom") from SHA-256.
function receiptId(registerId: string, personId: number, stamp: string): string {
  const h = createHash('sha256').update(`privacy-desk/consent-receipt/${registerId}/${personId}/${stamp}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

interface PersonRow {
  id: number;
  full_name: string | null;
  phone: string | null;
  email: string | null;
  destroyed_act_id: number | null;
  act_number: string | null;
  act_date: string | null;
  blocked: number;
  last_event: number | null;
}

function controllers(db: DB) {
  const operator = getOperator(db);
  const jurisdiction = getJurisdiction(db);
  const general = getGeneral(db);
  const list: Record<string, unknown>[] = [
    {
      piiController: operator.name,
      onBehalf: false,
      contact: null,
      address: { streetAddress: operator.address, addressCountry: jurisdiction },
      email: null,
      phone: null,
      piiControllerUrl: null,
      taxId: operator.taxId,
      ...(operator.ogrn ? { ogrn: operator.ogrn } : {}),
    },
  ];
  // A processor acting for the operator is a controller "on behalf" in Kantara's terms.
  if (general.processor)
    list.push({
      piiController: general.processor.name,
      onBehalf: true,
      contact: null,
      address: { streetAddress: general.processor.address, addressCountry: jurisdiction },
      email: null,
      phone: null,
      piiControllerUrl: null,
    });
  return { list, jurisdiction, service: general.informationSystem };
}

type Controllers = ReturnType<typeof controllers>;

function loadPerson(db: DB, personId: number): PersonRow | undefined {
  return db
    .prepare(
      `SELECT p.id, p.full_name, p.phone, p.email, p.destroyed_act_id, a.number AS act_number, a.act_date,
              EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL) AS blocked,
              (SELECT max(e.id) FROM consent_events e WHERE e.person_id = p.id) AS last_event
       FROM persons p LEFT JOIN destruction_acts a ON a.id = p.destroyed_act_id WHERE p.id = ?`,
    )
    .get(personId) as PersonRow | undefined;
}

function buildRecord(ctx: Ctx, c: Controllers, p: PersonRow) {
  const base = {
    version: receiptVersion,
    jurisdiction: c.jurisdiction,
    consentTimestamp: null as number | null,
    collectionMethod: null as string | null,
    consentReceiptID: '',
    language: 'ru',
    piiPrincipalId: subjectRef(p.id),
    piiControllers: c.list,
    policyUrl: null,
  };
  if (p.destroyed_act_id !== null) {
    // A tombstone: nothing about the person but the proof that the data were destroyed.
    return {
      ...base,
      consentReceiptID: receiptId(ctx.registerId, p.id, `act/${p.destroyed_act_id}`),
      services: [],
      sensitive: false,
      spiCat: [],
      destroyed: { actId: p.destroyed_act_id, actNumber: p.act_number, actDate: p.act_date },
      generatedAt: nowIso(ctx),
    };
  }
  const onDate = today(ctx);
  const states = consentStates(ctx.db, p.id, onDate).filter((s) => s.history.length > 0);
  const purposes = ctx.db.prepare('SELECT id, data_categories, legal_basis FROM purposes').all() as {
    id: number;
    data_categories: string;
    legal_basis: string;
  }[];
  const purposeInfo = new Map(purposes.map((r) => [r.id, { categories: JSON.parse(r.data_categories) as string[], legalBasis: r.legal_basis }]));
  const lastGiven = states
    .map((s) => s.evidence)
    .filter((e) => e !== null)
    .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.id - b.id)
    .at(-1);
  const spi = new Set<string>();
  const entries = states.map((s) => {
    const info = purposeInfo.get(s.purpose.id) ?? { categories: [], legalBasis: '' };
    for (const cat of info.categories) if (sensitiveCategories.has(cat) && s.state === 'active') spi.add(piiCategories[cat] ?? cat);
    const termination =
      s.state === 'active'
        ? `${s.validUntil ? `до ${s.validUntil} или ` : ''}до отзыва согласия субъектом (заявление в любой форме, позволяющей подтвердить его получение)`
        : s.state === 'expired'
          ? `истёк ${s.validUntil ?? ''}`.trim()
          : s.state === 'withdrawn'
            ? `отозвано ${s.since ?? ''}`.trim()
            : 'согласие не дано';
    return {
      purpose: s.purpose.title,
      purposeCategory: purposeCategories[s.purpose.code] ?? (s.purpose.isMarketing ? ['6 - Marketing'] : ['1 - Core Function']),
      consentType: 'EXPLICIT',
      piiCategory: [...new Set(info.categories.map((cat) => piiCategories[cat] ?? cat))],
      primaryPurpose: s.purpose.code === 'appointment',
      termination,
      thirdPartyDisclosure: s.purpose.code === 'partners',
      thirdPartyName: null,
      purposeCode: s.purpose.code,
      legalBasis: info.legalBasis,
      state: s.state,
      stateSince: s.since,
      validUntil: s.validUntil,
      events: s.history.map((e) => ({
        kind: e.kind,
        date: e.date,
        recordedAt: e.recordedAt,
        channel: e.channel,
        formVersion: e.formVersion,
        paperFormNumber: e.paperFormNumber,
        receivedBy: e.receivedBy?.fullName ?? null,
        representative: e.representative,
        scanSha256: e.scans.map((x) => x.sha256),
        ...(e.kind === 'withdrawn' ? { withdrawalMethod: consentChannelLabels[e.channel] ?? e.channel } : {}),
      })),
    };
  });
  return {
    ...base,
    consentTimestamp: lastGiven ? seconds(lastGiven.recordedAt) : null,
    collectionMethod: lastGiven
      ? [
          consentChannelLabels[lastGiven.channel] ?? lastGiven.channel,
          lastGiven.formVersion ? `бланк версии ${lastGiven.formVersion}` : null,
          lastGiven.paperFormNumber ? `№ ${lastGiven.paperFormNumber}` : null,
        ]
          .filter(Boolean)
          .join(', ')
      : null,
    consentReceiptID: receiptId(ctx.registerId, p.id, `events/${p.last_event ?? 0}/${p.blocked}`),
    services: [{ service: c.service, purposes: entries }],
    sensitive: spi.size > 0,
    spiCat: [...spi],
    piiPrincipal: { id: p.id, fullName: p.full_name, phone: p.phone, email: p.email },
    blocked: p.blocked === 1,
    generatedAt: nowIso(ctx),
  };
}
export type ConsentRecord = ReturnType<typeof buildRecord>;

export function consentRecord(ctx: Ctx, personId: number): ConsentRecord {
  const p = loadPerson(ctx.db, personId);
  if (!p) throw new RegisterError('not_found', `Субъект №${personId} не найден.`);
  return buildRecord(ctx, controllers(ctx.db), p);
}

const exportRecordsInput = z.object({
  outPath: outPathSchema,
  // Without a list: everyone with a consent history (tombstones included).
  personIds: z
    .array(idSchema)
    .min(1)
    .max(100_000)
    .refine((ids) => new Set(ids).size === ids.length, 'субъекты в списке повторяются')
    .optional(),
});

// One JSON array, streamed: "[", one record per line, "]". Valid JSON for a program, and a line
// per person for a person reading it.
export async function exportConsentRecords(ctx: Ctx, input: z.output<typeof exportRecordsInput>) {
  const target = checkTarget(ctx, input.outPath);
  const partial = partialPathFor(target);
  ctx.job?.checkpoint();
  let fd: number | null = null;
  let count = 0;
  const ownSnapshot = !ctx.db.inTransaction;
  try {
    try {
      fd = openSync(partial, 'wx', 0o600);
    } catch (err) {
      throw ioError(err);
    }
    const out = fd;
    let pending = '';
    const flush = () => {
      const buf = Buffer.from(pending, 'utf8');
      pending = '';
      let off = 0;
      while (off < buf.length) off += writeSync(out, buf, off, buf.length - off);
    };
    if (ownSnapshot) ctx.db.exec('BEGIN DEFERRED');
    try {
      if (input.personIds) for (const id of input.personIds) if (!loadPerson(ctx.db, id)) throw new RegisterError('not_found', `Субъект №${id} не найден.`);
      const ids: Iterable<number> = input.personIds ?? idsWithConsents(ctx.db);
      const total = input.personIds?.length ?? (ctx.db.prepare('SELECT count(DISTINCT person_id) AS n FROM consent_events').get() as { n: number }).n;
      const c = controllers(ctx.db);
      ctx.job?.progress(0, total);
      pending += '[';
      for (const id of ids) {
        pending += `${count === 0 ? '\n' : ',\n'}${JSON.stringify(buildRecord(ctx, c, loadPerson(ctx.db, id)!))}`;
        count++;
        if (pending.length > 256 * 1024) flush();
        if (count % 1000 === 0) {
          ctx.job?.checkpoint();
          ctx.job?.progress(count, Math.max(count, total));
        }
      }
      pending += '\n]\n';
      flush();
      ctx.job?.progress(count, count);
    } finally {
      if (ownSnapshot && ctx.db.inTransaction) ctx.db.exec('COMMIT');
    }
    fsyncSync(out);
    closeSync(out);
    fd = null;
    const { sha256 } = await hashFile(partial);
    ctx.job?.checkpoint();
    publish(partial, target);
    auditExport(ctx, 'export.consent_records', target, { format: 'json', count, sha256, selection: input.personIds ? 'list' : 'all' });
    return { path: target, count, sha256 };
  } catch (err) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // The partial file goes anyway.
      }
    }
    discard(partial);
    throw err instanceof RegisterError ? err : ioError(err);
  }
}

function* idsWithConsents(db: DB): Generator<number> {
  for (const r of db.prepare('SELECT DISTINCT person_id FROM consent_events ORDER BY person_id').iterate() as IterableIterator<{ person_id: number }>)
    yield r.person_id;
}

export const consentRecordOps = {
  'consent.record': defineOp({
    summary: 'Машиночитаемая запись о согласиях субъекта (Kantara Consent Receipt v1.1 / ISO/IEC TS 27560)',
    input: z.object({ personId: idSchema }),
    permission: 'persons.read',
    tx: 'read',
    handler: (ctx, i) => consentRecord(ctx, i.personId),
  }),
  'consent.exportRecords': defineOp({
    summary: 'Выгрузить машиночитаемые записи о согласиях (JSON) в выбранный файл',
    input: exportRecordsInput,
    permission: 'registers.export',
    tx: 'read',
    long: true,
    handler: (ctx, i) => exportConsentRecords(ctx, i),
  }),
};

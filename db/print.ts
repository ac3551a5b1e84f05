import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { audit } from './audit.ts';
import type { BlockRow } from './blocks.ts';
import { consentStates } from './consents.ts';
import { type Ctx, today } from './context.ts';
import { getAct } from './destruction.ts';
import { RegisterError } from './errors.ts';
import { currentTemplate, formLanguages } from './form-templates.ts';
import { defineOp } from './operation.ts';
import { getPerson } from './persons.ts';
import { renderAct } from './print/act.ts';
import { type AnswerInput, renderAnswer } from './print/answer.ts';
import { qrPayload, renderConsentForm } from './print/consent-form.ts';
import type { PlaceholderValues } from './print/markup.ts';
import { outPathSchema, writeDocument } from './print/output.ts';
import { formatDate, type PrintLanguage } from './print/pdf.ts';
import {
  blockOutcomeWords,
  blockReasonWords,
  blockRequesterWords,
  categoryWords,
  consentChannelWords,
  consentStateWords,
  operatorIds,
  processorText,
  requestChannelWords,
  requestTypeWords,
  sourceWords,
  termText,
  word,
} from './print/words.ts';
import { findPurpose, type PurposeRow, purposeRefSchema } from './purposes.ts';
import { getRequest } from './requests.ts';
import { idSchema, type Jurisdiction } from './schemas.ts';
import { getGeneral, getJurisdiction, getOperator } from './settings.ts';

// Printed documents (PDF, A4): the consent form per purpose, the act of destruction with its log
// extract, and the answer to a subject's access request. Each is drawn in memory (they are a few
// pages), written under a temporary name beside the chosen path and renamed into place in the
// same transaction that records the printing in the audit log — by ids, codes, version and the
// file's SHA-256, never by what the document says.

function defaultLanguage(jurisdiction: Jurisdiction): PrintLanguage {
  return jurisdiction === 'KZ' ? 'kk' : 'ru';
}

// On paper a number reads best in international form: +7 916 123 45 67.
function printablePhone(e164: string | null): string {
  if (!e164) return '';
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

function dataList(categories: string[], language: PrintLanguage): string {
  return categories.map((c) => word(categoryWords, language, c)).join(', ');
}

// A purpose's legal basis names both laws ("152-ФЗ ст. 6 …; 94-V ст. 7, 8"); an answer cites the
// parts of its own jurisdiction, or the whole text where the split finds none.
function basisFor(text: string, jurisdiction: Jurisdiction): string {
  const parts = text.split(/;\s*/).filter((p) => p.trim() !== '');
  const own = parts.filter((p) => /94-V/.test(p) === (jurisdiction === 'KZ'));
  return (own.length > 0 ? own : parts).join('; ') || '—';
}

function purposeTitle(p: PurposeRow, language: PrintLanguage): string {
  return language === 'kk' ? p.title_kk : p.title_ru;
}

// Checked when the form is drawn and again in the transaction that hands it over: a person blocked
// or destroyed meanwhile gets no form.
function requirePrintable(ctx: Ctx, personId: number) {
  const person = getPerson(ctx.db, personId);
  if (person.destroyed) throw new RegisterError('person_destroyed');
  if (person.blocked) {
    throw new RegisterError('person_blocked', 'Запись заблокирована: бланк согласия не печатается, пока блокировка не снята.');
  }
  return person;
}

const consentInput = z.object({
  personId: idSchema,
  purpose: purposeRefSchema,
  // Default: the language of the register's jurisdiction (RU → ru, KZ → kk).
  language: z.enum(formLanguages).optional(),
  outPath: outPathSchema,
});

const actInput = z.object({ actId: idSchema, outPath: outPathSchema });

const answerInput = z.object({
  requestId: idSchema,
  // Default: the language of the jurisdiction the request was received under.
  language: z.enum(formLanguages).optional(),
  outPath: outPathSchema,
});

const answerWords = {
  ru: {
    fullName: 'Фамилия, имя, отчество',
    phone: 'Номер телефона',
    email: 'Адрес электронной почты',
    none: 'не указан',
    representative: 'Сведения о представителе',
    scans: 'Сканы подписанных бланков согласий',
    scanCount: (n: number) => `${n} файл(ов)`,
    untilWithdrawn: 'до отзыва',
    form: (v: string) => `бланк ${v}`,
    number: (n: string) => `№ ${n}`,
    scan: (sha: string) => `скан, SHA-256 ${sha.slice(0, 12)}…`,
    viaRepresentative: 'через представителя',
    open: 'в работе',
    closed: (d: string) => `ответ дан ${d}`,
    extended: '(продлён)',
    stillBlocked: 'продолжается',
  },
  kk: {
    fullName: 'Тегі, аты, әкесінің аты',
    phone: 'Телефон нөмірі',
    email: 'Электрондық пошта мекенжайы',
    none: 'көрсетілмеген',
    representative: 'Өкіл туралы мәліметтер',
    scans: 'Қол қойылған келісім бланкілерінің сканерленген көшірмелері',
    scanCount: (n: number) => `${n} файл`,
    untilWithdrawn: 'кері қайтарылғанға дейін',
    form: (v: string) => `${v} бланкісі`,
    number: (n: string) => `№ ${n}`,
    scan: (sha: string) => `скан, SHA-256 ${sha.slice(0, 12)}…`,
    viaRepresentative: 'өкіл арқылы',
    open: 'қаралуда',
    closed: (d: string) => `жауап берілді ${d}`,
    extended: '(ұзартылды)',
    stillBlocked: 'жалғасуда',
  },
};

function answerData(ctx: Ctx, requestId: number, languageOverride: PrintLanguage | undefined): AnswerInput {
  const request = getRequest(ctx, requestId);
  if (request.type !== 'access') {
    throw new RegisterError('conflict', `Обращение №${request.id} — не запрос сведений: ответ со сведениями о субъекте готовится только на запрос сведений.`);
  }
  if (request.personId === null) {
    throw new RegisterError('conflict', `Обращение №${request.id} не связано с субъектом в реестре: ответ со сведениями подготовить не о ком.`);
  }
  const language = languageOverride ?? defaultLanguage(request.jurisdiction);
  const w = answerWords[language];
  const db = ctx.db;
  const operator = getOperator(db);
  const general = getGeneral(db);
  const person = getPerson(db, request.personId);
  const purposes = new Map((db.prepare('SELECT * FROM purposes').all() as PurposeRow[]).map((p) => [p.id, p]));
  const states = consentStates(db, request.personId, today(ctx)).filter((c) => c.history.length > 0);
  const consents = states.map((c) => {
    const p = purposes.get(c.purpose.id);
    const ev = c.evidence;
    const evidence = ev
      ? [
          word(consentChannelWords, language, ev.channel),
          ev.formVersion ? w.form(ev.formVersion) : null,
          ev.paperFormNumber ? w.number(ev.paperFormNumber) : null,
          ...ev.scans.map((s) => w.scan(s.sha256)),
          ev.representative ? w.viaRepresentative : null,
        ]
          .filter((x) => x !== null)
          .join('; ')
      : '—';
    return {
      purpose: p ? purposeTitle(p, language) : c.purpose.title,
      legalBasis: basisFor(p?.legal_basis ?? '', request.jurisdiction),
      state: word(consentStateWords, language, c.state),
      since: formatDate(c.since),
      evidence,
      validUntil: c.state === 'active' ? (c.validUntil ? formatDate(c.validUntil) : w.untilWithdrawn) : '—',
    };
  });
  const blocks = (db.prepare('SELECT * FROM blocks WHERE person_id = ? ORDER BY began_at, id').all(request.personId) as BlockRow[]).map((b) => ({
    began: formatDate(b.began_at),
    ended: b.ended_at ? formatDate(b.ended_at) : w.stillBlocked,
    reason: word(blockReasonWords, language, b.reason),
    requestedBy: word(blockRequesterWords, language, b.requested_by),
    outcome: b.outcome ? word(blockOutcomeWords, language, b.outcome) : '—',
  }));
  const requestIds = db.prepare('SELECT id FROM requests WHERE person_id = ? ORDER BY received_at, id').all(request.personId) as { id: number }[];
  const requests = requestIds.map(({ id }) => {
    const r = getRequest(ctx, id);
    return {
      id: r.id,
      receivedAt: formatDate(r.receivedAt),
      type: word(requestTypeWords, language, r.type),
      due: `${formatDate(r.due)}${r.extended ? ` ${w.extended}` : ''}`,
      status: r.status === 'open' ? w.open : w.closed(formatDate(r.closedAt)),
      current: r.id === request.id,
    };
  });
  const base = {
    language,
    jurisdiction: request.jurisdiction,
    operator: { name: operator.name, address: operator.address, ids: operatorIds(operator, getJurisdiction(db), language) },
    processor: processorText(general.processor, language),
    informationSystem: general.informationSystem,
    request: {
      id: request.id,
      receivedAt: request.receivedAt,
      channel: word(requestChannelWords, language, request.channel),
      requester: request.requester,
      viaRepresentative: request.requesterKind === 'representative',
    },
    consents,
    blocks,
    requests,
    preparedBy: ctx.actor.fullName,
    printedOn: formatDate(today(ctx)),
    createdAt: ctx.now(),
  };
  if (person.destroyed) {
    const act = db.prepare('SELECT number, act_date FROM destruction_acts WHERE id = ?').get(person.destroyedActId) as { number: string; act_date: string };
    return { ...base, person: { destroyed: true, id: person.id, actNumber: act.number, actDate: act.act_date } };
  }
  const representatives = [
    ...new Set(states.flatMap((c) => c.history.filter((e) => e.representative).map((e) => `${e.representative?.name} (${e.representative?.authority})`))),
  ];
  const scans = states.reduce((n, c) => n + c.history.reduce((m, e) => m + e.scans.length, 0), 0);
  const data: [string, string][] = [
    [w.fullName, person.fullName],
    [w.phone, printablePhone(person.phone) || w.none],
    [w.email, person.email ?? w.none],
    ...(representatives.length > 0 ? [[w.representative, representatives.join('; ')] as [string, string]] : []),
    ...(scans > 0 ? [[w.scans, w.scanCount(scans)] as [string, string]] : []),
  ];
  return {
    ...base,
    person: {
      destroyed: false,
      id: person.id,
      fullName: person.fullName,
      data,
      registeredOn: person.createdAt,
      source: word(sourceWords, language, person.source),
      block: person.block ? { since: person.block.since, reason: word(blockReasonWords, language, person.block.reason) } : null,
      verificationSince: person.verification?.since ?? null,
    },
  };
}

export const printOps = {
  'print.consent': defineOp({
    summary: 'Напечатать бланк согласия на обработку ПДн по одной цели (PDF, A4, с QR-кодом)',
    input: consentInput,
    // Daily desk work: the receptionist prints the form the patient signs.
    permission: 'persons.read',
    tx: 'own',
    handler: async (ctx, i) => {
      const person = requirePrintable(ctx, i.personId);
      const purpose = findPurpose(ctx.db, i.purpose);
      if (purpose.active !== 1) {
        throw new RegisterError('conflict', `Цель обработки «${purpose.code}» выведена из употребления: бланк согласия для неё не печатается.`);
      }
      const jurisdiction = getJurisdiction(ctx.db);
      const language = i.language ?? defaultLanguage(jurisdiction);
      const template = currentTemplate(ctx, purpose, language);
      const operator = getOperator(ctx.db);
      const general = getGeneral(ctx.db);
      const ids = operatorIds(operator, jurisdiction, language);
      const values: PlaceholderValues = {
        'operator.name': operator.name,
        'operator.address': operator.address,
        'operator.ids': ids,
        'operator.taxId': operator.taxId,
        'operator.ogrn': operator.ogrn ?? '',
        processor: processorText(general.processor, language),
        system: general.informationSystem,
        'person.id': String(person.id),
        'person.fullName': person.fullName,
        'person.phone': printablePhone(person.phone),
        'person.email': person.email ?? '',
        'purpose.code': purpose.code,
        'purpose.title': purposeTitle(purpose, language),
        'purpose.legalBasis': purpose.legal_basis,
        'data.list': dataList(JSON.parse(purpose.data_categories) as string[], language),
        term: termText(purpose.default_term_days, language),
        'form.version': template.formVersion,
        date: formatDate(today(ctx)),
      };
      const payload = qrPayload(person.id, purpose.code, template.formVersion);
      const { pdf } = await renderConsentForm({
        language,
        formVersion: template.formVersion,
        payload,
        purposeCode: purpose.code,
        operator: { name: operator.name, address: operator.address, ids },
        body: template.body,
        values,
        createdAt: ctx.now(),
        printedOn: formatDate(today(ctx)),
      });
      const written = writeDocument(ctx, i.outPath, pdf, (w) => {
        requirePrintable(ctx, person.id);
        audit(ctx, {
          action: 'print.consent',
          entity: 'person',
          entityId: person.id,
          details: { purpose: purpose.code, language, formVersion: template.formVersion, sha256: w.sha256 },
        });
      });
      return { path: written.path, formVersion: template.formVersion, language, purpose: purpose.code, payload, sha256: written.sha256 };
    },
  }),

  'print.act': defineOp({
    summary: 'Напечатать акт об уничтожении ПДн с выпиской из журнала (PDF, A4, приказ РКН № 179)',
    input: actInput,
    // The act is the manager's document: the manager signs it and keeps it for the inspector.
    permission: 'persons.destroy',
    tx: 'own',
    handler: async (ctx, i) => {
      const act = getAct(ctx.db, i.actId);
      const pdf = await renderAct(act, { createdAt: ctx.now() });
      const written = writeDocument(ctx, i.outPath, pdf, (w) =>
        audit(ctx, { action: 'print.act', entity: 'destruction_act', entityId: act.id, details: { number: act.number, sha256: w.sha256 } }),
      );
      return { path: written.path, number: act.number, sha256: written.sha256 };
    },
  }),

  'print.answer': defineOp({
    summary: 'Напечатать ответ на запрос субъекта о его персональных данных (PDF, A4)',
    input: answerInput,
    // The desk may prepare the answer; the responsible person signs the printed copy.
    permission: 'persons.read',
    tx: 'own',
    handler: async (ctx, i) => {
      const data = answerData(ctx, i.requestId, i.language);
      const pdf = await renderAnswer(data);
      const written = writeDocument(ctx, i.outPath, pdf, (w) =>
        audit(ctx, {
          action: 'print.answer',
          entity: 'request',
          entityId: i.requestId,
          details: { personId: data.person.id, language: data.language, sha256: w.sha256 },
        }),
      );
      return { path: written.path, language: data.language, sha256: written.sha256 };
    },
  }),
};

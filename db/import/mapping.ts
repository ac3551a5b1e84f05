import { z } from 'zod';
import type { PersonSource } from '../persons.ts';

// Which column holds what. Suggested from the header texts that Russian and English website and
// CRM exports use; the user's mapping overrides any suggestion, and null unmaps a field.

export const importFields = [
  'fullName',
  'lastName',
  'firstName',
  'middleName',
  'phone',
  'email',
  'source',
  'consentMarketing',
  'consentAppointment',
  'consentDate',
] as const;
export type ImportField = (typeof importFields)[number];

// A column by its header text (as listed in the preview's `columns`) or by its 1-based number.
export const columnRefSchema = z.union([z.string().trim().min(1).max(300), z.number().int().min(1).max(10_000)]).nullable();
export const mappingSchema = z
  .object(Object.fromEntries(importFields.map((f) => [f, columnRefSchema.optional()])) as Record<ImportField, z.ZodOptional<typeof columnRefSchema>>)
  .strict();
export type MappingInput = z.infer<typeof mappingSchema>;
// The effective mapping: field → header text of the column.
export type Mapping = Partial<Record<ImportField, string>>;

// The purposes a consent column records, and what the field is called in messages.
export const consentFields = { consentMarketing: 'marketing', consentAppointment: 'appointment' } as const;
export const fieldTitles: Record<ImportField, string> = {
  fullName: 'ФИО',
  lastName: 'Фамилия',
  firstName: 'Имя',
  middleName: 'Отчество',
  phone: 'Телефон',
  email: 'E-mail',
  source: 'Источник',
  consentMarketing: 'Согласие на рассылку',
  consentAppointment: 'Согласие на обработку для связи по записи',
  consentDate: 'Дата согласия',
};

// Lower case, ё as е, letters and digits only: "E-mail", "e_mail" and "Эл. почта" compare plainly.
export function fold(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

const exact: Record<ImportField, string[]> = {
  fullName: [
    'фио',
    'фамилияимяотчество',
    'фамилияимя',
    'имяфамилия',
    'полноеимя',
    'клиент',
    'пациент',
    'контактноелицо',
    'fullname',
    'name',
    'clientname',
    'contactname',
  ],
  lastName: ['фамилия', 'lastname', 'surname', 'familyname'],
  firstName: ['имя', 'firstname', 'givenname'],
  middleName: ['отчество', 'middlename', 'patronymic', 'secondname'],
  phone: [
    'телефон',
    'тел',
    'номертелефона',
    'мобильный',
    'мобильныйтелефон',
    'сотовый',
    'контактныйтелефон',
    'phone',
    'tel',
    'telephone',
    'mobile',
    'phonenumber',
    'mobilephone',
  ],
  email: ['email', 'почта', 'электроннаяпочта', 'элпочта', 'емейл', 'емэйл', 'имейл', 'mail', 'emailaddress', 'адресэлектроннойпочты'],
  source: ['источник', 'source', 'канал', 'каналпоступления', 'откуда', 'leadsource', 'utmsource'],
  consentMarketing: [],
  consentAppointment: [],
  consentDate: ['датасогласия', 'consentdate', 'датаивремясогласия'],
};

// Looser patterns for headers such as "Ваш телефон" or "Согласие на получение рассылки".
const contains: [ImportField, RegExp][] = [
  [
    'consentMarketing',
    /(соглас|consent|optin|подпис|subscri).*(рассылк|реклам|маркетинг|новост|акци|marketing|newsletter|news)|^(рассылка|подписканановости|newsletter|optin|subscribed?)$/,
  ],
  ['consentAppointment', /(соглас|consent).*(обработк|персональн|пдн|запис|связ|processing|personal)/],
  // Any date or time of the lead, but not a date of birth.
  ['consentDate', /^(?!.*(рожд|birth)).*(дата|date|время|time|создан|created|поступ)/],
  ['fullName', /(фио|fullname)/],
  ['phone', /(телефон|phone|mobile|мобильн)/],
  ['email', /(email|емейл|электроннаяпочта|элпочт|^почта$|mail)/],
  ['lastName', /фамили/],
  ['middleName', /отчеств/],
  ['firstName', /^(ваше)?имя/],
  ['source', /(источник|source)/],
];

export function suggestMapping(columns: string[]): Mapping {
  const folded = columns.map(fold);
  const out: Mapping = {};
  const taken = new Set<number>();
  const assign = (field: ImportField, i: number) => {
    if (out[field] !== undefined || taken.has(i)) return;
    out[field] = columns[i]!;
    taken.add(i);
  };
  for (const field of importFields) {
    const i = folded.findIndex((f, n) => !taken.has(n) && exact[field].includes(f));
    if (i >= 0) assign(field, i);
  }
  for (const [field, re] of contains) {
    if (out[field] !== undefined) continue;
    const i = folded.findIndex((f, n) => !taken.has(n) && re.test(f));
    if (i >= 0) assign(field, i);
  }
  // "Имя" alone on a website form usually holds the whole name; beside "Фамилия" it is the first
  // name. A lone "Фамилия" or "Отчество" without "Имя" stays as it is for the user to review.
  if (out.firstName !== undefined && out.lastName === undefined && out.fullName === undefined) {
    out.fullName = out.firstName;
    delete out.firstName;
  }
  if (out.fullName !== undefined && (out.lastName !== undefined || out.firstName !== undefined) && fold(out.fullName) === 'name') {
    delete out.fullName;
  }
  // A date column is only needed when there is a consent to date.
  if (out.consentDate !== undefined && out.consentMarketing === undefined && out.consentAppointment === undefined) delete out.consentDate;
  return out;
}

export function resolveMapping(columns: string[], suggested: Mapping, given: MappingInput | undefined): { mapping: Mapping; problems: string[] } {
  const mapping: Mapping = { ...suggested };
  const problems: string[] = [];
  for (const field of importFields) {
    if (!given || !(field in given)) continue;
    const ref = given[field];
    if (ref === null || ref === undefined) {
      delete mapping[field];
      continue;
    }
    const name = typeof ref === 'number' ? columns[ref - 1] : (columns.find((c) => c === ref) ?? columns.find((c) => fold(c) === fold(ref)));
    if (name === undefined) {
      problems.push(
        typeof ref === 'number'
          ? `Поле «${fieldTitles[field]}»: в файле нет столбца №${ref} (столбцов ${columns.length}).`
          : `Поле «${fieldTitles[field]}»: в файле нет столбца «${ref}».`,
      );
      delete mapping[field];
      continue;
    }
    mapping[field] = name;
  }
  const byColumn = new Map<string, ImportField[]>();
  for (const field of importFields) {
    const c = mapping[field];
    if (c !== undefined) byColumn.set(c, [...(byColumn.get(c) ?? []), field]);
  }
  for (const [column, fields] of byColumn) {
    if (fields.length > 1) problems.push(`Столбец «${column}» выбран для нескольких полей: ${fields.map((f) => `«${fieldTitles[f]}»`).join(', ')}.`);
  }
  if (mapping.fullName === undefined && mapping.lastName === undefined && mapping.firstName === undefined) {
    problems.push('Не выбран столбец с ФИО (или столбцы «Фамилия», «Имя», «Отчество»).');
  }
  if ((mapping.consentMarketing !== undefined || mapping.consentAppointment !== undefined) && mapping.consentDate === undefined) {
    problems.push('Для столбца согласия выберите и столбец с датой согласия: без даты согласие нельзя доказать.');
  }
  return { mapping, problems };
}

const sourceWords: [PersonSource, RegExp][] = [
  ['website_form', /^(websiteform|website|site|web|сайт|ссайта|форманасайте|заявкассайта|формасайта|форма|лендинг|landing|онлайнзаявка)$/],
  ['callback', /^(callback|обратныйзвонок|заказзвонка|перезвонить|заказобратногозвонка)$/],
  ['appointment', /^(appointment|запись|записьнаприем|онлайнзапись|записьнаприемссайта)$/],
  ['walk_in', /^(walkin|регистратура|лично|визит|личныйвизит)$/],
  ['phone_call', /^(phonecall|звонок|телефон|входящийзвонок|позвонил|позвонила)$/],
  ['import', /^(import|импорт)$/],
  ['other', /^(other|другое|прочее|иное)$/],
];
const sourceHints: [PersonSource, RegExp][] = [
  ['callback', /обратн.*звон|callback/],
  ['appointment', /запис|appointment/],
  ['website_form', /сайт|website|форм/],
  ['phone_call', /звон|phone/],
];

// The register's source of collection for a cell such as "Заявка с сайта"; null when the cell
// names something else (an advertising channel, say), so the import's default applies.
export function parseSource(cell: string): PersonSource | null {
  const f = fold(cell);
  if (f === '') return null;
  for (const [source, re] of sourceWords) if (re.test(f)) return source;
  for (const [source, re] of sourceHints) if (re.test(f)) return source;
  return null;
}

const yes = /^(да|д|yes|y|true|1|истина|согласен|согласна|согласие|соглдано|даюсогласие|on|checked|v|x|ok|ок|есть)$/;
const no = /^(нет|н|no|n|false|0|ложь|несогласен|несогласна|off|unchecked|отказ)$/;

// A checkbox column as websites and Excel write it. undefined means the cell is not a yes/no.
export function parseYesNo(cell: string): boolean | undefined {
  const t = cell.trim().toLowerCase();
  if (t === '' || t === '-' || t === '—') return false;
  if (t === '+' || t === '✓' || t === '✔' || t === '☑') return true;
  const f = fold(t);
  if (yes.test(f) || f.startsWith('дасоглас')) return true;
  if (no.test(f)) return false;
  return undefined;
}

function validIso(y: number, m: number, d: number): string | null {
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}

// Dates as website exports and Russian Excel write them, with or without a time: 16.02.2026,
// 16.02.2026 10:33, 2026-02-16, 2026-02-16T10:33:00Z, or an Excel day number.
export function parseDateCell(cell: string): string | null {
  const t = cell.trim();
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(t);
  if (ru) {
    const y = ru[3]!.length === 2 ? 2000 + Number(ru[3]) : Number(ru[3]);
    return validIso(y, Number(ru[2]), Number(ru[1]));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (iso) return validIso(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  if (/^\d{5}(\.\d+)?$/.test(t)) {
    // Excel's day number (1900 system): day 25569 is 1970-01-01.
    const d = new Date((Math.floor(Number(t)) - 25569) * 86_400_000);
    return validIso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  return null;
}

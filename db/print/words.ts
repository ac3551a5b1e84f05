import type { Jurisdiction, OperatorDetails } from '../schemas.ts';
import type { PrintLanguage } from './pdf.ts';

// The words printed documents use, in Russian and Kazakh. Codes the register stores (categories,
// channels, reasons) print as these words; an unknown code prints as itself rather than vanish.

type Words = Record<PrintLanguage, Record<string, string>>;

export function word(table: Words, language: PrintLanguage, code: string | null | undefined): string {
  if (code === null || code === undefined) return '—';
  return table[language][code] ?? code;
}

export const categoryWords: Words = {
  ru: {
    full_name: 'фамилия, имя, отчество',
    phone: 'номер телефона',
    email: 'адрес электронной почты',
    health: 'сведения о состоянии здоровья',
    representative: 'сведения о представителе (ФИО, документ о полномочиях)',
    consent_scans: 'сканы подписанных бланков согласий',
    notes: 'примечания сотрудников',
  },
  kk: {
    full_name: 'тегі, аты, әкесінің аты',
    phone: 'телефон нөмірі',
    email: 'электрондық пошта мекенжайы',
    health: 'денсаулық жағдайы туралы мәліметтер',
    representative: 'өкіл туралы мәліметтер (Т.А.Ә., өкілеттік құжаты)',
    consent_scans: 'қол қойылған келісім бланкілерінің сканерленген көшірмелері',
    notes: 'қызметкерлердің ескертпелері',
  },
};

export const sourceWords: Words = {
  ru: {
    website_form: 'форма на сайте',
    callback: 'заказ обратного звонка',
    appointment: 'запись на приём',
    walk_in: 'обращение в регистратуру',
    phone_call: 'телефонный звонок',
    import: 'загрузка из файла',
    other: 'иное',
  },
  kk: {
    website_form: 'сайттағы нысан',
    callback: 'кері қоңырауға тапсырыс',
    appointment: 'қабылдауға жазылу',
    walk_in: 'тіркеу орнына келу',
    phone_call: 'телефон қоңырауы',
    import: 'файлдан жүктеу',
    other: 'өзге',
  },
};

export const consentStateWords: Words = {
  ru: { active: 'действует', withdrawn: 'отозвано', refused: 'не дано (отказ)', expired: 'срок истёк', none: 'не давалось' },
  kk: { active: 'күшінде', withdrawn: 'кері қайтарылды', refused: 'берілмеді (бас тарту)', expired: 'мерзімі өтті', none: 'берілмеген' },
};

export const consentChannelWords: Words = {
  ru: {
    paper: 'бумажный бланк с подписью',
    website: 'форма на сайте',
    electronic: 'электронный документ',
    phone: 'по телефону',
    email: 'по электронной почте',
    in_person: 'лично',
    other: 'иным способом',
  },
  kk: {
    paper: 'қол қойылған қағаз бланк',
    website: 'сайттағы нысан',
    electronic: 'электрондық құжат',
    phone: 'телефон арқылы',
    email: 'электрондық пошта арқылы',
    in_person: 'жеке өзі',
    other: 'өзге тәсілмен',
  },
};

export const requestChannelWords: Words = {
  ru: {
    in_person: 'лично',
    post: 'почтой',
    email: 'по электронной почте',
    phone: 'по телефону',
    website: 'через сайт',
    regulator: 'от уполномоченного органа',
    other: 'иным способом',
  },
  kk: {
    in_person: 'жеке өзі',
    post: 'пошта арқылы',
    email: 'электрондық пошта арқылы',
    phone: 'телефон арқылы',
    website: 'сайт арқылы',
    regulator: 'уәкілетті органнан',
    other: 'өзге тәсілмен',
  },
};

export const requestTypeWords: Words = {
  ru: {
    access: 'запрос сведений',
    correction: 'уточнение данных',
    withdrawal: 'отзыв согласия',
    stop_processing: 'прекращение обработки',
    block: 'блокирование',
    destroy: 'уничтожение',
    regulator_demand: 'запрос уполномоченного органа',
  },
  kk: {
    access: 'мәліметтер сұрау',
    correction: 'деректерді нақтылау',
    withdrawal: 'келісімді кері қайтару',
    stop_processing: 'өңдеуді тоқтату',
    block: 'бұғаттау',
    destroy: 'жою',
    regulator_demand: 'уәкілетті органның сұрау салуы',
  },
};

export const blockReasonWords: Words = {
  ru: {
    inaccurate_data: 'сообщение о неточных данных',
    unlawful_processing: 'выявлена неправомерная обработка',
    subject_request: 'требование субъекта',
    representative_request: 'требование представителя',
    regulator_request: 'требование уполномоченного органа',
    destruction_pending: 'до уничтожения данных',
    other: 'иное',
  },
  kk: {
    inaccurate_data: 'деректердің дұрыс еместігі туралы хабар',
    unlawful_processing: 'заңсыз өңдеу анықталды',
    subject_request: 'субъектінің талабы',
    representative_request: 'өкілдің талабы',
    regulator_request: 'уәкілетті органның талабы',
    destruction_pending: 'деректер жойылғанға дейін',
    other: 'өзге',
  },
};

export const blockRequesterWords: Words = {
  ru: { subject: 'субъект', representative: 'представитель', regulator: 'уполномоченный орган', operator: 'оператор' },
  kk: { subject: 'субъект', representative: 'өкіл', regulator: 'уәкілетті орган', operator: 'оператор' },
};

export const blockOutcomeWords: Words = {
  ru: {
    corrected: 'данные уточнены',
    destroyed: 'данные уничтожены',
    unblocked_unconfirmed: 'сведения не подтвердились',
    unblocked_lawful: 'обработка признана правомерной',
    other: 'иное',
  },
  kk: {
    corrected: 'деректер нақтыланды',
    destroyed: 'деректер жойылды',
    unblocked_unconfirmed: 'мәліметтер расталмады',
    unblocked_lawful: 'өңдеу заңды деп танылды',
    other: 'өзге',
  },
};

export function pageWord(language: PrintLanguage): (page: number, pages: number) => string {
  return language === 'kk' ? (n, m) => `${n}-бет, барлығы ${m}` : (n, m) => `Страница ${n} из ${m}`;
}

// INN/OGRN in Russia, BIN in Kazakhstan (БСН in Kazakh).
export function operatorIds(op: OperatorDetails, jurisdiction: Jurisdiction, language: PrintLanguage): string {
  if (jurisdiction === 'KZ') return `${language === 'kk' ? 'БСН' : 'БИН'} ${op.taxId}`;
  return `ИНН ${op.taxId}${op.ogrn ? `, ОГРН ${op.ogrn}` : ''}`;
}

function ruDays(n: number): string {
  const m10 = n % 10;
  const m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return 'день';
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return 'дня';
  return 'дней';
}

export function termText(days: number | null, language: PrintLanguage): string {
  if (language === 'kk') {
    return days === null
      ? 'өңдеу мақсатына қол жеткізілгенге дейін немесе осы келісім кері қайтарылып алынғанға дейін'
      : `қол қойылған күннен бастап ${days} күн, егер келісім бұған дейін кері қайтарылып алынбаса`;
  }
  return days === null
    ? 'до достижения цели обработки или до отзыва настоящего согласия'
    : `${days} ${ruDays(days)} со дня подписания настоящего согласия, если оно не будет отозвано ранее`;
}

export function processorText(processor: { name: string; address: string } | null, language: PrintLanguage): string {
  if (language === 'kk') return processor ? `${processor.name}, мекенжайы: ${processor.address}` : 'тартылмайды';
  return processor ? `${processor.name}, адрес: ${processor.address}` : 'не привлекается';
}

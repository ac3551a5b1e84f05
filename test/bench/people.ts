// The one generator of people for every benchmark (bench.ts, search.ts, ui-search.ts): Russian and
// Kazakh names (feminine surnames derived, patronymics, Kazakh letters), phones that libphonenumber
// accepts as valid RU/KZ numbers (typed the way people say them at the desk, stored as E.164),
// e-mails from the names. Seeded: the same seed gives the same people in the same order, so two
// runs (and the encrypted and plaintext registers of one run) hold the same data.
import { foldEmail, normalizePhone } from '../../db/phones.ts';

// xorshift32: fast, and the sequence depends on the seed alone.
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let s = this.state;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    this.state = s;
    return s / 0x1_0000_0000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}

// Word lists as text, one word per space: a name is never split by a space here.
const words = (text: string): string[] => text.trim().split(/\s+/);

// Surnames in the masculine form; the feminine one is derived (-ов → -ова, -ий → -ая, -ин → -ина).
const ruSurnames = words(`
  Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
  Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
  Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов
  Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв
  Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов
  Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов
  Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов
  Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев
  Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников
  Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин
  Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков
  Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров
  Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов Мальцев
  Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин Хохлов
  Жданов Руднев Ширяев Щукин Боровой Толстой Рыжий Мамин-Сибиряк Бестужев-Рюмин Лёвкин
`);
const kzSurnames = words(`
  Әбдірахманов Әлиев Ахметов Әбішев Байжанов Бекқожин Ғабдуллин Ғалымжанов Дәулетов Есенов
  Жақсылықов Жұмабаев Жүсіпов Ибраев Иманғалиев Қасымов Қайратов Құдайбергенов Қожахметов Мұқанов
  Мұратов Нұрланов Нұрпейісов Оразбаев Өтегенов Өмірзақов Сәрсенбаев Сейітов Сұлтанов Тоқаев
  Төлеуов Ұзақов Ұлықпанов Үсенов Үмбетов Шәкенов Ыбыраев Іскаков Ілиясов Һашимов Бөкейханов
  Кенжебаев Таңатаров Мыңбаев Асанов Бектұров Досқалиев Жаңабаев Қонаев Сағынтаев
`);
const ruMale = words(`
  Александр Алексей Андрей Артём Борис Вадим Валерий Виктор Владимир Георгий Дмитрий Евгений Егор
  Иван Игорь Илья Кирилл Константин Максим Михаил Никита Николай Олег Павел Пётр Роман Семён
  Сергей Степан Фёдор Юрий Ярослав Матвей Тимофей Лев Глеб
`);
const ruFemale = words(`
  Александра Алёна Алина Анастасия Анна Валентина Вера Виктория Галина Дарья Евгения Екатерина
  Елена Ирина Ксения Людмила Марина Мария Наталья Надежда Ольга Полина Светлана София Софья
  Татьяна Юлия Фёкла Алёна Арина Василиса Ева
`);
const kzMale = words(`
  Әлихан Әділет Айбек Арман Асхат Бауыржан Ғалым Ғабит Дәурен Ерлан Жандос Қайрат Қанат Мұрат
  Нұрлан Нұрсұлтан Өмірзақ Серік Талғат Ұлан Үмбет Іліяс Шыңғыс Ержан Бекзат Дінмұхамед
`);
const kzFemale = words(`
  Әлия Әсел Айгүл Айгерім Ақбота Ақмарал Гүлнар Гүлжан Дана Жанар Жаңыл Зере Іңкәр Қарлығаш Қуаныш
  Меруерт Мөлдір Назерке Сәуле Томирис Ұлжан Үміт Шынар Аружан
`);
const ruPatronM = words(`
  Александрович Алексеевич Андреевич Викторович Владимирович Дмитриевич Иванович Игоревич
  Михайлович Николаевич Олегович Петрович Сергеевич Фёдорович Юрьевич Семёнович
`);
const ruPatronF = words(`
  Александровна Алексеевна Андреевна Викторовна Владимировна Дмитриевна Ивановна Игоревна
  Михайловна Николаевна Олеговна Петровна Сергеевна Фёдоровна Юрьевна Семёновна
`);
const kzPatronM = words(`Қайратұлы Нұрланұлы Серікұлы Ерланұлы Мұратұлы Асқарұлы Бекұлы`);
const kzPatronF = words(`Қайратқызы Нұрланқызы Серікқызы Ерланқызы Мұратқызы Асқарқызы Бекқызы`);

function feminine(surname: string): string {
  return surname
    .split('-')
    .map((part) => {
      if (/(ов|ев|ёв|ин|ын)$/.test(part)) return `${part}а`;
      if (/(ий|ой)$/.test(part)) return `${part.slice(0, -2)}ая`;
      return part;
    })
    .join('-');
}

const translit: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ә: 'a',
  ғ: 'g',
  қ: 'q',
  ң: 'n',
  ө: 'o',
  ұ: 'u',
  ү: 'u',
  һ: 'h',
  і: 'i',
  '-': '-',
};
const latin = (s: string) => [...s.toLowerCase()].map((c) => translit[c] ?? '').join('');

const ruMobile = words(`900 901 903 905 909 910 912 915 916 917 919 921 925 926 929 950 951 960 965 977 985 999`);
const ruFixed = ['495', '499', '812', '343', '383', '846'];
const kzMobile = ['700', '701', '702', '705', '707', '708', '747', '771', '775', '776', '777', '778'];
const kzFixed = ['7172', '7272', '7212', '7232'];
const emailDomains = ['mail.ru', 'yandex.ru', 'gmail.com', 'inbox.ru', 'bk.ru', 'mail.kz', 'inbox.kz', 'list.ru'];

export interface Person {
  fullName: string;
  // E.164, as stored.
  phone: string | null;
  // The same number as a person dictates it at the desk or types it into a web form.
  phoneTyped: string | null;
  email: string | null;
  emailFold: string | null;
  country: 'RU' | 'KZ';
  female: boolean;
}

// How people write a number: "8 (916) 123-45-67", "+7 916 1234567", "89161234567", ...
function typeNumber(rng: Rng, code: string, rest: string): string {
  const all = code + rest;
  switch (rng.int(5)) {
    case 0:
      return `8 (${code}) ${rest}`;
    case 1:
      return `+7 ${code} ${rest}`;
    case 2:
      return `8${all}`;
    case 3:
      return `+7 (${code}) ${all.slice(code.length, -4)}-${all.slice(-4, -2)}-${all.slice(-2)}`;
    default:
      return `7${all}`;
  }
}

export class PeopleGenerator {
  readonly rng: Rng;
  // Contacts given out so far: a generated person never repeats one (the desk would refuse it as
  // a duplicate, and an import would skip it).
  readonly usedPhones = new Set<string>();
  readonly usedEmails = new Set<string>();
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  next(): Person {
    const r = this.rng;
    const kz = r.chance(0.4);
    const female = r.chance(0.55);
    const surname = kz ? r.pick(kzSurnames) : r.pick(ruSurnames);
    const s = female ? feminine(surname) : surname;
    const first = kz ? r.pick(female ? kzFemale : kzMale) : r.pick(female ? ruFemale : ruMale);
    const patronymic = r.chance(0.8) ? ` ${kz ? r.pick(female ? kzPatronF : kzPatronM) : r.pick(female ? ruPatronF : ruPatronM)}` : '';
    const fullName = `${s} ${first}${patronymic}`;
    let phone: string | null = null;
    let phoneTyped: string | null = null;
    if (r.chance(0.92)) {
      for (let attempt = 0; attempt < 20 && !phone; attempt++) {
        const fixed = r.chance(0.1);
        const code = kz ? r.pick(fixed ? kzFixed : kzMobile) : r.pick(fixed ? ruFixed : ruMobile);
        const typed = typeNumber(r, code, r.digits(10 - code.length));
        try {
          const e164 = normalizePhone(typed, kz ? 'KZ' : 'RU').e164;
          if (!this.usedPhones.has(e164)) {
            phone = e164;
            phoneTyped = typed;
          }
        } catch {
          // an unassigned range: draw again
        }
      }
      if (phone) this.usedPhones.add(phone);
    }
    let email: string | null = null;
    if (r.chance(0.7)) {
      const local = `${latin(first)}.${latin(surname)}${r.chance(0.6) ? r.int(1000) : ''}`;
      const candidate = `${local}@${r.pick(emailDomains)}`;
      if (!this.usedEmails.has(candidate)) {
        email = candidate;
        this.usedEmails.add(candidate);
      }
    }
    return { fullName, phone, phoneTyped, email, emailFold: email ? foldEmail(email) : null, country: kz ? 'KZ' : 'RU', female };
  }

  take(n: number): Person[] {
    return Array.from({ length: n }, () => this.next());
  }
}

// ---- queries as the desk types them --------------------------------------------------------------

export interface SearchQueries {
  // 2–4 letters of a surname or first name, in any case, sometimes with ё typed as е.
  namePrefix: string[];
  // A whole surname or first name: longer than the prefix indexes.
  nameWord: string[];
  // 3–6 digits from anywhere in the number.
  phoneFragment: string[];
  // The start of an address, or everything up to the "@".
  emailPrefix: string[];
}

export function searchQueries(rng: Rng, people: readonly Person[], count: number): SearchQueries {
  const nameWords = people.flatMap((p) => p.fullName.split(/[\s-]+/).slice(0, 2));
  const caseVariants = [(s: string) => s.toLowerCase(), (s: string) => s.toUpperCase(), (s: string) => s];
  const withPhone = people.filter((p) => p.phone);
  const withEmail = people.filter((p) => p.email);
  return {
    namePrefix: Array.from({ length: count }, () => {
      let prefix = rng.pick(nameWords).slice(0, 2 + rng.int(3));
      if (rng.chance(0.3)) prefix = prefix.replace(/ё/g, 'е');
      return rng.pick(caseVariants)(prefix);
    }),
    nameWord: Array.from({ length: count }, () => rng.pick(caseVariants)(rng.pick(nameWords))),
    phoneFragment: Array.from({ length: count }, () => {
      const digits = (rng.pick(withPhone).phone as string).slice(1);
      const len = 3 + rng.int(4);
      const start = rng.int(digits.length - len + 1);
      return digits.slice(start, start + len);
    }),
    emailPrefix: Array.from({ length: count }, () => {
      const email = rng.pick(withEmail).email as string;
      return rng.chance(0.5) ? email.slice(0, 3 + rng.int(6)) : email.slice(0, email.indexOf('@') + 1);
    }),
  };
}

// `npm run bench`: search timings on a register of generated people.
//   node test/bench/search.ts [--persons N] [--queries N] [--json FILE] [--seed N] [--keep DIR]
// Creates a real encrypted register in a temp dir, fills it with Russian and Kazakh names, valid
// RU/KZ phones and e-mails, then times `person.find` through the operation table (the same path
// the desk uses) for name prefixes, whole name words, phone fragments and e-mail prefixes.
// Prints a table, writes JSON (default out/bench-search.json) and removes the temp dir (with
// --keep DIR the register is created in DIR and left there, password `bench-password-1`, for
// EXPLAIN QUERY PLAN sessions).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dispatch } from '../../db/api.ts';
import { foldEmail, normalizePhone } from '../../db/phones.ts';
import { createRegister, openRegister } from '../../db/register.ts';
import type { SearchResult } from '../../db/search.ts';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '300' },
    json: { type: 'string', default: 'out/bench-search.json' },
    seed: { type: 'string', default: '20260216' },
    limit: { type: 'string', default: '50' },
    keep: { type: 'string' },
  },
});
const personCount = Number(args.persons);
const queryCount = Math.max(200, Number(args.queries));
const limit = Number(args.limit);
if (!Number.isInteger(personCount) || personCount < 1) throw new Error('--persons: ожидается целое число > 0');

// Deterministic generator, so two runs measure the same register.
let state = Number(args.seed) >>> 0 || 1;
function rnd(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x1_0000_0000;
}
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

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
const digitsOf = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
const emailDomains = ['mail.ru', 'yandex.ru', 'gmail.com', 'inbox.ru', 'bk.ru', 'mail.kz', 'inbox.kz', 'list.ru'];

interface Person {
  fullName: string;
  phone: string | null;
  email: string | null;
}

function makePerson(usedPhones: Set<string>, usedEmails: Set<string>): Person {
  const kz = rnd() < 0.4;
  const female = rnd() < 0.55;
  const surname = kz ? pick(kzSurnames) : pick(ruSurnames);
  const s = female ? feminine(surname) : surname;
  const first = kz ? pick(female ? kzFemale : kzMale) : pick(female ? ruFemale : ruMale);
  const patronymic = rnd() < 0.8 ? ` ${kz ? pick(female ? kzPatronF : kzPatronM) : pick(female ? ruPatronF : ruPatronM)}` : '';
  const fullName = `${s} ${first}${patronymic}`;
  let phone: string | null = null;
  if (rnd() < 0.92) {
    for (let attempt = 0; attempt < 20 && !phone; attempt++) {
      const fixed = rnd() < 0.1;
      const code = kz ? pick(fixed ? kzFixed : kzMobile) : pick(fixed ? ruFixed : ruMobile);
      const typed = `8 (${code}) ${digitsOf(10 - code.length)}`;
      try {
        const e164 = normalizePhone(typed, kz ? 'KZ' : 'RU').e164;
        if (!usedPhones.has(e164)) phone = e164;
      } catch {
        // an unassigned range: draw again
      }
    }
    if (phone) usedPhones.add(phone);
  }
  let email: string | null = null;
  if (rnd() < 0.7) {
    const local = `${latin(first)}.${latin(surname)}${rnd() < 0.6 ? int(1000) : ''}`;
    const candidate = `${local}@${pick(emailDomains)}`;
    if (!usedEmails.has(candidate)) {
      email = candidate;
      usedEmails.add(candidate);
    }
  }
  return { fullName, phone, email };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] as number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const dir = args.keep ? resolve(args.keep) : mkdtempSync(join(tmpdir(), 'pdesk-bench-'));
  if (args.keep) mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'bench.pdesk');
  const password = 'bench-password-1';
  try {
    const t0 = performance.now();
    await createRegister({
      dbPath,
      operator: { name: 'ООО «Клиника»', address: 'г. Алматы, пр. Абая, 1', taxId: '123456789012' },
      jurisdiction: 'RU',
      admin: { login: 'bench', fullName: 'Бенчмарков Бенчмарк', password, role: 'manager' },
    });
    const session = await openRegister({ dbPath, login: 'bench', password });
    const { db } = session.ctx;

    const usedPhones = new Set<string>();
    const usedEmails = new Set<string>();
    const people: Person[] = [];
    for (let i = 0; i < personCount; i++) people.push(makePerson(usedPhones, usedEmails));
    const tGen = performance.now();
    // Generation writes through SQL directly: the triggers of migration 0001 fill both FTS tables
    // exactly as person.add would.
    const insert = db.prepare(
      "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'import', ?, ?, ?)",
    );
    const at = new Date().toISOString();
    db.transaction(() => {
      for (const p of people) insert.run(p.fullName, p.phone, p.email, p.email ? foldEmail(p.email) : null, session.ctx.actor.id, at, at);
    }).immediate();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('ANALYZE');
    const tInsert = performance.now();

    // Queries drawn from the generated people, typed the way a desk would.
    const nameWords = people.flatMap((p) => p.fullName.split(/[\s-]+/).slice(0, 2));
    const caseVariants = [(s: string) => s.toLowerCase(), (s: string) => s.toUpperCase(), (s: string) => s];
    const nameQueries = Array.from({ length: queryCount }, () => {
      let prefix = pick(nameWords).slice(0, 2 + int(3));
      if (rnd() < 0.3) prefix = prefix.replace(/ё/g, 'е');
      return pick(caseVariants)(prefix);
    });
    // Whole words as the desk often types them: "Александровна" is longer than the prefix
    // indexes and takes the narrowing path of db/search.ts.
    const wordQueries = Array.from({ length: queryCount }, () => pick(caseVariants)(pick(nameWords)));
    const withPhone = people.filter((p) => p.phone);
    const phoneQueries = Array.from({ length: queryCount }, () => {
      const digits = (pick(withPhone).phone as string).slice(1);
      const len = 3 + int(4);
      const start = int(digits.length - len + 1);
      return digits.slice(start, start + len);
    });
    const withEmail = people.filter((p) => p.email);
    const emailQueries = Array.from({ length: queryCount }, () => {
      const email = pick(withEmail).email as string;
      const prefix = email.slice(0, 3 + int(6));
      // Half typed with the "@" of a known address's start, half as the bare start of the address.
      return rnd() < 0.5 ? prefix : email.slice(0, email.indexOf('@') + 1);
    });

    const run = async (queries: string[]) => {
      const times: number[] = [];
      const cpuTimes: number[] = [];
      const modes: Record<string, number> = {};
      let hits = 0;
      let empty = 0;
      for (const q of queries) {
        const c = process.cpuUsage();
        const t = performance.now();
        const r = (await dispatch(session.ctx, 'person.find', { query: q, limit })) as SearchResult;
        times.push(performance.now() - t);
        const used = process.cpuUsage(c);
        cpuTimes.push((used.user + used.system) / 1000);
        modes[r.mode] = (modes[r.mode] ?? 0) + 1;
        hits += r.items.length;
        if (r.items.length === 0) empty++;
      }
      times.sort((a, b) => a - b);
      cpuTimes.sort((a, b) => a - b);
      return {
        queries: queries.length,
        p50: round(percentile(times, 50)),
        p95: round(percentile(times, 95)),
        max: round(times[times.length - 1] as number),
        // CPU time of this process per query: what the query itself costs, without the time the
        // process waited for a core (other work on a shared 2-core machine shows up in p95 above).
        cpuP50: round(percentile(cpuTimes, 50)),
        cpuP95: round(percentile(cpuTimes, 95)),
        meanHits: round(hits / queries.length),
        emptyResults: empty,
        modes,
      };
    };

    // A short warm-up: the first queries after unlocking read pages from disk and decrypt them.
    await run([...nameQueries.slice(0, 10), ...phoneQueries.slice(0, 10), ...emailQueries.slice(0, 10)]);
    const results = {
      name_prefix: await run(nameQueries),
      name_word: await run(wordQueries),
      phone_fragment: await run(phoneQueries),
      email_prefix: await run(emailQueries),
    };
    const tEnd = performance.now();

    const report = {
      persons: personCount,
      withPhone: withPhone.length,
      withEmail: withEmail.length,
      limit,
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      loadAverage: loadavg().map(round),
      at: new Date().toISOString(),
      seconds: { setup: round((tGen - t0) / 1000), insert: round((tInsert - tGen) / 1000), queries: round((tEnd - tInsert) / 1000) },
      results,
    };
    session.close();

    console.log(`Поиск: ${personCount} субъектов (с телефоном ${withPhone.length}, с e-mail ${withEmail.length}), лимит ${limit}, ${cpus().length} CPU`);
    console.log(`Заполнение: ${report.seconds.insert} с; запросы: ${report.seconds.queries} с; загрузка системы: ${report.loadAverage.join(' ')}`);
    console.log('');
    console.log('вид запроса       запросов    p50, мс    p95, мс    max, мс   CPU p95, мс   в среднем найдено');
    for (const [kind, r] of Object.entries(results)) {
      console.log(
        `${kind.padEnd(16)} ${String(r.queries).padStart(9)} ${r.p50.toFixed(2).padStart(10)} ${r.p95.toFixed(2).padStart(10)} ${r.max.toFixed(2).padStart(10)} ${r.cpuP95.toFixed(2).padStart(13)} ${r.meanHits.toFixed(1).padStart(19)}`,
      );
    }
    const jsonPath = resolve(args.json);
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${jsonPath}`);
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();

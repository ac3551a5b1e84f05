// `node test/bench/ui-search.ts`: keystroke-to-paint of the search screen in a real Chromium.
//   node test/bench/ui-search.ts [--persons N] [--fragments N] [--delay MS] [--json FILE] [--seed N]
// Fills a real encrypted register with N generated people (plain SQL inserts; the schema's
// triggers fill the search indexes exactly as person.add does), starts browser mode on it, signs in
// as a receptionist and types name fragments into the search field, one key at a time with a
// typist's pause between keys. For every keystroke it measures the time from the key's input event
// to the first painted answer for that text or a later one (the page reports each painted answer
// through a probe the script installs: window.__pdSearchPainted, called after React committed the
// answer, one animation frame, then the task after the frame). Then it scrolls the longest result
// list frame by frame and reports frame times and how many rows the page holds (virtualised).
// Prints the numbers and writes JSON (default out/bench-ui-search.json). Not a test: nothing fails.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { dispatch } from '../../db/api.ts';
import { Engine } from '../../db/engine/engine.ts';
import { foldEmail, normalizePhone } from '../../db/phones.ts';
import { createRegister, openRegister } from '../../db/register.ts';
import { startBrowserHost } from '../../electron/browser-host.ts';
import { ensureRendererBuilt, rendererOut } from '../e2e/support/build.ts';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    fragments: { type: 'string', default: '60' },
    delay: { type: 'string', default: '90' },
    json: { type: 'string', default: 'out/bench-ui-search.json' },
    seed: { type: 'string', default: '20260216' },
  },
});
const personCount = Number(args.persons);
const fragmentCount = Number(args.fragments);
const keyDelay = Number(args.delay);
const chromiumPath = process.env.PRIVACY_DESK_CHROMIUM ?? '/usr/bin/chromium';

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
const words = (text: string) => text.trim().split(/\s+/);

const surnames = words(`
  Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев
  Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев
  Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв
  Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков
  Ахметов Байжанов Есенов Жұмабаев Қасымов Мұқанов Нұрланов Оразбаев Сәрсенбаев Сұлтанов Төлеуов Ұзақов
  Әбдірахманов Ғабдуллин Кенжебаев Асанов Досқалиев Жаңабаев Сағынтаев Ибраев Іскаков Бекқожин
`);
const male = words(`Александр Алексей Андрей Артём Борис Виктор Владимир Дмитрий Евгений Иван Игорь Кирилл Максим
  Михаил Никита Николай Олег Павел Роман Сергей Юрий Арман Асхат Ерлан Қайрат Мұрат Нұрлан Серік Талғат Әлихан`);
const female = words(`Анна Алина Анастасия Валентина Вера Галина Дарья Екатерина Елена Ирина Ксения Марина Мария
  Наталья Ольга Полина Светлана Татьяна Юлия Айгүл Айгерім Әлия Гүлнар Дана Жанар Меруерт Сәуле Ұлжан`);
const patronM = words(`Александрович Алексеевич Андреевич Викторович Владимирович Иванович Сергеевич Қайратұлы Нұрланұлы`);
const patronF = words(`Александровна Алексеевна Андреевна Викторовна Владимировна Ивановна Сергеевна Қайратқызы Нұрланқызы`);

function feminine(surname: string): string {
  if (/(ов|ев|ёв|ин)$/.test(surname)) return `${surname}а`;
  return surname;
}

interface Person {
  fullName: string;
  phone: string | null;
  email: string | null;
}

function makePerson(i: number, usedPhones: Set<string>): Person {
  const f = rnd() < 0.55;
  const fullName = `${f ? feminine(pick(surnames)) : pick(surnames)} ${pick(f ? female : male)}${rnd() < 0.8 ? ` ${pick(f ? patronF : patronM)}` : ''}`;
  let phone: string | null = null;
  for (let attempt = 0; attempt < 10 && !phone && rnd() < 0.95; attempt++) {
    const typed = `8 (9${String(int(100)).padStart(2, '0')}) ${String(int(10_000_000)).padStart(7, '0')}`;
    try {
      const e164 = normalizePhone(typed, 'RU').e164;
      if (!usedPhones.has(e164)) phone = e164;
    } catch {
      // an unassigned range: draw again
    }
  }
  if (phone) usedPhones.add(phone);
  const email = rnd() < 0.6 ? `user${i}.${int(1000)}@example.ru` : null;
  return { fullName, phone, email };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
const round = (x: number) => Math.round(x * 100) / 100;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), max: round(s.at(-1) ?? Number.NaN) };
};

interface PageLog {
  calls: number[];
  inputs: { t: number; value: string }[];
  paints: { q: string; at: number; rows: number }[];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pdesk-bench-ui-'));
  const dbPath = join(dir, 'bench.pdesk');
  const password = 'bench-password-1';
  const deskPassword = 'desk-password-1';
  let engine: Engine | undefined;
  let host: Awaited<ReturnType<typeof startBrowserHost>> | undefined;
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const t0 = performance.now();
    await createRegister({
      dbPath,
      operator: { name: 'ООО «Клиника»', address: 'г. Москва, ул. Лесная, 5', taxId: '7701234567' },
      jurisdiction: 'RU',
      admin: { login: 'bench', fullName: 'Бенчмарков Бенчмарк', password, role: 'manager' },
    });
    const session = await openRegister({ dbPath, login: 'bench', password });
    await dispatch(session.ctx, 'user.add', {
      login: 'desk',
      fullName: 'Регистраторова Анна',
      position: 'Регистратор',
      role: 'receptionist',
      password: deskPassword,
    });
    const usedPhones = new Set<string>();
    const people = Array.from({ length: personCount }, (_, i) => makePerson(i, usedPhones));
    const insert = session.ctx.db.prepare(
      "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'import', ?, ?, ?)",
    );
    const at = new Date().toISOString();
    session.ctx.db
      .transaction(() => {
        for (const p of people) insert.run(p.fullName, p.phone, p.email, p.email ? foldEmail(p.email) : null, session.ctx.actor.id, at, at);
      })
      .immediate();
    session.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    session.ctx.db.exec('ANALYZE');
    session.close();
    const tFill = performance.now();

    await ensureRendererBuilt();
    engine = new Engine({ dbPath });
    host = await startBrowserHost({ engine, staticDir: rendererOut, exportsDir: dir });
    const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 900 } });
    // The probe and the input log, installed before the page's own script runs.
    await context.addInitScript(`
      window.__pdBench = { inputs: [], paints: [], calls: [] };
      // How long person.find takes on the wire (host, engine worker, SQLite, JSON), to tell it from
      // the page's own work.
      const realFetch = window.fetch.bind(window);
      window.fetch = async (url, init) => {
        const body = init && typeof init.body === 'string' ? init.body : '';
        if (!body.includes('"person.find"')) return realFetch(url, init);
        const t = performance.now();
        const res = await realFetch(url, init);
        await res.clone().text();
        window.__pdBench.calls.push(performance.now() - t);
        return res;
      };
      document.addEventListener('input', (e) => {
        if (e.target && e.target.id === 'search-input') window.__pdBench.inputs.push({ t: e.timeStamp, value: e.target.value });
      }, true);
      window.__pdSearchPainted = (q, at) => {
        window.__pdBench.paints.push({ q, at, rows: document.querySelectorAll('[role="option"]').length });
      };
    `);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(host.url);
    await page.getByLabel('Логин').fill('desk');
    await page.getByLabel('Пароль').fill(deskPassword);
    await page.keyboard.press('Enter');
    const search = page.getByRole('searchbox', { name: 'Найти человека' });
    await search.waitFor();

    // Fragments as the desk types them: the start of a surname or a first name, 2 to 6 letters,
    // sometimes two words ("Иван Ал").
    const nameWords = people.slice(0, 5000).flatMap((p) => p.fullName.split(' ').slice(0, 2));
    const fragments = Array.from({ length: fragmentCount }, () => {
      const w = pick(nameWords);
      const first = w.slice(0, 2 + int(5)).toLowerCase();
      return rnd() < 0.2 ? `${first} ${pick(nameWords).slice(0, 2).toLowerCase()}` : first;
    });
    // Warm-up: the first queries after unlocking read and decrypt pages from disk.
    for (const w of ['ив', 'пет', 'ахм']) {
      await search.fill(w);
      await page.waitForTimeout(300);
    }
    await page.evaluate('window.__pdBench.inputs = []; window.__pdBench.paints = []; window.__pdBench.calls = []');

    const latencies: number[] = [];
    const calls: number[] = [];
    let keystrokes = 0;
    const tType = performance.now();
    for (const fragment of fragments) {
      await search.fill('');
      await page.evaluate('window.__pdBench.inputs = []; window.__pdBench.paints = []; window.__pdBench.calls = []');
      for (const ch of fragment) {
        await page.keyboard.type(ch);
        keystrokes++;
        await page.waitForTimeout(keyDelay * (0.6 + 0.8 * rnd()));
      }
      // The last keystroke's answer is on screen before the next fragment starts.
      await page.waitForFunction((v) => (globalThis as unknown as { __pdBench: PageLog }).__pdBench.paints.some((p) => p.q === v), fragment, {
        timeout: 10_000,
      });
      const log = (await page.evaluate('window.__pdBench')) as PageLog;
      calls.push(...log.calls);
      const typed = log.inputs.filter((i) => i.value !== '');
      typed.forEach((input, i) => {
        const laterValues = new Set(typed.slice(i).map((x) => x.value));
        const paint = log.paints.find((p) => p.at >= input.t && laterValues.has(p.q));
        if (paint) latencies.push(paint.at - input.t);
      });
    }
    const tTyped = performance.now();

    // Scrolling: the longest list a one-letter query gives, scrolled one step per frame.
    await search.fill('а');
    await page.waitForFunction(() => (globalThis as unknown as { __pdBench: PageLog }).__pdBench.paints.some((p) => p.q === 'а'));
    const scroll = (await page.evaluate(`new Promise((done) => {
      const el = document.querySelector('[data-testid="results-scroll"]');
      const frames = [];
      const domRows = [];
      let last = performance.now();
      const start = last;
      const step = 48;
      function frame(now) {
        frames.push(now - last);
        last = now;
        domRows.push(el.querySelectorAll('[role="option"]').length);
        el.scrollTop = el.scrollTop + step >= el.scrollHeight - el.clientHeight ? 0 : el.scrollTop + step;
        if (now - start < 4000) requestAnimationFrame(frame);
        else done({ frames: frames.slice(2), domRows, options: document.querySelector('[role="listbox"]').getAttribute('aria-label'), total: el.scrollHeight });
      }
      requestAnimationFrame(frame);
    })`)) as { frames: number[]; domRows: number[]; total: number };
    const listed = (await page.evaluate(`document.querySelector('.results-status').textContent`)) as string;

    const key = stats(latencies);
    const call = stats(calls);
    const frames = stats(scroll.frames);
    const report = {
      persons: personCount,
      keystrokes,
      measured: latencies.length,
      keyDelayMs: keyDelay,
      keystrokeToPaintMs: key,
      personFindRoundTripMs: call,
      scroll: {
        frames: frames.n,
        frameMs: frames,
        over33ms: scroll.frames.filter((f) => f > 33.4).length,
        over50ms: scroll.frames.filter((f) => f > 50).length,
        rowsInPageMax: Math.max(...scroll.domRows),
        listHeightPx: scroll.total,
        status: listed,
      },
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      loadAverage: loadavg().map(round),
      chromium: browser.version(),
      seconds: { fill: round((tFill - t0) / 1000), typing: round((tTyped - tType) / 1000) },
      at: new Date().toISOString(),
    };
    console.log(`Поиск в интерфейсе: ${personCount} субъектов, ${keystrokes} нажатий (пауза ~${keyDelay} мс), Chromium ${report.chromium}, ${report.cpus} CPU`);
    console.log(`Заполнение: ${report.seconds.fill} с; загрузка системы: ${report.loadAverage.join(' ')}`);
    console.log('');
    console.log(`нажатие → ответ на экране, мс: p50 ${key.p50}   p95 ${key.p95}   max ${key.max}   (измерено ${key.n})`);
    console.log(`из них вызов person.find (хост, движок, SQLite, JSON), мс: p50 ${call.p50}   p95 ${call.p95}   max ${call.max}   (вызовов ${call.n})`);
    console.log(
      `прокрутка списка (${listed.trim()}): кадров ${frames.n}, кадр p50 ${frames.p50} мс, p95 ${frames.p95} мс, max ${frames.max} мс; ` +
        `кадров > 33 мс: ${report.scroll.over33ms}, > 50 мс: ${report.scroll.over50ms}; строк в странице не больше ${report.scroll.rowsInPageMax}`,
    );
    const jsonPath = resolve(args.json);
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON: ${jsonPath}`);
  } finally {
    await browser.close();
    await host?.close();
    await engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

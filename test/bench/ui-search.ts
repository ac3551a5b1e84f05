// `npm run bench:ui`: keystroke-to-paint of the search screen in a real Chromium.
//   node test/bench/ui-search.ts [--persons N] [--fragments N] [--delay MS] [--json FILE] [--seed N]
//     [--db FILE --password-stdin [--login desk]]
// Fills a real encrypted register with N generated people (people.ts; insertPersons, the insert of
// person.add and import, so the schema's triggers fill the search indexes as the desk's do) — or,
// with --db, uses a register already filled (bench.ts passes its own, generated with the same seed,
// and the receptionist's password on stdin) — starts browser mode on it, signs in
// as a receptionist and types name fragments into the search field, one key at a time with a
// typist's pause between keys. For every keystroke it measures the time from the key's input event
// to the first painted answer for that text or a later one (the page reports each painted answer
// through a probe the script installs: window.__pdSearchPainted, called after React committed the
// answer, one animation frame, then the task after the frame). Then it scrolls the longest result
// list frame by frame and reports frame times and how many rows the page holds (virtualised).
// Prints the numbers and writes JSON (default out/bench-ui-search.json). Not a test: nothing fails.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { dispatch } from '../../db/api.ts';
import { Engine } from '../../db/engine/engine.ts';
import { insertPersons, type PersonSource } from '../../db/persons.ts';
import { createRegister, openRegister } from '../../db/register.ts';
import { startBrowserHost } from '../../electron/browser-host.ts';
import { ensureRendererBuilt, rendererOut } from '../e2e/support/build.ts';
import { PeopleGenerator, Rng } from './people.ts';
import { round, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    fragments: { type: 'string', default: '60' },
    delay: { type: 'string', default: '90' },
    json: { type: 'string', default: 'out/bench-ui-search.json' },
    seed: { type: 'string', default: '20260216' },
    db: { type: 'string' },
    login: { type: 'string', default: 'desk' },
    'password-stdin': { type: 'boolean', default: false },
  },
});
const personCount = Number(args.persons);
const fragmentCount = Number(args.fragments);
const keyDelay = Number(args.delay);
const chromiumPath = process.env.PRIVACY_DESK_CHROMIUM ?? '/usr/bin/chromium';
const rng = new Rng(Number(args.seed) ^ 0x9e3779b9);

const stats = (xs: number[]) => {
  const { n, p50, p95, max } = summarize(xs);
  return { n, p50: round(p50, 2), p95: round(p95, 2), max: round(max, 2) };
};

interface PageLog {
  calls: number[];
  inputs: { t: number; value: string }[];
  paints: { q: string; at: number; rows: number }[];
}

// A register of its own: N people in batches through insertPersons, as an import would add them.
async function fillRegister(dbPath: string, password: string, deskPassword: string): Promise<void> {
  await createRegister({
    dbPath,
    operator: { name: 'ООО «Клиника»', address: 'г. Москва, ул. Лесная, 5', taxId: '7701234567' },
    jurisdiction: 'RU',
    admin: { login: 'bench', fullName: 'Бенчмарков Бенчмарк', password, role: 'manager' },
  });
  const session = await openRegister({ dbPath, login: 'bench', password });
  try {
    await dispatch(session.ctx, 'user.add', {
      login: 'desk',
      fullName: 'Регистраторова Анна',
      position: 'Регистратор',
      role: 'receptionist',
      password: deskPassword,
    });
    const gen = new PeopleGenerator(Number(args.seed));
    const { db } = session.ctx;
    const sources = ['walk_in', 'appointment', 'website_form', 'phone_call'] as const;
    for (let done = 0; done < personCount; ) {
      const n = Math.min(1000, personCount - done);
      const batch = gen.take(n).map((p, i) => ({
        fullName: p.fullName,
        phone: p.phone,
        email: p.email && p.emailFold ? { email: p.email, fold: p.emailFold } : null,
        source: sources[(done + i) % sources.length] as PersonSource,
      }));
      db.transaction(() => insertPersons(session.ctx, batch)).immediate();
      done += n;
    }
  } finally {
    session.close();
  }
}

function readStdin(): string {
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pdesk-bench-ui-'));
  const dbPath = args.db ? resolve(args.db) : join(dir, 'bench.pdesk');
  const password = 'bench-password-1';
  const deskLogin = args.db ? args.login : 'desk';
  const deskPassword = args['password-stdin'] ? readStdin() : 'desk-password-1';
  let engine: Engine | undefined;
  let host: Awaited<ReturnType<typeof startBrowserHost>> | undefined;
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const t0 = performance.now();
    if (!args.db) await fillRegister(dbPath, password, deskPassword);
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
    await page.getByLabel('Логин').fill(deskLogin);
    await page.getByLabel('Пароль').fill(deskPassword);
    await page.keyboard.press('Enter');
    const search = page.getByRole('searchbox', { name: 'Найти человека' });
    // Sign-in pays the real Argon2id in the engine: on a busy machine that alone can take seconds.
    try {
      await search.waitFor({ timeout: 120_000 });
    } catch (err) {
      const text = ((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ').slice(0, 400);
      throw new Error(`после входа нет поля поиска; на странице: «${text}»`, { cause: err });
    }

    // Fragments as the desk types them: the start of a surname or a first name, 2 to 6 letters,
    // sometimes two words ("Иван Ал").
    // The first 5000 people of the register: the same seed gives the same people.
    const nameWords = new PeopleGenerator(Number(args.seed)).take(Math.min(5000, personCount)).flatMap((p) => p.fullName.split(' ').slice(0, 2));
    const fragments = Array.from({ length: fragmentCount }, () => {
      const w = rng.pick(nameWords);
      const first = w.slice(0, 2 + rng.int(5)).toLowerCase();
      return rng.chance(0.2) ? `${first} ${rng.pick(nameWords).slice(0, 2).toLowerCase()}` : first;
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
        await page.waitForTimeout(keyDelay * (0.6 + 0.8 * rng.next()));
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
      loadAverage: loadavg().map((l) => round(l, 2)),
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

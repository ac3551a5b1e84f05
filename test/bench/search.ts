// `npm run bench:search`: search timings alone, on a register of generated people (people.ts).
//   node test/bench/search.ts [--persons N] [--queries N] [--json FILE] [--seed N] [--keep DIR]
// Creates a real encrypted register in a temp dir, fills it with Russian and Kazakh names, valid
// RU/KZ phones and e-mails (people only, through insertPersons; `npm run bench` builds a register
// with a history), then times `person.find` through the operation table (the same path the desk
// uses) for name prefixes, whole name words, phone fragments and e-mail prefixes.
// Prints a table, writes JSON (default out/bench-search.json) and removes the temp dir (with
// --keep DIR the register is created in DIR and left there, password `bench-password-1`, for
// EXPLAIN QUERY PLAN sessions).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dispatch } from '../../db/api.ts';
import { insertPersons, type PersonSource } from '../../db/persons.ts';
import { createRegister, openRegister } from '../../db/register.ts';
import type { SearchResult } from '../../db/search.ts';
import { PeopleGenerator, type Person, Rng, searchQueries } from './people.ts';
import { percentile, round } from './stats.ts';

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

    const gen = new PeopleGenerator(Number(args.seed));
    const people: Person[] = [];
    const tGen = performance.now();
    // insertPersons in batches: the insert of person.add and import, so the schema's triggers fill
    // both FTS tables as the desk's own inserts do.
    const sources = ['walk_in', 'appointment', 'website_form', 'phone_call'] as const;
    while (people.length < personCount) {
      const batch = gen.take(Math.min(1000, personCount - people.length));
      db.transaction(() =>
        insertPersons(
          session.ctx,
          batch.map((p, i) => ({
            fullName: p.fullName,
            phone: p.phone,
            email: p.email && p.emailFold ? { email: p.email, fold: p.emailFold } : null,
            source: sources[(people.length + i) % sources.length] as PersonSource,
          })),
        ),
      ).immediate();
      people.push(...batch);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const tInsert = performance.now();

    // Queries drawn from the generated people, typed the way a desk would.
    const q = searchQueries(new Rng(Number(args.seed) ^ 0x2545f491), people, queryCount);
    const withPhone = people.filter((p) => p.phone);
    const withEmail = people.filter((p) => p.email);

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
    await run([...q.namePrefix.slice(0, 10), ...q.phoneFragment.slice(0, 10), ...q.emailPrefix.slice(0, 10)]);
    const results = {
      name_prefix: await run(q.namePrefix),
      name_word: await run(q.nameWord),
      phone_fragment: await run(q.phoneFragment),
      email_prefix: await run(q.emailPrefix),
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
      loadAverage: loadavg().map((l) => round(l, 2)),
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

// Time and peak memory of exporting a large consents register.
//   node test/bench/export-memory.ts [--persons N] [--formats xlsx,csv,pdf] [--json FILE] [--keep DIR [--reuse]]
// Creates a real encrypted register in a temp dir, fills it with N people (Russian and Kazakh
// names, phones, e-mails) each with one consent on paper (so the consents register has N rows),
// by plain SQL inserts in one transaction. Then each format is exported in its own child process
// through the operation table (`register.export`), so each peak RSS is that export's alone: the
// child opens the register with the raw key as the engine's job worker does, and reports its RSS
// before the export and the process's peak (getrusage maxrss) after it, with wall and CPU time
// (CPU time is the figure to compare when the machine is busy with other work).
// Targets (issue 5): XLSX ≤ 5 s and peak RSS ≤ 300 MB; CSV ≤ 1 s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dispatch } from '../../db/api.ts';
import { openDatabase } from '../../db/connection.ts';
import type { Ctx } from '../../db/context.ts';
import { keyringPathFor } from '../../db/keyring.ts';
import { createRegister, openRegister } from '../../db/register.ts';

const managerPassword = 'bench-password-1';
const fixedNow = () => new Date('2026-02-16T09:00:00');

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    formats: { type: 'string', default: 'xlsx,csv,pdf' },
    json: { type: 'string', default: 'out/bench-export-memory.json' },
    keep: { type: 'string' },
    // Internal: run one export in this process and print its figures.
    child: { type: 'string' },
    db: { type: 'string' },
    out: { type: 'string' },
    // With --keep: reuse the register already there instead of filling a new one.
    reuse: { type: 'boolean', default: false },
  },
});

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

// The export runs as the engine's job worker runs it: its own connection opened with the raw key
// it was lent (no password hashing in this process), the manager as actor.
async function runChild(format: string, dbPath: string, outPath: string): Promise<void> {
  const rawKey = Buffer.from(readFileSync(0, 'utf8').trim(), 'hex');
  const db = openDatabase(dbPath, rawKey);
  try {
    const actor = db.prepare("SELECT id, login, full_name AS fullName, role FROM users WHERE login = 'manager'").get() as Ctx['actor'];
    const registerId = (db.prepare('SELECT register_id FROM register_info').get() as { register_id: string }).register_id;
    let progressEvents = 0;
    const ctx: Ctx = {
      db,
      actor,
      dbPath,
      keyringPath: keyringPathFor(dbPath),
      registerId,
      rawKey,
      now: fixedNow,
      job: { progress: () => progressEvents++, checkpoint: () => {} },
    };
    const baseRss = process.memoryUsage().rss;
    let sampledPeak = baseRss;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
    }, 20);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = (await dispatch(ctx, 'register.export', { register: 'consents', format, outPath })) as { rows: number; sha256: string };
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    // ru_maxrss is in kilobytes on Linux: the peak of the whole process.
    const maxRss = process.resourceUsage().maxRSS * 1024;
    process.stdout.write(
      `${JSON.stringify({
        format,
        rows: result.rows,
        ms: Math.round(ms),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        bytes: statSync(outPath).size,
        baseRssMB: mb(baseRss),
        peakRssMB: mb(Math.max(maxRss, sampledPeak)),
        progressEvents,
      })}\n`,
    );
  } finally {
    db.close();
  }
}

// ---- generated register -------------------------------------------------------------------------

const surnames = [
  'Иванова',
  'Смирнов',
  'Әбдірахманов',
  'Жұмабаева',
  'Қасымов',
  'Нұрланова',
  'Өтегенов',
  'Үсенова',
  'Ғалымжанов',
  'Фёдорова',
  'Ілиясов',
  'Һашимов',
];
const given = ['Анна', 'Пётр', 'Әлия', 'Ғалия', 'Қанат', 'Нұрлан', 'Өмір', 'Ұлан', 'Үміт', 'Іңкәр', 'Ерлан', 'Алёна'];
const patronymics = ['Сергеевна', 'Иванович', 'Қанатқызы', 'Нұрланұлы', 'Петровна', 'Ерланұлы'];

async function makeRegister(dir: string, persons: number): Promise<{ dbPath: string; rawKeyHex: string }> {
  const dbPath = join(dir, 'register.pdesk');
  await createRegister(
    {
      dbPath,
      operator: { name: 'ТОО «Клиника Денсаулық»', address: 'г. Алматы, пр. Абая, д. 10', taxId: '123456789012' },
      jurisdiction: 'KZ',
      admin: { login: 'admin', fullName: 'Админов Админ', position: 'Администратор', password: 'bench-admin-pass-1' },
    },
    fixedNow,
  );
  const admin = await openRegister({ dbPath, login: 'admin', password: 'bench-admin-pass-1', now: fixedNow });
  let rawKeyHex = '';
  try {
    await dispatch(admin.ctx, 'user.add', {
      login: 'manager',
      fullName: 'Руководова Мария Петровна',
      position: 'Главный врач',
      role: 'manager',
      password: managerPassword,
    });
    const db = admin.ctx.db;
    rawKeyHex = admin.ctx.rawKey.toString('hex');
    const purpose = (db.prepare("SELECT id FROM purposes WHERE code = 'marketing'").get() as { id: number }).id;
    const person = db.prepare(
      "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'walk_in', 1, ?, ?)",
    );
    const consent = db.prepare(
      `INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, form_version, paper_form_number, received_by, valid_until, recorded_by, recorded_at)
       VALUES (?, ?, 'given', ?, 'paper', 'v3', ?, 1, ?, 1, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < persons; i++) {
        const name = `${surnames[i % surnames.length]} ${given[(i * 7) % given.length]} ${patronymics[(i * 5) % patronymics.length]}`;
        const email = i % 3 === 0 ? `p${i}@example.kz` : null;
        const id = Number(
          person.run(name, `+7701${String(i).padStart(7, '0')}`, email, email, '2026-01-10T06:00:00.000Z', '2026-01-10T06:00:00.000Z').lastInsertRowid,
        );
        const day = `2026-01-${String(10 + (i % 20)).padStart(2, '0')}`;
        consent.run(id, purpose, day, `Б-${i + 1}`, i % 2 === 0 ? '2027-01-31' : null, '2026-01-10T06:00:00.000Z');
      }
    })();
  } finally {
    admin.close();
  }
  return { dbPath, rawKeyHex };
}

async function main(): Promise<void> {
  if (args.child) {
    await runChild(args.child, resolve(args.db!), resolve(args.out!));
    return;
  }
  const persons = Number(args.persons);
  if (!Number.isInteger(persons) || persons < 1) throw new Error('--persons: ожидается целое число > 0');
  const formats = args.formats.split(',').map((f) => f.trim());
  const dir = args.keep ? resolve(args.keep) : mkdtempSync(join(tmpdir(), 'pdesk-bench-export-'));
  mkdirSync(dir, { recursive: true });
  try {
    const t0 = performance.now();
    let dbPath = join(dir, 'register.pdesk');
    let rawKeyHex: string;
    if (args.reuse && existsSync(dbPath)) {
      const admin = await openRegister({ dbPath, login: 'admin', password: 'bench-admin-pass-1', now: fixedNow });
      rawKeyHex = admin.ctx.rawKey.toString('hex');
      admin.close();
      console.log(`register: reused ${dbPath}`);
    } else {
      ({ dbPath, rawKeyHex } = await makeRegister(dir, persons));
      console.log(`register: ${persons} persons with a consent each, filled in ${Math.round(performance.now() - t0)} ms`);
    }
    const self = fileURLToPath(import.meta.url);
    const results: Record<string, unknown>[] = [];
    for (const format of formats) {
      const out = join(dir, `consents.${format}`);
      rmSync(out, { force: true });
      // The key goes through stdin: never on a command line another user could read.
      const child = spawnSync(process.execPath, [self, '--child', format, '--db', dbPath, '--out', out], {
        input: rawKeyHex,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`export ${format} failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
        format: string;
        rows: number;
        ms: number;
        cpuMs: number;
        bytes: number;
        baseRssMB: number;
        peakRssMB: number;
      };
      results.push(r);
      console.log(
        `${format.padEnd(5)} ${String(r.rows).padStart(7)} rows  ${String(r.ms).padStart(6)} ms (CPU ${r.cpuMs} ms)  ${String(mb(r.bytes)).padStart(6)} MB file  RSS before ${r.baseRssMB} MB, peak ${r.peakRssMB} MB`,
      );
    }
    const summary = { at: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: loadavg(), persons, results };
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(resolve(args.json), `${JSON.stringify(summary, null, 2)}\n`);
    const xlsx = results.find((r) => r.format === 'xlsx') as { ms: number; peakRssMB: number } | undefined;
    const csv = results.find((r) => r.format === 'csv') as { ms: number } | undefined;
    if (xlsx) console.log(`XLSX: ${xlsx.ms <= 5000 ? 'в пределах' : 'ПРЕВЫШЕНО'} 5 с; пик RSS ${xlsx.peakRssMB <= 300 ? 'в пределах' : 'ПРЕВЫШЕН'} 300 МБ`);
    if (csv) console.log(`CSV: ${csv.ms <= 1000 ? 'в пределах' : 'ПРЕВЫШЕНО'} 1 с`);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, ${cpus().length} CPUs`,
    );
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();

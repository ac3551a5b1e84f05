// One long operation in a process of its own, as the engine's job worker runs it: its own
// connection opened with the raw key it was lent (no password hashing here), the manager as actor,
// the operation through the operation table. Prints one JSON line: wall and CPU time, RSS before
// and the process's peak (VmHWM, and a 20 ms sampler), progress events seen, and the
// result's small fields. Used by bench.ts for exports, the inspection pack and the chain check, so
// each peak RSS is that operation's alone.
//   input on stdin: {"dbPath", "rawKeyHex", "login", "op", "input"}
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dispatch } from '../../db/api.ts';
import { openDatabase } from '../../db/connection.ts';
import type { Ctx } from '../../db/context.ts';
import { keyringPathFor } from '../../db/keyring.ts';

interface ChildInput {
  dbPath: string;
  rawKeyHex: string;
  login: string;
  op: string;
  input: unknown;
}

export interface ChildResult {
  op: string;
  ms: number;
  cpuMs: number;
  baseRssMB: number;
  peakRssMB: number;
  progressEvents: number;
  result: Record<string, unknown>;
}

function peakRssOfThisImage(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux: the sampler's figure stands alone
  }
  return 0;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const job = JSON.parse(readFileSync(0, 'utf8')) as ChildInput;
const rawKey = Buffer.from(job.rawKeyHex, 'hex');
const db = openDatabase(job.dbPath, rawKey);
try {
  const actor = db.prepare('SELECT id, login, full_name AS fullName, role FROM users WHERE login = ?').get(job.login) as Ctx['actor'];
  const registerId = (db.prepare('SELECT register_id FROM register_info').get() as { register_id: string }).register_id;
  let progressEvents = 0;
  const ctx: Ctx = {
    db,
    actor,
    dbPath: job.dbPath,
    keyringPath: keyringPathFor(job.dbPath),
    registerId,
    rawKey,
    now: () => new Date(),
    job: { progress: () => progressEvents++, checkpoint: () => {} },
  };
  const baseRss = process.memoryUsage().rss;
  let sampledPeak = baseRss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = (await dispatch(ctx, job.op, job.input)) as Record<string, unknown>;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  // Not getrusage's maxrss: Linux carries it over from the forked image of the parent (the bench,
  // holding a million generated people, would set every child's peak). VmHWM is this process's own.
  const maxRss = peakRssOfThisImage();
  const small = Object.fromEntries(Object.entries(result).filter(([, v]) => typeof v !== 'object' || v === null || JSON.stringify(v).length < 400));
  const out: ChildResult = {
    op: job.op,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    baseRssMB: mb(baseRss),
    peakRssMB: mb(Math.max(maxRss, sampledPeak)),
    progressEvents,
    result: small,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  db.close();
  rawKey.fill(0);
}

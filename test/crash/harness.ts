// Crash safety under SIGKILL (issue #7, point 1). One register is reused across every kill, so
// damage would accumulate: each round the parent opens it the normal way, checks it, plans the
// next operations, closes it, starts test/crash/child.ts on it and SIGKILLs the child at a seeded
// random moment inside the operation it targets (an import's commit, a consent, a destruction, a
// backup, a keyring write, the open or the close). After each kill the register must open with the
// password, pass integrity_check and the audit-chain check, and every operation the child began
// must be wholly present or wholly absent.
//
// Used by test/crash/crash.test.ts (a fixed seed, 50 kills) and test/crash/soak.ts
// (`npm run soak -- --kills N --seed S`).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../db/api.ts';
import { verifyAudit } from '../../db/audit.ts';
import { inspectBackup } from '../../db/backup.ts';
import type { Ctx } from '../../db/context.ts';
import { keyringPathFor, readKeyring, unlockWithPassword } from '../../db/keyring.ts';
import { createRegister, openRegister, type Session } from '../../db/register.ts';
import { type ChildOp, type ChildPlan, int, type Lead, leads, leadsCsv, type OpKind, pick, rng, type Sabotage } from './plan.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const childSource = join(root, 'test', 'crash', 'child.ts');
const cacheDir = join(root, 'node_modules', '.cache', 'privacy-desk-crash');
const childBundle = join(cacheDir, 'child.mjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

// The child as one bundled file. Loading db/api.ts module by module (exceljs, pdfkit, zod, ~80
// files of our own, each type-stripped) costs ~1.4 s of CPU per start here; bundled, ~0.5 s — and
// the child starts once per kill. Same source, same native modules (kept external); only the
// loading differs. Rebuilt when a source under db/ or test/crash/ (or the lock file) is newer.
export async function childEntry(bundled: boolean): Promise<string> {
  if (!bundled) return childSource;
  const lock = join(root, 'package-lock.json');
  const newest = Math.max(newestMtime(join(root, 'db')), newestMtime(join(root, 'test', 'crash')), existsSync(lock) ? statSync(lock).mtimeMs : 0);
  const stale = !existsSync(childBundle) || newest > statSync(childBundle).mtimeMs;
  if (!stale) return childBundle;
  const { build } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${childBundle}.tmp-${process.pid}`;
  await build({
    absWorkingDir: root,
    entryPoints: [childSource],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    outfile: tmp,
    external: ['better-sqlite3-multiple-ciphers', '@node-rs/argon2', 'dejavu-fonts-ttf'],
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
    legalComments: 'none',
  });
  renameSync(tmp, childBundle);
  return childBundle;
}

const passwords = { admin: 'crash-admin-1', manager: 'crash-manager-1', spare: 'crash-spare-0' };

// Where a round's kill timer starts: the step it means to interrupt.
export const targets = ['open', 'consent', 'import', 'importCommit', 'destroy', 'backup', 'passwd', 'failedLogin', 'close'] as const;
export type Target = (typeof targets)[number];
// How often each is chosen: the commit of a large import, a destruction and a backup are the
// operations whose half-done state would do harm, so they get most of the kills.
const weights: Record<Target, number> = {
  open: 6,
  consent: 14,
  import: 4,
  importCommit: 20,
  destroy: 18,
  backup: 14,
  passwd: 8,
  failedLogin: 8,
  close: 8,
};

export interface CampaignOptions {
  kills: number;
  seed: number;
  // Rows per imported file (the commit of the larger ones takes long enough to be hit inside).
  importRows?: [number, number];
  // The register's folder; a temp folder (removed afterwards) by default.
  dir?: string;
  keep?: boolean;
  log?: (line: string) => void;
  // Run test/crash/child.ts as it is instead of its bundle (slower to start, same code).
  unbundled?: boolean;
  // The harness's self-test: one round whose operation of this kind is done non-atomically on
  // purpose and killed halfway; the campaign must then report a violation.
  sabotage?: Sabotage;
  // People imported before the first kill (consent and destruction need living people).
  seedPersons?: number;
}

type Outcome = 'present' | 'absent';
interface SpareState {
  password: string;
  passwdAudits: number;
}
interface Round {
  round: number;
  plan: ChildPlan;
  target: Target;
  spareBefore: SpareState;
  lines: Lines;
  landed: string;
}
type OpState = 'ended' | 'begun' | 'not_begun';

export interface CampaignSummary {
  seed: number;
  rounds: number;
  kills: number;
  // Rounds where the child finished before its timer fired (still checked like the others).
  cleanExits: number;
  killsByTarget: Record<string, number>;
  // Where each kill landed: "<kind>:<outcome>" for the step that was begun and not ended, or
  // "between" (after one step's end line, before the next one's begin) .
  landed: Record<string, number>;
  opsChecked: number;
  persons: number;
  auditRows: number;
  // partialsLeft: `*.partial-<pid>[-journal]` files found beside a killed backup;
  // partialsSurvivedBackup: those still there after a later backup ran to its end (with their
  // names in survivors); partialsStillThere: at the end.
  backups: { made: number; partialsLeft: number; partialsSurvivedBackup: number; survivors: string[]; partialsStillThere: number; withoutKeyringCopy: number };
  // Warnings the check's own open gave, by where the kill before it had landed.
  openWarnings: Record<string, number>;
  // Opens refused for a while (and then retried) after a kill, by error code.
  openRetries: Record<string, number>;
  keyring: { tmpLeft: number; passwdAuditAhead: number; duplicateFailedLogins: number };
  // Each broken rule, with the round and what was found. Empty when the register survived.
  violations: string[];
  cpuMs: number;
  wallMs: number;
}

class Violation extends Error {}

function fail(message: string): never {
  throw new Violation(message);
}

interface Lines {
  all: string[];
  begun: Set<number>;
  ended: Set<number>;
  commitStarted: Set<number>;
  closeBegun: boolean;
  closeEnded: boolean;
  ready: boolean;
  error: string | null;
}

function parseLines(all: string[]): Lines {
  const l: Lines = { all, begun: new Set(), ended: new Set(), commitStarted: new Set(), closeBegun: false, closeEnded: false, ready: false, error: null };
  for (const line of all) {
    const m = /^(begin|end|step) op#(\d+)/.exec(line);
    if (m) {
      const n = Number(m[2]);
      if (m[1] === 'begin') l.begun.add(n);
      else if (m[1] === 'end') l.ended.add(n);
      else l.commitStarted.add(n);
    } else if (line === 'ready') l.ready = true;
    else if (line === 'begin close') l.closeBegun = true;
    else if (line === 'end close') l.closeEnded = true;
    else if (line.startsWith('error ')) l.error = line;
  }
  return l;
}

// Durations seen so far from a target's marker line to the line that ends it, so the delay is
// drawn over how long the step really takes on this machine right now.
class Durations {
  readonly #seen = new Map<Target, number[]>();
  readonly #defaults: Record<Target, number> = {
    open: 150,
    consent: 40,
    import: 600,
    importCommit: 300,
    destroy: 80,
    backup: 150,
    passwd: 40,
    failedLogin: 60,
    close: 30,
  };
  add(t: Target, ms: number): void {
    const list = this.#seen.get(t) ?? [];
    list.push(ms);
    if (list.length > 8) list.shift();
    this.#seen.set(t, list);
  }
  estimate(t: Target): number {
    const list = this.#seen.get(t);
    return list && list.length > 0 ? Math.max(...list) : this.#defaults[t];
  }
}

function weightedTarget(r: () => number): Target {
  const total = targets.reduce((s, t) => s + weights[t], 0);
  let x = r() * total;
  for (const t of targets) {
    x -= weights[t];
    if (x < 0) return t;
  }
  return 'consent';
}

function tagOf(fullName: string): string {
  return fullName.split(' ').at(-1)!;
}

function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const log = o.log ?? (() => {});
  const r = rng(o.seed);
  const [minRows, maxRows] = o.importRows ?? [300, 1500];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'pdesk-crash-'));
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'register.pdesk');
  const keyringPath = keyringPathFor(dbPath);
  const backupDir = join(dir, 'backups');
  const summary: CampaignSummary = {
    seed: o.seed,
    rounds: 0,
    kills: 0,
    cleanExits: 0,
    killsByTarget: {},
    landed: {},
    opsChecked: 0,
    persons: 0,
    auditRows: 0,
    backups: { made: 0, partialsLeft: 0, partialsSurvivedBackup: 0, survivors: [], partialsStillThere: 0, withoutKeyringCopy: 0 },
    openWarnings: {},
    openRetries: {},
    keyring: { tmpLeft: 0, passwdAuditAhead: 0, duplicateFailedLogins: 0 },
    violations: [],
    cpuMs: 0,
    wallMs: 0,
  };
  const durations = new Durations();
  let nextLead = 1;
  let sparePassword = passwords.spare;
  let spareGeneration = 0;
  // Leftover `*.partial-<pid>` files of killed backups (and `*.partial-<pid>-journal`, the
  // journal SQLite keeps while VACUUM INTO writes the copy), with the round whose kill left them.
  const partials = new Map<string, number>();
  const keyringTmps = new Set<string>();

  // Opens the register after a kill (as the desk would) and checks it whole, then the operations of
  // the round that was killed. Returns the open session for planning the next round.
  async function afterKill(prev: Round | null): Promise<Session> {
    const round = prev?.round ?? 0;
    const pendingFailed = checkKeyring(keyringPath, round);
    if (pendingFailed > 0) log(`round ${round}: ${pendingFailed} failed logins waited in the keyring`);
    for (const f of readdirSync(dir)) if (/\.keyring(\.prev)?\.tmp-\d+$/.test(f)) keyringTmps.add(f);
    let session: Session | null = null;
    // Two refusals are the register's rules, not damage, and say to retry later: a lock file the
    // kill left empty (judged live for a few seconds, in case it is being written), and the
    // growing wait after failed logins. The check retries as a person would, and counts them.
    for (let attempt = 1; !session; attempt++) {
      try {
        session = await openRegister({ dbPath, login: 'manager', password: passwords.manager });
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (attempt < 3 && (code === 'register_in_use' || code === 'too_many_attempts')) {
          summary.openRetries[code] = (summary.openRetries[code] ?? 0) + 1;
          const wait = ((err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? 5) * 1000 + 500;
          log(`round ${round}: the open was refused (${code}), retrying in ${wait} ms`);
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        fail(`round ${round}: the register did not open after the kill: ${(err as Error).message}`);
      }
    }
    try {
      for (const w of session.warnings ?? []) {
        const key = w.includes('-wal') ? 'walMissing' : 'other';
        summary.openWarnings[`${key} after ${prev?.landed ?? 'setup'}`] = (summary.openWarnings[`${key} after ${prev?.landed ?? 'setup'}`] ?? 0) + 1;
      }
      checkWhole(session.ctx, round);
      summary.keyring.duplicateFailedLogins = duplicateFailedLogins(session.ctx);
      if (prev) sparePassword = await checkRound(session.ctx, prev, round);
      // A partial left by an earlier kill must be gone once a later backup has run (or an open).
      if (existsSync(backupDir)) {
        for (const f of readdirSync(backupDir)) if (/\.partial-\d+(-journal)?$/.test(f) && !partials.has(f)) partials.set(f, round);
      }
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  function planRound(ctx: Ctx, round: number): Omit<Round, 'lines' | 'landed'> {
    const spareBefore = { password: sparePassword, passwdAudits: count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'user.passwd'") };
    const target: Target = o.sabotage ?? weightedTarget(r);
    const living = (ctx.db.prepare('SELECT id FROM persons WHERE destroyed_act_id IS NULL ORDER BY id').all() as { id: number }[]).map((x) => x.id);
    const taken = new Set<number>();
    const takePerson = () => {
      for (let i = 0; i < 50; i++) {
        const id = pick(r, living);
        if (!taken.has(id)) {
          taken.add(id);
          return id;
        }
      }
      return null;
    };
    let n = 0;
    const ops: ChildOp[] = [];
    const add = (kind: OpKind, size = 1) => {
      for (let i = 0; i < size; i++) {
        n++;
        switch (kind) {
          case 'consent': {
            const personId = takePerson();
            if (personId !== null)
              ops.push({ n, kind: 'consent', personId, purpose: r() < 0.7 ? 'marketing' : 'appointment', note: `крэш-тест: раунд ${round}, шаг ${n}` });
            break;
          }
          case 'import': {
            const rows: Lead[] = leads(r, nextLead, int(r, minRows, maxRows));
            nextLead += rows.length;
            const csv = leadsCsv(rows);
            ops.push({
              n,
              kind: 'import',
              contentBase64: csv.toString('base64'),
              sha256: createHash('sha256').update(csv).digest('hex'),
              rows: rows.length,
              consents: rows.filter((x) => x.marketing).length,
              phones: rows.map((x) => x.phone),
              tags: rows.map((x) => x.tag),
            });
            break;
          }
          case 'destroy': {
            const ids = Array.from({ length: int(r, 1, 25) }, takePerson).filter((x): x is number => x !== null);
            const people = ids.map((id) => ctx.db.prepare('SELECT full_name, phone FROM persons WHERE id = ?').get(id) as { full_name: string; phone: string });
            ops.push({
              n,
              kind: 'destroy',
              actNumber: `КР-${o.seed}-${round}-${n}`,
              personIds: ids,
              tags: people.map((p) => tagOf(p.full_name)),
              phones: people.map((p) => p.phone),
            });
            break;
          }
          case 'backup':
            ops.push({ n, kind: 'backup', path: join(backupDir, `crash-${round}-${n}.pdesk`) });
            break;
          case 'passwd':
            spareGeneration++;
            ops.push({ n, kind: 'passwd', login: 'spare', newPassword: `crash-spare-${spareGeneration}` });
            break;
          case 'failedLogin':
            ops.push({ n, kind: 'failedLogin', login: r() < 0.5 ? 'spare' : `chuzhoy${round}`, password: 'not-the-password' });
            break;
        }
      }
    };
    // Something before the target now and then, so the WAL holds more than one transaction.
    if (!o.sabotage && r() < 0.35) add(pick(r, ['consent', 'backup', 'import'] as const), 1);
    switch (target) {
      case 'open':
      case 'close':
        add('consent', int(r, 2, 6));
        if (target === 'close' && r() < 0.5) add('import');
        break;
      case 'consent':
        add('consent', int(r, 5, 15));
        break;
      case 'import':
      case 'importCommit':
        add('import');
        break;
      case 'destroy':
        add('destroy');
        break;
      case 'backup':
        add('backup');
        break;
      case 'passwd':
        add('passwd', int(r, 2, 5));
        break;
      case 'failedLogin':
        // Three failures in a row are free; a fourth attempt (the check's own open) would have to
        // wait out the growing delay.
        add('failedLogin', int(r, 1, 2));
        break;
    }
    if (!o.sabotage && r() < 0.5) add('consent', 1);
    const plan: ChildPlan = { dbPath, login: 'manager', password: passwords.manager, ops };
    if (o.sabotage) plan.sabotage = { n: ops.find((x) => x.kind === o.sabotage)!.n, kind: o.sabotage };
    return { plan, target, spareBefore, round };
  }

  try {
    // ---- the register, with a first batch of people to consent and destroy ----------------
    const entry = await childEntry(!o.unbundled);
    await createRegister({
      dbPath,
      operator: { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1', taxId: '7701234567' },
      jurisdiction: 'RU',
      admin: { login: 'admin', fullName: 'Админов Админ', position: 'Системный администратор', password: passwords.admin },
    });
    {
      const admin = await openRegister({ dbPath, login: 'admin', password: passwords.admin });
      try {
        await dispatch(admin.ctx, 'user.add', {
          login: 'manager',
          fullName: 'Руководова Мария Петровна',
          position: 'Главный врач',
          role: 'manager',
          password: passwords.manager,
        });
        await dispatch(admin.ctx, 'user.add', {
          login: 'spare',
          fullName: 'Запасова Вера',
          position: 'Регистратор',
          role: 'receptionist',
          password: passwords.spare,
        });
        const seed = leads(r, nextLead, o.seedPersons ?? 600);
        nextLead += seed.length;
        const csv = leadsCsv(seed);
        const preview = await dispatch(admin.ctx, 'import.preview', { fileName: 'seed.csv', contentBase64: csv.toString('base64') });
        await dispatch(admin.ctx, 'import.commit', {
          fileName: 'seed.csv',
          contentBase64: csv.toString('base64'),
          mapping: preview.mapping,
          sha256: preview.sha256,
        });
      } finally {
        admin.close();
      }
    }

    let previous: Round | null = null;
    const maxRounds = o.sabotage ? 1 : o.kills * 3 + 10;
    for (let round = 1; ; round++) {
      const checkStart = performance.now();
      // ---- after the kill: the keyring reads, the register opens with the password, and checks --
      const session = await afterKill(previous);
      let next: Omit<Round, 'lines' | 'landed'> | null = null;
      try {
        if (summary.kills < o.kills && round <= maxRounds) next = planRound(session.ctx, round);
        else {
          summary.persons = count(session.ctx, 'SELECT count(*) AS n FROM persons');
          summary.auditRows = count(session.ctx, 'SELECT count(*) AS n FROM audit');
        }
      } finally {
        session.close();
      }
      if (!next) break;
      // Failed logins waiting in the keyring make the child's open move them into the audit log
      // (an audit commit, then a keyring rewrite): the kill may land between the two.
      if (next.target === 'open') {
        for (let i = int(r, 1, 2); i > 0; i--) {
          await openRegister({ dbPath, login: 'spare', password: 'not-the-password' }).then(
            (s) => {
              s.close();
              fail(`round ${round}: a wrong password opened the register`);
            },
            (err: { code?: string }) => {
              if (err.code !== 'auth_failed') throw err;
            },
          );
        }
      }
      summary.rounds = round;
      const checkMs = performance.now() - checkStart;

      // ---- run the child and kill it -------------------------------------------------------------
      const result = await runChild(entry, dir, next.plan, next.target, o.sabotage ? 0 : r(), durations);
      if (result.killed) {
        summary.kills++;
        summary.killsByTarget[next.target] = (summary.killsByTarget[next.target] ?? 0) + 1;
      } else summary.cleanExits++;
      if (result.lines.error) fail(`round ${round}: the child failed on its own: ${result.lines.error}\n${result.stderr}`);
      if (!result.killed && result.code !== 0) fail(`round ${round}: the child exited with ${result.code}: ${result.stderr}`);
      const landedAt = landing(next.plan, result.lines);
      log(
        `round ${round}: checks ${checkMs.toFixed(0)} ms, child ready after ${result.readyMs.toFixed(0)} ms, target ${next.target}, ${result.killed ? `killed ${result.delayMs.toFixed(0)} ms after its marker` : 'finished before the kill'}, landed ${landedAt}`,
      );
      summary.landed[landedAt] = (summary.landed[landedAt] ?? 0) + 1;
      previous = { ...next, lines: result.lines, landed: landedAt };
    }
    summary.backups.partialsStillThere = [...partials.keys()].filter((p) => existsSync(join(backupDir, p))).length;
    summary.keyring.tmpLeft = keyringTmps.size;
  } catch (err) {
    if (!(err instanceof Violation)) throw err;
    summary.violations.push(err.message);
  } finally {
    const cpu = process.cpuUsage(cpu0);
    summary.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    summary.wallMs = Math.round(performance.now() - started);
    if (!o.keep && !o.dir) rmSync(dir, { recursive: true, force: true });
  }
  return summary;

  // ---- checks ---------------------------------------------------------------------------------

  function checkKeyring(path: string, round: number): number {
    try {
      return readKeyring(path).failedLogins.length;
    } catch (err) {
      fail(`round ${round}: the keyring does not read after the kill: ${(err as Error).message}`);
    }
  }

  // What must hold of the whole file after any kill, whatever was running.
  function checkWhole(ctx: Ctx, round: number): void {
    const integrity = ctx.db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]!.integrity_check !== 'ok')
      fail(`round ${round}: integrity_check: ${integrity.map((x) => x.integrity_check).join('; ')}`);
    const fk = ctx.db.pragma('foreign_key_check') as unknown[];
    if (fk.length > 0) fail(`round ${round}: foreign_key_check found ${fk.length} broken references`);
    const chain = verifyAudit(ctx.db, ctx.registerId);
    if (!chain.ok) fail(`round ${round}: audit chain: ${chain.message}`);
    // Every row that an operation writes has its audit row and the other way round: a half-done
    // operation of any kind would leave one without the other.
    const audited = (action: string, key: 'entity_id' | 'eventId' | 'actId' = 'entity_id') =>
      (
        ctx.db
          .prepare(
            key === 'entity_id'
              ? 'SELECT entity_id AS id FROM audit WHERE action = ?'
              : `SELECT json_extract(details, '$.${key}') AS id FROM audit WHERE action = ?`,
          )
          .all(action) as { id: number }[]
      )
        .map((x) => x.id)
        .sort((a, b) => a - b);
    const ids = (sql: string) => (ctx.db.prepare(sql).all() as { id: number }[]).map((x) => x.id).sort((a, b) => a - b);
    const same = (what: string, a: number[], b: number[]) => {
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
        const sa = new Set(a);
        const sb = new Set(b);
        fail(
          `round ${round}: ${what}: ${a
            .filter((x) => !sb.has(x))
            .slice(0, 5)
            .join(',')} without audit, ${b
            .filter((x) => !sa.has(x))
            .slice(0, 5)
            .join(',')} audited but missing (or duplicated)`,
        );
      }
    };
    same('persons ↔ person.add', ids('SELECT id FROM persons'), audited('person.add'));
    same('consent events ↔ consent.give', ids('SELECT id FROM consent_events'), audited('consent.give', 'eventId'));
    same('destruction acts ↔ act.create', ids('SELECT id FROM destruction_acts'), audited('act.create'));
    same('tombstones ↔ person.destroy', ids('SELECT id FROM persons WHERE destroyed_act_id IS NOT NULL'), audited('person.destroy'));
    same('act subjects ↔ tombstones', ids('SELECT person_id AS id FROM act_subjects'), ids('SELECT id FROM persons WHERE destroyed_act_id IS NOT NULL'));
  }

  async function checkRound(ctx: Ctx, prev: Round, round: number): Promise<string> {
    const { plan, lines, spareBefore } = prev;
    const state = (n: number): OpState => (lines.ended.has(n) ? 'ended' : lines.begun.has(n) ? 'begun' : 'not_begun');
    let spare = spareBefore.password;
    const passwdOps = plan.ops.filter((x): x is Extract<ChildOp, { kind: 'passwd' }> => x.kind === 'passwd');
    for (const op of plan.ops) {
      const s = state(op.n);
      const outcome = await checkOp(ctx, op, round, s);
      summary.opsChecked++;
      if (s === 'ended' && outcome !== 'present') fail(`round ${round}: op#${op.n} ${op.kind} ended but is not there`);
      if (s === 'not_begun' && outcome !== 'absent') fail(`round ${round}: op#${op.n} ${op.kind} never began but is there`);
      if (s === 'begun') summary.landed[`${op.kind}:${outcome}`] = (summary.landed[`${op.kind}:${outcome}`] ?? 0) + 1;
    }
    if (passwdOps.length > 0) spare = await checkPasswd(ctx, passwdOps, state, spareBefore, round);
    // Partials left by earlier kills must not outlive a backup that ran to its end since.
    if (plan.ops.some((x) => x.kind === 'backup' && state(x.n) === 'ended')) {
      for (const [name, leftIn] of partials) {
        if (leftIn < prev.round && existsSync(join(backupDir, name))) {
          summary.backups.partialsSurvivedBackup++;
          summary.backups.survivors.push(name);
          partials.set(name, Number.POSITIVE_INFINITY);
        }
      }
    }
    return spare;
  }

  async function checkOp(ctx: Ctx, op: ChildOp, round: number, s: OpState): Promise<Outcome> {
    const where = `round ${round}, op#${op.n} ${op.kind} (${s})`;
    switch (op.kind) {
      case 'consent': {
        const events = ctx.db.prepare('SELECT id, person_id FROM consent_events WHERE note = ?').all(op.note) as { id: number; person_id: number }[];
        if (events.length === 0) return 'absent';
        if (events.length > 1) fail(`${where}: ${events.length} consent events for one call`);
        const audits = count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'consent.give' AND json_extract(details, '$.eventId') = ?", events[0]!.id);
        if (audits !== 1) fail(`${where}: consent event without its audit row (${audits})`);
        return 'present';
      }
      case 'import': {
        const rows = ctx.db.prepare("SELECT details FROM audit WHERE action = 'import' AND json_extract(details, '$.sha256') = ?").all(op.sha256) as {
          details: string;
        }[];
        const persons = count(ctx, 'SELECT count(*) AS n FROM persons WHERE phone IN (SELECT value FROM json_each(?))', JSON.stringify(op.phones));
        if (rows.length === 0) {
          if (persons !== 0) fail(`${where}: ${persons} of ${op.rows} persons in the register without the import's audit row`);
          return 'absent';
        }
        if (rows.length > 1) fail(`${where}: the import was recorded ${rows.length} times`);
        const d = JSON.parse(rows[0]!.details) as { inserted: number; consents: number; firstPersonId: number; lastPersonId: number };
        if (persons !== op.rows || d.inserted !== op.rows) fail(`${where}: ${persons} persons (audit says ${d.inserted}) of ${op.rows}`);
        const inRange = count(
          ctx,
          'SELECT count(*) AS n FROM persons WHERE id BETWEEN ? AND ? AND phone IN (SELECT value FROM json_each(?))',
          d.firstPersonId,
          d.lastPersonId,
          JSON.stringify(op.phones),
        );
        if (inRange !== op.rows) fail(`${where}: the import's persons are not the ids its audit row names`);
        const consents = count(ctx, 'SELECT count(*) AS n FROM consent_events WHERE person_id BETWEEN ? AND ?', d.firstPersonId, d.lastPersonId);
        if (consents !== op.consents || d.consents !== op.consents) fail(`${where}: ${consents} consents (audit says ${d.consents}), file has ${op.consents}`);
        // The name index took them in: a sample of the rows is found by its unique word.
        for (const tag of op.tags.filter((_, i) => i % 97 === 0)) {
          if (!ctx.db.prepare('SELECT rowid FROM person_names WHERE person_names MATCH ?').get(ftsPhrase(tag)))
            fail(`${where}: "${tag}" is not in the name index`);
        }
        return 'present';
      }
      case 'destroy': {
        const act = ctx.db.prepare('SELECT id FROM destruction_acts WHERE number = ?').get(op.actNumber) as { id: number } | undefined;
        const rows = op.personIds.map(
          (id) =>
            ctx.db.prepare('SELECT full_name, phone, destroyed_act_id FROM persons WHERE id = ?').get(id) as {
              full_name: string | null;
              phone: string | null;
              destroyed_act_id: number | null;
            },
        );
        if (!act) {
          if (count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'act.create' AND json_extract(details, '$.number') = ?", op.actNumber) > 0)
            fail(`${where}: an act.create audit row without the act`);
          rows.forEach((p, i) => {
            if (p.destroyed_act_id !== null || p.full_name === null || tagOf(p.full_name) !== op.tags[i] || p.phone !== op.phones[i])
              fail(`${where}: no act, yet person ${op.personIds[i]} is changed`);
            if (!ctx.db.prepare('SELECT rowid FROM person_names WHERE person_names MATCH ?').get(ftsPhrase(op.tags[i]!)))
              fail(`${where}: no act, yet person ${op.personIds[i]} is gone from the name index`);
          });
          for (const [i, id] of op.personIds.entries()) {
            const found = await dispatch(ctx, 'person.find', { query: op.tags[i]!, limit: 200 });
            if (!found.items.some((x) => x.id === id)) fail(`${where}: no act, yet person.find no longer finds person ${id}`);
          }
          return 'absent';
        }
        const subjects = count(ctx, 'SELECT count(*) AS n FROM act_subjects WHERE act_id = ?', act.id);
        const destroyAudits = count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'person.destroy' AND json_extract(details, '$.actId') = ?", act.id);
        const actAudits = count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'act.create' AND entity_id = ?", act.id);
        if (subjects !== op.personIds.length || destroyAudits !== op.personIds.length || actAudits !== 1)
          fail(`${where}: act with ${subjects} subjects, ${destroyAudits} person.destroy and ${actAudits} act.create rows for ${op.personIds.length} persons`);
        // What the desk would see: the search finds nobody by the erased name word or phone digits.
        for (const [i, id] of op.personIds.entries()) {
          for (const query of [op.tags[i]!, op.phones[i]!.slice(2)]) {
            const found = await dispatch(ctx, 'person.find', { query, limit: 200 });
            if (found.items.length > 0) fail(`${where}: person.find still finds ${found.items.map((x) => x.id).join(',')} for person ${id}`);
          }
        }
        rows.forEach((p, i) => {
          if (p.destroyed_act_id !== act.id || p.full_name !== null || p.phone !== null)
            fail(`${where}: person ${op.personIds[i]} is not a tombstone of the act`);
          if (ctx.db.prepare('SELECT rowid FROM person_names WHERE person_names MATCH ?').get(ftsPhrase(op.tags[i]!)))
            fail(`${where}: person ${op.personIds[i]}'s name is still in the name index`);
          if (ctx.db.prepare('SELECT rowid FROM person_phones WHERE person_phones MATCH ?').get(ftsPhrase(op.phones[i]!.slice(1))))
            fail(`${where}: person ${op.personIds[i]}'s phone is still in the phone index`);
        });
        return 'present';
      }
      case 'backup': {
        const file = basename(op.path);
        const audited = count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'backup.create' AND json_extract(details, '$.file') = ?", file);
        if (s === 'begun' && existsSync(dirname(op.path))) {
          for (const f of readdirSync(dirname(op.path)))
            if (f.startsWith(`${file}.partial-`) || f.startsWith(`${file}.keyring.partial-`)) summary.backups.partialsLeft++;
        }
        if (!existsSync(op.path)) {
          if (audited > 0) fail(`${where}: audited but not at its final name`);
          return 'absent';
        }
        try {
          inspectBackup(op.path, ctx.rawKey, ctx.registerId);
        } catch (err) {
          fail(`${where}: the backup at its final name does not pass inspectBackup: ${(err as Error).message}`);
        }
        summary.backups.made++;
        if (!existsSync(keyringPathFor(op.path))) summary.backups.withoutKeyringCopy++;
        else readKeyring(keyringPathFor(op.path));
        // Present without its audit row is allowed: the kill came after the rename.
        return 'present';
      }
      case 'passwd':
      case 'failedLogin':
        // Checked together below (passwd) or through the keyring and the audit chain (failed logins).
        return s === 'not_begun' ? 'absent' : 'present';
    }
  }

  // The keyring reads and exactly one password of the spare user opens it: the one before the
  // burst or one the burst set. Its audit rows may be one ahead (the audit row commits before
  // the keyring is written: a kill between them leaves the log claiming a change that did not
  // happen), never behind.
  async function checkPasswd(
    ctx: Ctx,
    ops: Extract<ChildOp, { kind: 'passwd' }>[],
    state: (n: number) => OpState,
    before: SpareState,
    round: number,
  ): Promise<string> {
    const keyring = readKeyring(keyringPath);
    const candidates = [before.password, ...ops.map((x) => x.newPassword)];
    // Every candidate is tried: exactly one may open, the others must not.
    const opens: number[] = [];
    for (const [i, password] of candidates.entries()) {
      const key = await unlockWithPassword(keyring, 'spare', password);
      if (key) {
        opens.push(i);
        key.fill(0);
      }
    }
    if (opens.length !== 1) fail(`round ${round}: after a password change, ${opens.length} of the spare user's passwords open the keyring`);
    const j = opens[0]!;
    if (j > 0 && state(ops[j - 1]!.n) === 'not_begun') fail(`round ${round}: a password change that never began is in the keyring`);
    if (ops.slice(j).some((x) => state(x.n) === 'ended')) fail(`round ${round}: a password change that ended is not in the keyring`);
    const audits = count(ctx, "SELECT count(*) AS n FROM audit WHERE action = 'user.passwd'") - before.passwdAudits;
    if (audits < j || audits > j + 1) fail(`round ${round}: ${audits} user.passwd audit rows for ${j} changes in the keyring`);
    if (audits === j + 1) summary.keyring.passwdAuditAhead++;
    return candidates[j]!;
  }
}

function count(ctx: Ctx, sql: string, ...params: unknown[]): number {
  return (ctx.db.prepare(sql).get(...params) as { n: number }).n;
}

// A failed login moved into the log twice: the open that moved it was killed between its audit
// commit and the keyring rewrite, and the next open moved it again.
function duplicateFailedLogins(ctx: Ctx): number {
  return count(
    ctx,
    "SELECT coalesce(sum(c - 1), 0) AS n FROM (SELECT count(*) AS c FROM audit WHERE action = 'login.failed' GROUP BY at, coalesce(entity_id, -1), coalesce(login, '') HAVING c > 1)",
  );
}

function landing(plan: ChildPlan, lines: Lines): string {
  if (!lines.ready) return 'open';
  for (const op of plan.ops) if (lines.begun.has(op.n) && !lines.ended.has(op.n)) return lines.commitStarted.has(op.n) ? `${op.kind}(commit)` : op.kind;
  if (lines.closeBegun && !lines.closeEnded) return 'close';
  if (lines.closeEnded) return 'after close';
  return 'between';
}

interface ChildResult {
  killed: boolean;
  code: number | null;
  delayMs: number;
  readyMs: number;
  lines: Lines;
  stderr: string;
}

// The marker line that starts a target's timer, and the line that ends the step it times.
function markers(plan: ChildPlan, target: Target): { start: string; end: string } {
  const first = (kind: OpKind) => plan.ops.find((x) => x.kind === kind)!;
  const last = (kind: OpKind) => plan.ops.filter((x) => x.kind === kind).at(-1)!;
  if (plan.sabotage) return { start: `step op#${plan.sabotage.n} sabotaged`, end: `end op#${plan.sabotage.n}` };
  switch (target) {
    case 'open':
      return { start: 'start', end: 'ready' };
    case 'close':
      return { start: 'begin close', end: 'end close' };
    case 'importCommit':
      return { start: `step op#${last('import').n} commit`, end: `end op#${last('import').n}` };
    case 'import':
      return { start: `begin op#${last('import').n} import`, end: `end op#${last('import').n}` };
    default:
      return { start: `begin op#${first(target).n} ${target}`, end: `end op#${last(target).n}` };
  }
}

function runChild(entry: string, dir: string, plan: ChildPlan, target: Target, fraction: number, durations: Durations): Promise<ChildResult> {
  const planPath = join(dir, 'crash-plan.json');
  writeFileSync(planPath, JSON.stringify(plan));
  const { start, end } = markers(plan, target);
  const delayMs = fraction * durations.estimate(target) * 1.2;
  return new Promise((resolve, reject) => {
    // The child inherits the environment: under vitest that includes the cheap-KDF switch, so the
    // password changes it makes write cheap slots too.
    const child: ChildProcess = spawn(process.execPath, [entry, planPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_COMPILE_CACHE: join(cacheDir, 'compile-cache') },
    });
    const all: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    let startAt = 0;
    let timer: NodeJS.Timeout | null = null;
    const spawned = performance.now();
    let readyMs = -1;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let i = buffer.indexOf('\n');
      while (i >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        all.push(line);
        if (line === 'ready') readyMs = performance.now() - spawned;
        if (line.startsWith(start) && startAt === 0) {
          startAt = performance.now();
          timer = setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, delayMs);
        } else if (line === end && startAt > 0 && !killed) durations.add(target, performance.now() - startAt);
        i = buffer.indexOf('\n');
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (buffer) all.push(buffer);
      resolve({ killed: killed && signal === 'SIGKILL', code, delayMs, readyMs, lines: parseLines(all), stderr: stderr.slice(0, 4000) });
    });
  });
}

// Runs inside a private mount namespace (unshare -m, started by env.test.ts), where it may mount a
// tiny tmpfs or remount a folder read-only without anything leaking out to the machine. Prints one
// JSON object with what each step returned; the test asserts on it.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../../db/api.ts';
import { lockPathFor } from '../../db/instance-lock.ts';
import { openRegister } from '../../db/register.ts';
import { makeRegister, passwords } from '../helpers.ts';

const [scenario, dir] = process.argv.slice(2) as [string, string];
// A writer that fails on a full disk and then throws again from a stream callback would crash the
// desk's worker: recorded here so the test can name it instead of losing the whole report.
const uncaught: string[] = [];
process.on('uncaughtException', (err) => {
  uncaught.push(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`);
  if (process.env.ENV_CHILD_STACKS) process.stderr.write(`${err.stack}\n`);
});
type Outcome = { ok: true } | { ok: false; code: string; message: string };

async function attempt(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'none', message: e.message ?? String(err) };
  }
}

function mount(...args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          writeSync(fd, chunk);
          written += size;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

function snapshot(paths: string[]): Record<string, string | null> {
  return Object.fromEntries(paths.map((p) => [p, existsSync(p) ? readFileSync(p).toString('base64') : null]));
}

async function diskFull(): Promise<unknown> {
  mkdirSync(dir, { recursive: true });
  mount('-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir);
  process.env.TMPDIR = dir;
  const reg = await makeRegister();
  const m = reg.manager.ctx;
  await dispatch(m, 'person.add', { fullName: 'Иванова Анна Сергеевна', phone: '8 916 123-45-67', source: 'walk_in' });
  const csv = Buffer.from('ФИО;Телефон\nПетров Пётр;+7 916 111-22-33\nСидорова Ольга;+7 916 111-22-44\n', 'utf8').toString('base64');
  const preview = await dispatch(m, 'import.preview', { fileName: 'leads.csv', contentBase64: csv });
  const outDir = join(reg.dir, 'out');
  mkdirSync(outDir);
  const persons = () => (m.db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n;
  const auditRows = () => (m.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  // An empty WAL, so the next write must find new space on the disk.
  m.db.pragma('wal_checkpoint(TRUNCATE)');
  const before = { persons: persons(), audit: auditRows() };
  const filler = join(dir, 'filler');
  const filled = fill(filler);
  const results: Record<string, Outcome> = {};
  results.personAdd = await attempt(() => dispatch(m, 'person.add', { fullName: 'Новикова Вера', phone: '8 916 765-43-21', source: 'walk_in' }));
  results.importCommit = await attempt(() =>
    dispatch(m, 'import.commit', { fileName: 'leads.csv', contentBase64: csv, mapping: preview.mapping, sha256: preview.sha256 }),
  );
  results.backupCreate = await attempt(() => dispatch(m, 'backup.create' as string, {}));
  results.exportCsv = await attempt(() => dispatch(m, 'register.export', { register: 'persons', format: 'csv', outPath: join(outDir, 'persons.csv') }));
  results.exportXlsx = await attempt(() => dispatch(m, 'register.export', { register: 'persons', format: 'xlsx', outPath: join(outDir, 'persons.xlsx') }));
  results.openWhileFull = await attempt(async () => (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).close());
  const after = { persons: persons(), audit: auditRows() };
  const leftovers = {
    out: readdirSync(outDir),
    backups: existsSync(join(reg.dir, 'backups')) ? readdirSync(join(reg.dir, 'backups')) : [],
    registerDir: readdirSync(reg.dir).filter((n) => n !== 'out' && n !== 'backups'),
  };
  rmSync(filler);
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  const again = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
  const reopened = {
    integrity: again.ctx.db.pragma('integrity_check', { simple: true }),
    persons: (again.ctx.db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n,
    chain: await dispatch(again.ctx, 'audit.verify', {}),
    backupAfter: await attempt(() => dispatch(again.ctx, 'backup.create' as string, {})),
  };
  again.close();
  return { filled, before, results, after, leftovers, reopened };
}

async function readOnly(): Promise<unknown> {
  mkdirSync(dir, { recursive: true });
  process.env.TMPDIR = dir;
  const reg = await makeRegister();
  const m = reg.manager.ctx;
  await dispatch(m, 'person.add', { fullName: 'Иванова Анна Сергеевна', phone: '8 916 123-45-67', source: 'walk_in' });
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  const files = [reg.dbPath, `${reg.dbPath}.keyring`];
  const results: Record<string, Outcome> = {};
  // A folder on a write-protected medium, or a share mounted read-only. (Files already open for
  // writing stay writable after such a remount, so the case is opening, not a running session.)
  mount('--bind', reg.dir, reg.dir);
  mount('-o', 'remount,ro,bind', reg.dir);
  const beforeOpen = snapshot(files);
  results.openInReadOnlyFolder = await attempt(async () => (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).close());
  const unchangedByOpen = JSON.stringify(snapshot(files)) === JSON.stringify(beforeOpen);
  const lockLeft = existsSync(lockPathFor(reg.dbPath));
  execFileSync('umount', [reg.dir]);
  // The file alone read-only, its folder writable.
  mount('--bind', reg.dbPath, reg.dbPath);
  mount('-o', 'remount,ro,bind', reg.dbPath);
  const beforeFile = snapshot(files);
  results.openReadOnlyFile = await attempt(async () => (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).close());
  const unchangedFile = JSON.stringify(snapshot(files)) === JSON.stringify(beforeFile);
  const lockLeftFile = existsSync(lockPathFor(reg.dbPath));
  execFileSync('umount', [reg.dbPath]);
  const again = await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk });
  const persons = (again.ctx.db.prepare('SELECT count(*) AS n FROM persons').get() as { n: number }).n;
  const integrity = again.ctx.db.pragma('integrity_check', { simple: true });
  again.close();
  return { results, unchangedByOpen, unchangedFile, lockLeft, lockLeftFile, persons, integrity };
}

// Mounts end with the namespace, that is with this process.
const run = scenario === 'disk-full' ? diskFull : scenario === 'read-only' ? readOnly : null;
if (!run) throw new Error(`unknown scenario ${scenario}`);
const report = (await run()) as Record<string, unknown>;
process.stdout.write(`${JSON.stringify({ ...report, uncaught })}\n`);

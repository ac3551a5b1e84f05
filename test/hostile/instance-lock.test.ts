// One program at a time on a register file (issue #7 point 2): the lock beside the register, its
// re-entrance inside one process, refusal while another live process holds it, and takeover after
// a crash — including the warning when a crash also lost the WAL.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../db/api.ts';
import { foreignLockStaleHours, lockHolder, lockPathFor } from '../../db/instance-lock.ts';
import { openRegister } from '../../db/register.ts';
import { makeRegister, passwords, type TestRegister } from '../helpers.ts';

const cliPath = new URL('../../db/cli/privacy-desk.mjs', import.meta.url).pathname;
const holderPath = new URL('./holder-child.ts', import.meta.url).pathname;

let reg: TestRegister;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  reg?.cleanup();
});

async function closedRegister(): Promise<TestRegister> {
  reg = await makeRegister();
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  return reg;
}

function cli(args: string[], dbPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, '--db', dbPath, '--user', 'desk', ...args], {
      env: { ...process.env, PRIVACY_DESK_PASSWORD: passwords.desk },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

// A separate process (a sibling of the CLI runs, not their parent) that holds the register open.
function startHolder(dbPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [holderPath, dbPath, passwords.desk], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`holder ended (${code}): ${err}`)));
  });
}

function ended(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function writeLockFile(dbPath: string, info: { pid: number; hostname: string; startedAt: string }): void {
  writeFileSync(lockPathFor(dbPath), `${JSON.stringify(info)}\n`);
}

describe('instance lock', () => {
  it('is held while a session is open, shared by the sessions of one process, and gone after the last closes', async () => {
    reg = await makeRegister();
    expect(lockHolder(reg.dbPath)).toMatchObject({ pid: process.pid, hostname: hostname() });
    const text = readFileSync(lockPathFor(reg.dbPath), 'utf8');
    // Nothing personal: pid, host, start time and whether the database is open.
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['bootedAt', 'dbOpen', 'hostname', 'pid', 'startedAt']);
    expect(JSON.parse(text).dbOpen).toBe(true);
    reg.admin.close();
    reg.manager.close();
    expect(existsSync(lockPathFor(reg.dbPath))).toBe(true);
    reg.desk.close();
    expect(existsSync(lockPathFor(reg.dbPath))).toBe(false);
  });

  it('a live other process: register_in_use naming its pid, and the lock is left alone', async () => {
    await closedRegister();
    const other = spawn('sleep', ['60']);
    children.push(other);
    const info = { pid: other.pid!, hostname: hostname(), startedAt: new Date().toISOString() };
    writeLockFile(reg.dbPath, info);
    const before = readFileSync(lockPathFor(reg.dbPath), 'utf8');
    await expect(openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).rejects.toMatchObject({
      code: 'register_in_use',
      message: expect.stringMatching(
        new RegExp(`^Реестр уже открыт другой программой Privacy Desk на этом компьютере \\(процесс ${other.pid}\\).*закройте другое окно Privacy Desk`),
      ),
      details: { pid: other.pid },
    });
    expect(readFileSync(lockPathFor(reg.dbPath), 'utf8')).toBe(before);
    other.kill('SIGKILL');
    await ended(other);
    // Dead now: taken over.
    const s = await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk });
    expect(lockHolder(reg.dbPath)).toMatchObject({ pid: process.pid });
    s.close();
    expect(existsSync(lockPathFor(reg.dbPath))).toBe(false);
  });

  it(`another computer's lock counts until it is ${foreignLockStaleHours} hours old`, async () => {
    await closedRegister();
    const now = new Date('2026-02-16T09:00:00');
    writeLockFile(reg.dbPath, { pid: 4242, hostname: 'reception-2', startedAt: new Date(now.getTime() - 3600_000).toISOString() });
    await expect(openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk, now: () => now })).rejects.toMatchObject({
      code: 'register_in_use',
      message: expect.stringContaining('Реестр открыт на другом компьютере («reception-2», процесс 4242)'),
    });
    writeLockFile(reg.dbPath, {
      pid: 4242,
      hostname: 'reception-2',
      startedAt: new Date(now.getTime() - (foreignLockStaleHours + 1) * 3600_000).toISOString(),
    });
    (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk, now: () => now })).close();
  });

  it('an unreadable lock file: young counts as being written, old as a crash', async () => {
    await closedRegister();
    writeFileSync(lockPathFor(reg.dbPath), '');
    await expect(openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk })).rejects.toMatchObject({ code: 'register_in_use' });
    const later = new Date(Date.now() + 60_000);
    (await openRegister({ dbPath: reg.dbPath, login: 'desk', password: passwords.desk, now: () => later })).close();
  });

  it('the CLI works with no desk open, refuses while another process holds the register, and takes over after a crash', async () => {
    await closedRegister();
    const free = await cli(['person', 'find', 'Иван'], reg.dbPath);
    expect(free.stderr).toBe('');
    expect(free.code).toBe(0);
    expect(existsSync(lockPathFor(reg.dbPath))).toBe(false);

    const holder = await startHolder(reg.dbPath);
    const busy = await cli(['person', 'find', 'Держ'], reg.dbPath);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(
      `privacy-desk: ${`Реестр уже открыт другой программой Privacy Desk на этом компьютере (процесс ${holder.pid})`}`.concat(
        busy.stderr.slice(busy.stderr.indexOf(')') + 1),
      ),
    );
    expect(busy.stderr).toContain('закройте другое окно Privacy Desk или дождитесь окончания команды privacy-desk и повторите');

    // A crash: the lock stays behind, naming a dead process; the WAL survives and is replayed.
    holder.kill('SIGKILL');
    await ended(holder);
    expect(lockHolder(reg.dbPath)?.pid).toBe(holder.pid);
    expect(existsSync(`${reg.dbPath}-wal`)).toBe(true);
    const after = await cli(['--json', 'person', 'find', 'Держ'], reg.dbPath);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(JSON.stringify(JSON.parse(after.stdout))).toContain('Держателева Нина');
    expect(existsSync(lockPathFor(reg.dbPath))).toBe(false);
    // Three CLI runs and a holder, each a fresh Node process: slow on a busy 2-core machine.
  }, 240_000);

  it('a crash that also lost the WAL: opening works, warns that recent changes may be lost, and audits it', async () => {
    await closedRegister();
    const holder = await startHolder(reg.dbPath);
    holder.kill('SIGKILL');
    await ended(holder);
    for (const suffix of ['-wal', '-shm']) rmSync(`${reg.dbPath}${suffix}`, { force: true });
    const s = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    try {
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toMatch(
        /^Прошлый сеанс работы с реестром завершился аварийно, а файл журнала записи \(-wal\).*отсутствует: последние изменения того сеанса могли быть потеряны\./,
      );
      expect(s.warnings[0]).toContain('Проверьте журнал событий');
      const events = await dispatch(s.ctx, 'audit.list', { action: 'register.wal_missing' });
      expect(events).toHaveLength(1);
      expect(s.ctx.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      s.close();
    }
    // A clean close leaves no such warning for the next opening.
    const next = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    expect(next.warnings).toEqual([]);
    next.close();
  });

  it('a crash before the database was opened, or after its final checkpoint, warns of nothing; a reboot frees a lock', async () => {
    await closedRegister();
    for (const dbOpen of [false, undefined]) {
      // A holder that died while still checking the password (or after closing): its lock says so.
      const dead = { pid: 2_147_000_000, hostname: hostname(), startedAt: '2026-02-16T08:00:00.000Z', ...(dbOpen === undefined ? {} : { dbOpen }) };
      writeFileSync(lockPathFor(reg.dbPath), `${JSON.stringify(dead)}\n`);
      const s = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
      expect(s.warnings).toEqual([]);
      s.close();
    }
    // The same dead holder with the database open and no -wal beside it is the lost-WAL case; a
    // wrong password first must not use up the evidence.
    writeFileSync(lockPathFor(reg.dbPath), `${JSON.stringify({ pid: 2_147_000_000, hostname: hostname(), startedAt: '2026-02-16T08:00:00.000Z', dbOpen: true })}\n`);
    await expect(openRegister({ dbPath: reg.dbPath, login: 'manager', password: 'wrong-password-1' })).rejects.toMatchObject({ code: 'auth_failed' });
    const s = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    expect(s.warnings).toHaveLength(1);
    s.close();
    // A lock from before the last reboot is stale even when its pid is alive again (here: init, pid 1).
    writeFileSync(lockPathFor(reg.dbPath), `${JSON.stringify({ pid: 1, hostname: hostname(), startedAt: '2026-02-16T08:00:00.000Z', bootedAt: '2000-01-01T00:00:00.000Z' })}\n`);
    const afterReboot = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    afterReboot.close();
  });

  it('a crash with the WAL intact opens without a warning', async () => {
    await closedRegister();
    const holder = await startHolder(reg.dbPath);
    holder.kill('SIGKILL');
    await ended(holder);
    const s = await openRegister({ dbPath: reg.dbPath, login: 'manager', password: passwords.manager });
    expect(s.warnings).toEqual([]);
    expect((await dispatch(s.ctx, 'person.find', { query: 'Держ' })).items).toHaveLength(1);
    s.close();
  });
});

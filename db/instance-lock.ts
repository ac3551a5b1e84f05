import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname as osHostname, uptime as osUptime } from 'node:os';
import { resolve } from 'node:path';
import { environmentError } from './env-errors.ts';
import { RegisterError } from './errors.ts';

// One program at a time on a register file: two desk windows, or the desk and a CLI command, each
// with its own cache and idle lock, would interleave writes that each believes it checked. SQLite's
// own locks keep the file consistent; this lock keeps the people using it from surprising each
// other. It is a file beside the register, created with O_EXCL, naming the process that holds it
// (pid, host, start time — nothing personal). It is re-entrant within one process: tests and the
// engine's job workers open several connections on one file in one process.

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  // True while a session of the holder has the database open with unflushed WAL possible: a
  // holder that died with this set must have left a -wal file behind, and one that died before
  // opening or after its final checkpoint cannot have lost anything.
  dbOpen?: boolean;
  // When this computer last started: a holder from before a reboot is gone even if another
  // process now has its pid (pids are reused, soonest on Windows).
  bootedAt?: string;
}

export interface HeldLock {
  // Set when the lock was taken over from a process that ended without releasing it (a crash, a
  // kill): the register was not closed cleanly last time.
  takenOverFrom: LockInfo | null;
  // Sessions say when they have the database open and when they have checkpointed for good.
  databaseOpened: () => void;
  databaseClosing: () => void;
  release: () => void;
}

// A lock written on another computer (a register on a network share) cannot be checked for a live
// process; after this long it is treated as left behind by a crash. The desk's idle lock closes a
// session long before this.
export const foreignLockStaleHours = 12;

// A lock file with no readable content is one being written right now, or the remains of a crash
// during that write; younger than this it counts as live.
const unreadableGraceMs = 5_000;

const held = new Map<string, { count: number; takenOverFrom: LockInfo | null; owned: boolean; opens: number; everOpened: boolean; info: LockInfo }>();

export function lockPathFor(dbPath: string): string {
  return `${dbPath}.lock`;
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof info.pid === 'number' && Number.isInteger(info.pid) && info.pid > 0 && typeof info.hostname === 'string' && typeof info.startedAt === 'string') {
      return {
        pid: info.pid,
        hostname: info.hostname,
        startedAt: info.startedAt,
        dbOpen: info.dbOpen === true,
        ...(typeof info.bootedAt === 'string' ? { bootedAt: info.bootedAt } : {}),
      };
    }
  } catch {
    // unreadable: judged by its age below
  }
  return null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bootTime(): number {
  return Date.now() - osUptime() * 1000;
}

// Under vitest the test process holds its registers open while it runs the CLI as a child on the
// same file, the way a person never would: a child of the holder counts as the holder there only.
function sameHolder(info: LockInfo): boolean {
  if (info.hostname !== osHostname()) return false;
  if (info.pid === process.pid) return true;
  return Boolean(process.env.VITEST) && info.pid === process.ppid;
}

type Verdict = { live: true; info: LockInfo | null } | { live: false; info: LockInfo | null };

function judge(path: string, now: Date): Verdict {
  const info = readLock(path);
  if (!info) {
    let age = Number.POSITIVE_INFINITY;
    try {
      age = now.getTime() - statSync(path).mtimeMs;
    } catch {
      return { live: false, info: null };
    }
    return { live: age < unreadableGraceMs, info: null };
  }
  if (info.hostname === osHostname()) {
    const booted = info.bootedAt ? Date.parse(info.bootedAt) : Number.NaN;
    // Uptime is read in whole seconds and the clock may be adjusted: a minute's leeway.
    if (Number.isFinite(booted) && Math.abs(booted - bootTime()) > 60_000) return { live: false, info };
    return { live: processAlive(info.pid), info };
  }
  const started = Date.parse(info.startedAt);
  const stale = Number.isFinite(started) && now.getTime() - started > foreignLockStaleHours * 3600_000;
  return { live: !stale, info };
}

function inUse(info: LockInfo | null): RegisterError {
  if (!info) {
    return new RegisterError('register_in_use', 'Реестр сейчас открывает другая программа Privacy Desk: подождите несколько секунд и повторите.');
  }
  const since = new Date(info.startedAt);
  const when = Number.isNaN(since.getTime()) ? '' : ` с ${since.toLocaleString('ru-RU')}`;
  if (info.hostname !== osHostname()) {
    return new RegisterError(
      'register_in_use',
      `Реестр открыт на другом компьютере («${info.hostname}», процесс ${info.pid})${when}: закройте там окно Privacy Desk или дождитесь окончания команды и повторите.`,
      { pid: info.pid, hostname: info.hostname },
    );
  }
  return new RegisterError(
    'register_in_use',
    `Реестр уже открыт другой программой Privacy Desk на этом компьютере (процесс ${info.pid})${when}: закройте другое окно Privacy Desk или дождитесь окончания команды privacy-desk и повторите.`,
    { pid: info.pid, hostname: info.hostname },
  );
}

function writeLock(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
  closeSync(fd);
  return true;
}

export function acquireInstanceLock(dbPath: string, now: () => Date = () => new Date()): HeldLock {
  const path = lockPathFor(resolve(dbPath));
  const mine = held.get(path);
  if (mine) {
    mine.count++;
    return handle(path, mine.takenOverFrom);
  }
  const info: LockInfo = { pid: process.pid, hostname: osHostname(), startedAt: now().toISOString(), bootedAt: new Date(bootTime()).toISOString() };
  let takenOverFrom: LockInfo | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      if (writeLock(path, info)) break;
      const verdict = judge(path, now());
      if (verdict.info && sameHolder(verdict.info)) {
        // Another thread of this process (or, under test, its parent) holds it: share, never delete.
        held.set(path, { count: 1, takenOverFrom: null, owned: false, opens: 0, everOpened: false, info });
        return handle(path, null);
      }
      if (verdict.live || attempt >= 3) throw inUse(verdict.info);
      // Move the dead holder's file aside before creating ours, and check that what moved is what
      // was judged: two processes taking over at once must not both win.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      // What moved must be what was judged, unreadable included: another taker may have put its
      // own fresh lock there in between.
      const moved = readLock(aside);
      const same = moved === null || verdict.info === null ? moved === verdict.info : moved.pid === verdict.info.pid && moved.startedAt === verdict.info.startedAt;
      if (!same) {
        try {
          renameSync(aside, path);
        } catch {
          // the taker that moved it is gone with it; the next opener judges again
        }
        throw inUse(moved);
      }
      rmSync(aside, { force: true });
      takenOverFrom = verdict.info ?? { pid: 0, hostname: '', startedAt: '' };
    }
  } catch (err) {
    throw environmentError(err, { dbPath, writing: 'lock', action: 'открытие реестра' });
  }
  held.set(path, { count: 1, takenOverFrom, owned: true, opens: 0, everOpened: false, info });
  return handle(path, takenOverFrom);
}

function handle(path: string, takenOverFrom: LockInfo | null): HeldLock {
  let open = false;
  return {
    takenOverFrom,
    databaseOpened: () => {
      if (open) return;
      open = true;
      setOpen(path, +1);
    },
    databaseClosing: () => {
      if (!open) return;
      open = false;
      setOpen(path, -1);
    },
    release: once(() => release(path)),
  };
}

// Rewritten in place by its owner only; a crash mid-write leaves an unreadable file, which is
// judged by its age like any other.
function setOpen(path: string, delta: number): void {
  const entry = held.get(path);
  if (!entry) return;
  const before = entry.opens > 0;
  entry.opens += delta;
  if (delta > 0) entry.everOpened = true;
  const after = entry.opens > 0;
  if (before === after || !entry.owned) return;
  entry.info = { ...entry.info, dbOpen: after };
  try {
    const fd = openSync(path, 'r+');
    try {
      const text = `${JSON.stringify(entry.info)}\n`;
      writeSync(fd, text, 0);
      ftruncateSync(fd, Buffer.byteLength(text));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The marker only sharpens the missing-WAL warning; losing it must not stop the desk.
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function release(path: string): void {
  const entry = held.get(path);
  if (!entry) return;
  entry.count--;
  if (entry.count > 0) return;
  held.delete(path);
  if (!entry.owned) return;
  // Only our own file: after a takeover by someone else (our process judged dead by mistake) the
  // file is theirs now.
  const info = readLock(path);
  if (!info || info.pid !== process.pid || info.hostname !== osHostname()) return;
  // Taken over from a holder that died with the database open, and never opened here (a wrong
  // password, a wait): its record goes back, so the next opening still sees the crash.
  if (entry.takenOverFrom?.dbOpen && !entry.everOpened) {
    try {
      writeFileSync(path, `${JSON.stringify(entry.takenOverFrom)}\n`, { mode: 0o600 });
      return;
    } catch {
      // fall through: an unwritable lock is better gone than ours left behind
    }
  }
  rmSync(path, { force: true });
}

// For tests and diagnostics: who holds the lock file now, if anyone.
export function lockHolder(dbPath: string): LockInfo | null {
  return readLock(lockPathFor(resolve(dbPath)));
}

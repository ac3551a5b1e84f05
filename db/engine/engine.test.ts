import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendAudit } from '../audit.ts';
import { openRegister } from '../register.ts';
import { Engine } from './engine.ts';
import { describeForLog } from './job.ts';

const operator = { name: 'ТОО «Клиника»', address: 'г. Алматы, пр. Абая, 1', taxId: '123456789012' };
let dir = '';
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freshEngine(options: ConstructorParameters<typeof Engine>[1] = {}) {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-engine-'));
  engine = new Engine({ dbPath: join(dir, 'register.pdesk') }, options);
  const created = await engine.create({ operator, jurisdiction: 'KZ', admin: { login: 'admin', fullName: 'Админова Әлия', password: 'admin-pass-1' } });
  return { engine, created };
}

describe('engine: the connection lives in a worker thread', () => {
  it('creates, unlocks, dispatches and locks', async () => {
    const { engine, created } = await freshEngine();
    expect(created.recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(engine.status()).toMatchObject({ registerExists: true, unlocked: false });
    await expect(engine.call('settings.get', {})).rejects.toMatchObject({ code: 'locked' });
    await expect(engine.unlock('admin', 'nope-nope-nope')).rejects.toMatchObject({ code: 'auth_failed', message: 'Неверный логин или пароль.' });
    const actor = await engine.unlock('admin', 'admin-pass-1');
    expect(actor).toMatchObject({ login: 'admin', role: 'administrator' });
    expect(await engine.call('settings.get', {})).toMatchObject({ jurisdiction: 'KZ', operator });
    await expect(engine.call('settings.setJurisdiction', { jurisdiction: 'XX' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.call('no.such.op', {})).rejects.toMatchObject({ code: 'unknown_operation' });
    await engine.lock();
    expect(engine.status().unlocked).toBe(false);
    await expect(engine.call('settings.get', {})).rejects.toMatchObject({ code: 'locked' });
  });

  it('runs long work in its own worker with progress, keeps answering meanwhile, and can cancel', async () => {
    // No scheduled backup competing with the verification measured here.
    const { engine } = await freshEngine({ backupSchedule: { enabled: false } });
    await engine.unlock('admin', 'admin-pass-1');
    // Grow the audit log so verification takes a while (~1 s).
    await engine.lock();
    const s = await openRegister({ dbPath: engine.dbPath, login: 'admin', password: 'admin-pass-1' });
    s.ctx.db
      .transaction(() => {
        for (let i = 0; i < 100_000; i++) appendAudit(s.ctx.db, s.ctx.registerId, { at: new Date().toISOString(), action: 'test.filler', details: { i } });
      })
      .immediate();
    s.close();
    await engine.unlock('admin', 'admin-pass-1');

    const progress: number[] = [];
    const verifying = engine.call('audit.verify', {}, { onProgress: (p) => progress.push(p.done) });
    const t0 = performance.now();
    await engine.call('settings.get', {});
    const concurrentMs = performance.now() - t0;
    const result = (await verifying) as { ok: boolean; rows: number };
    expect(result.ok).toBe(true);
    expect(result.rows).toBeGreaterThan(100_000);
    expect(progress.length).toBeGreaterThan(0);
    expect(concurrentMs).toBeLessThan(200);

    const controller = new AbortController();
    const cancelled = engine.call('audit.verify', {}, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
  });
});

// Timers the test fires by hand, and a clock it moves.
function manualSchedule(start: string) {
  let at = new Date(start);
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  return {
    options: {
      backupSchedule: {
        now: () => at,
        setTimer: (fn: () => void, ms: number) => {
          pending.set(next, { fn, ms });
          return next++;
        },
        clearTimer: (h: unknown) => pending.delete(h as number),
      },
    },
    advance: (hours: number) => (at = new Date(at.getTime() + hours * 3_600_000)),
    pending: () => [...pending.values()].map((p) => p.ms),
    fire: () => {
      const [id, p] = [...pending.entries()][0]!;
      pending.delete(id);
      p.fn();
    },
  };
}

const backups = (d: string) =>
  existsSync(join(d, 'backups'))
    ? readdirSync(join(d, 'backups'))
        .filter((n) => n.endsWith('.pdesk'))
        .sort()
    : [];

describe('engine: scheduled backups', () => {
  it('checks after unlock and every 10 minutes, backs up when due, rotates, and stops on lock', async () => {
    const clock = manualSchedule('2026-03-01T02:00:00');
    const { engine } = await freshEngine(clock.options);
    expect(clock.pending()).toEqual([]);
    // A receptionist's session runs the schedule too, but is not shown its warnings.
    await engine.unlock('admin', 'admin-pass-1');
    await engine.call('user.add', { login: 'desk', fullName: 'Регистраторова Анна', role: 'receptionist', password: 'desk-pass-1' });
    await engine.call('backup.setSettings', { keep: 1 });
    await engine.lock();
    expect(clock.pending()).toEqual([]);
    await engine.unlock('desk', 'desk-pass-1');
    expect(engine.status()).toMatchObject({ warnings: [], backupWarning: null, scheduledBackup: null });
    expect(clock.pending()).toEqual([30_000]);

    clock.fire();
    const first = engine.checkBackup();
    // The desk keeps answering while the scheduled copy is written.
    expect(await engine.call('settings.get', {})).toMatchObject({ jurisdiction: 'KZ' });
    expect(await first).toEqual({ ran: false });
    // The timer's own check is the one that ran; wait for it through the re-armed timer.
    await vi.waitFor(() => expect(clock.pending()).toEqual([600_000]), { timeout: 90_000, interval: 50 });
    expect(backups(dir)).toEqual(['register-20260301-020000.pdesk']);

    clock.advance(23);
    expect(await engine.checkBackup()).toEqual({ ran: false });
    clock.advance(1);
    expect(await engine.checkBackup()).toMatchObject({ ran: true, result: { rotated: ['register-20260301-020000.pdesk'] } });
    expect(backups(dir)).toEqual(['register-20260302-020000.pdesk']);
    await expect(engine.call('backup.list', {})).rejects.toMatchObject({ code: 'forbidden' });

    await engine.lock();
    expect(clock.pending()).toEqual([]);
    expect(engine.status()).toEqual({ registerExists: true, unlocked: false, actor: null });
    await engine.unlock('admin', 'admin-pass-1');
    const rows = (await engine.call('audit.list', { action: 'backup.create' })) as { login: string; details: { automatic?: boolean } }[];
    expect(rows.map((r) => [r.login, r.details.automatic])).toEqual([
      ['desk', true],
      ['desk', true],
    ]);
  });

  it('keeps a failure as the warning for the manager, clears it on success, and never runs two backups at once', async () => {
    // A backup asked for by hand is stamped by the worker's (real) clock: the schedule's starts there too.
    const clock = manualSchedule(new Date().toISOString());
    const { engine } = await freshEngine(clock.options);
    await engine.unlock('admin', 'admin-pass-1');
    writeFileSync(join(dir, 'a-file'), '');
    await engine.call('backup.setSettings', { folder: join(dir, 'a-file', 'backups') });
    expect(await engine.checkBackup()).toEqual({ ran: false });
    expect(engine.status().backupWarning).toMatch(/^Автоматическая резервная копия не создана\. Папка резервных копий недоступна/);

    await engine.call('backup.setSettings', { folder: null });
    const manual = engine.call('backup.create', {});
    // A second one asked for meanwhile waits its turn; the schedule does not start a third.
    const second = engine.call('backup.create', {});
    expect(await engine.checkBackup()).toEqual({ ran: false });
    const [a, b] = (await Promise.all([manual, second])) as { path: string; auditRows: number }[];
    // The second copy was made after the first had finished and been audited.
    expect(b!.auditRows).toBeGreaterThan(a!.auditRows);
    // A copy made by hand into the folder shows backups work again.
    expect(engine.status().backupWarning).toBeNull();
    // The manual copy in the folder is the newest: nothing is due now.
    expect(await engine.checkBackup()).toEqual({ ran: false });
    // The manual copy was stamped a little after the clock started.
    clock.advance(25);
    expect(await engine.checkBackup()).toMatchObject({ ran: true });
    expect(engine.status().backupWarning).toBeNull();
    expect(backups(dir)).toHaveLength(3);
  });

  it('a scheduled backup can be cancelled and leaves no file behind', async () => {
    const clock = manualSchedule('2026-03-01T02:00:00');
    const { engine } = await freshEngine(clock.options);
    await engine.unlock('admin', 'admin-pass-1');
    const running = engine.checkBackup();
    await vi.waitFor(() => expect(engine.status().scheduledBackup).not.toBeNull(), { timeout: 90_000, interval: 5 });
    engine.cancelScheduledBackup();
    const outcome = await running;
    // Cancelled in time, or finished before the flag was read: either way no half-file remains.
    if (!outcome.ran) expect(backups(dir)).toEqual([]);
    expect(engine.status().backupWarning).toBeNull();
    const folder = join(dir, 'backups');
    expect(existsSync(folder) ? readdirSync(folder).filter((n) => n.includes('.partial-')) : []).toEqual([]);
  });
});

describe('what a worker prints about an unexpected failure', () => {
  it('names the error class and its frames, never the message', () => {
    const err = new TypeError('Cannot read "Иванова Анна +79161234567"');
    const printed = describeForLog(err);
    expect(printed.startsWith('TypeError\n')).toBe(true);
    expect(printed).toContain('engine.test.ts');
    expect(printed).not.toContain('Иванова');
    expect(printed).not.toContain('79161234567');
  });
});

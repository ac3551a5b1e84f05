import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../audit.ts';
import { openRegister } from '../register.ts';
import { Engine } from './engine.ts';

const operator = { name: 'ТОО «Клиника»', address: 'г. Алматы, пр. Абая, 1', taxId: '123456789012' };
let dir = '';
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freshEngine() {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-engine-'));
  engine = new Engine({ dbPath: join(dir, 'register.pdesk') });
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
    const { engine } = await freshEngine();
    await engine.unlock('admin', 'admin-pass-1');
    // Grow the audit log so verification takes a while (~1 s).
    await engine.lock();
    const s = await openRegister({ dbPath: engine.dbPath, login: 'admin', password: 'admin-pass-1' });
    s.ctx.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) appendAudit(s.ctx.db, s.ctx.registerId, { at: new Date().toISOString(), action: 'test.filler', details: { i } });
    }).immediate();
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

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule);

const { createIdleLock, defaultIdleLockMinutes } = await import('./idle-lock.ts');

let dispose: (() => void) | null = null;
beforeEach(() => {
  fake.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  dispose?.();
  dispose = null;
  vi.useRealTimers();
});

function setup(limitMinutes?: number) {
  let unlocked = true;
  const order: string[] = [];
  const lock = vi.fn(async () => {
    order.push('lock');
    unlocked = false;
  });
  const notify = vi.fn(() => order.push('notify'));
  const idle = createIdleLock({ isUnlocked: () => unlocked, lock, notify, limitMinutes, pollMs: 1000 });
  dispose = idle.dispose;
  return { idle, lock, notify, order, relock: () => (unlocked = true) };
}

describe('idle lock', () => {
  it('defaults to 5 minutes', () => {
    expect(defaultIdleLockMinutes).toBe(5);
    expect(setup().idle.limitMinutes()).toBe(5);
  });

  it('locks once the system has been idle for the limit, then tells the renderer', async () => {
    const { lock, notify, order } = setup();
    fake.state.idleSeconds = 299;
    await vi.advanceTimersByTimeAsync(5000);
    expect(lock).not.toHaveBeenCalled();
    fake.state.idleSeconds = 300;
    await vi.advanceTimersByTimeAsync(1000);
    expect(lock).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(order).toEqual(['lock', 'notify']);
    // Already locked: further idle polls do nothing.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lock).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('follows the register setting', async () => {
    const { idle, lock } = setup();
    idle.setLimitMinutes(2);
    fake.state.idleSeconds = 119;
    await vi.advanceTimersByTimeAsync(1000);
    expect(lock).not.toHaveBeenCalled();
    fake.state.idleSeconds = 120;
    await vi.advanceTimersByTimeAsync(1000);
    expect(lock).toHaveBeenCalledTimes(1);
    idle.setLimitMinutes(0);
    idle.setLimitMinutes(Number.NaN);
    expect(idle.limitMinutes()).toBe(2);
  });

  for (const event of ['lock-screen', 'suspend']) {
    it(`locks immediately on ${event}`, async () => {
      const { lock, notify } = setup();
      fake.state.idleSeconds = 0;
      fake.powerMonitor.emit(event);
      await vi.advanceTimersByTimeAsync(0);
      expect(lock).toHaveBeenCalledTimes(1);
      expect(notify).toHaveBeenCalledTimes(1);
    });
  }

  it('still notifies the renderer when locking fails', async () => {
    const notify = vi.fn();
    const idle = createIdleLock({ isUnlocked: () => true, lock: async () => Promise.reject(new Error('worker gone')), notify, pollMs: 1000 });
    dispose = idle.dispose;
    fake.powerMonitor.emit('suspend');
    await vi.advanceTimersByTimeAsync(0);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('stops listening on dispose', async () => {
    const { idle, lock } = setup();
    idle.dispose();
    expect(fake.powerMonitor.listenerCount('lock-screen')).toBe(0);
    expect(fake.powerMonitor.listenerCount('suspend')).toBe(0);
    fake.state.idleSeconds = 10_000;
    await vi.advanceTimersByTimeAsync(5000);
    expect(lock).not.toHaveBeenCalled();
  });
});

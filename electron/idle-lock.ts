// Locks the register when the desk is left alone: after the configured idle time (the register's
// general.idleLockMinutes, 5 by default) and at once when the OS locks the screen or suspends.
// Locking ends the session worker, which drops the unwrapped key with its heap; the renderer is
// then told so it can show the unlock screen.
import { powerMonitor } from 'electron';

export const defaultIdleLockMinutes = 5;
export const defaultPollMs = 15_000;

export interface IdleLockOptions {
  isUnlocked: () => boolean;
  lock: () => Promise<unknown>;
  notify: () => void;
  limitMinutes?: number;
  pollMs?: number;
}

export interface IdleLock {
  setLimitMinutes(minutes: number): void;
  limitMinutes(): number;
  // Runs one idle check (the timer calls it; tests may too).
  check(): Promise<boolean>;
  lockNow(reason: 'idle' | 'lock-screen' | 'suspend'): Promise<void>;
  dispose(): void;
}

export function createIdleLock(o: IdleLockOptions): IdleLock {
  let limit = o.limitMinutes ?? defaultIdleLockMinutes;
  let locking: Promise<void> | null = null;

  const lockNow = (_reason: 'idle' | 'lock-screen' | 'suspend'): Promise<void> => {
    // Already locked: nothing to drop, and the renderer was told when it happened.
    if (!o.isUnlocked()) return Promise.resolve();
    locking ??= (async () => {
      try {
        await o.lock();
      } catch {
        // The engine terminates its worker even when the polite close fails; the UI must still lock.
      } finally {
        locking = null;
        o.notify();
      }
    })();
    return locking;
  };

  const check = async (): Promise<boolean> => {
    if (!o.isUnlocked()) return false;
    if (powerMonitor.getSystemIdleTime() < limit * 60) return false;
    await lockNow('idle');
    return true;
  };

  const onLockScreen = () => void lockNow('lock-screen');
  const onSuspend = () => void lockNow('suspend');
  powerMonitor.on('lock-screen', onLockScreen);
  powerMonitor.on('suspend', onSuspend);
  const timer = setInterval(() => void check(), o.pollMs ?? defaultPollMs);
  timer.unref?.();

  return {
    setLimitMinutes(minutes) {
      if (Number.isInteger(minutes) && minutes >= 1 && minutes <= 240) limit = minutes;
    },
    limitMinutes: () => limit,
    check,
    lockNow,
    dispose() {
      clearInterval(timer);
      powerMonitor.off('lock-screen', onLockScreen);
      powerMonitor.off('suspend', onSuspend);
    },
  };
}

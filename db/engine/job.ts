import type { Job } from '../context.ts';
import { RegisterError } from '../errors.ts';

// Cancellation must reach a handler that is busy in synchronous SQLite work, when the worker's
// event loop cannot deliver a message: a shared flag that the handler reads between chunks does.
export function makeJob(cancel: SharedArrayBuffer, report: (done: number, total?: number) => void): Job {
  const flag = new Int32Array(cancel);
  let lastReport = 0;
  return {
    progress: (done, total) => {
      const t = Date.now();
      // At most ~20 progress messages a second: enough for a smooth bar, cheap for 1M rows.
      if (t - lastReport >= 50 || (total !== undefined && done >= total)) {
        lastReport = t;
        report(done, total);
      }
    },
    checkpoint: () => {
      if (Atomics.load(flag, 0) === 1) throw new RegisterError('cancelled');
    },
  };
}

export function errorToWire(err: unknown): { code: string; message: string; details?: unknown } {
  if (err instanceof RegisterError) return err.toJSON();
  // Unknown failures are reported without their text: it may quote data.
  return { code: 'internal', message: 'Внутренняя ошибка программы. Подробности записаны не были, чтобы не раскрыть данные.' };
}

// What a worker prints about an unexpected failure: the error's class and where it happened,
// never its message, which for a third-party error may quote the data being processed.
export function describeForLog(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [err.name, ...frames].join('\n');
}

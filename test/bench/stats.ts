// Small shared pieces of the benchmarks: percentiles, CPU time, the machine, a progress bar.
import { cpus, freemem, loadavg, type as osType, release, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] as number;
}

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), max: round(s.at(-1) ?? Number.NaN), mean: round(mean) };
}

export const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

// CPU time of this whole process (all threads: SQLite, Argon2's pool, the main thread), in ms.
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// Wall and CPU time of one call.
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c = cpuMs();
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t, cpuMs: cpuMs() - c };
}

export function machine() {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    ramGiB: round(totalmem() / 1024 ** 3, 1),
    freeRamGiB: round(freemem() / 1024 ** 3, 1),
    os: `${osType()} ${release()} (${process.platform}/${process.arch})`,
    node: process.version,
    loadAverage: loadavg().map((l) => round(l, 2)),
  };
}

// Progress on stderr: on a terminal one line that redraws itself; otherwise (CI, a log file) a
// line every ~5 %, so the log shows the run is alive without a line per row.
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private label = '';
  private total = 0;
  private lastStep = -1;
  private lastDraw = 0;
  private started = 0;

  start(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.lastStep = -1;
    this.lastDraw = 0;
    this.started = performance.now();
    this.update(0);
  }

  update(done: number): void {
    const fraction = Math.min(1, done / this.total);
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 30;
      const full = Math.round(fraction * width);
      const bar = `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
      process.stderr.write(`\r${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ${this.elapsed()}\x1b[K`);
    } else {
      const step = Math.floor(fraction * 20);
      if (step === this.lastStep) return;
      this.lastStep = step;
      process.stderr.write(`${this.label}: ${step * 5}% (${done}/${this.total}, ${this.elapsed()})\n`);
    }
  }

  done(note = ''): void {
    this.update(this.total);
    const line = `${this.label}: готово за ${this.elapsed()}${note ? `; ${note}` : ''}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  // A phase with no count of its own.
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  private elapsed(): string {
    return `${((performance.now() - this.started) / 1000).toFixed(1)} с`;
  }
}

import { existsSync } from 'node:fs';
import { MessageChannel, type TransferListItem, Worker } from 'node:worker_threads';
import { isOperationName, operations, parseInput } from '../api.ts';
import type { BackupDue } from '../backup.ts';
import type { Actor } from '../context.ts';
import { errorMessages, isErrorCode, RegisterError } from '../errors.ts';
import type { CreateRegisterInput } from '../register.ts';
import { can } from '../roles.ts';
import type { JobWorkerData, Reply, Request, WorkerConfig } from './protocol.ts';

export interface CallOptions {
  onProgress?: (p: { done: number; total?: number }) => void;
  signal?: AbortSignal;
}

export interface EngineStatus {
  registerExists: boolean;
  unlocked: boolean;
  actor: Actor | null;
  // The fields below are present only while unlocked: before a login they are nobody's business.
  // What opening the register found and mended (from the session), for a banner on Home.
  warnings?: string[];
  // Why the last scheduled backup failed (disk full, folder gone); for roles that run backups only.
  backupWarning?: string | null;
  // The scheduled backup running now, if any; for roles that run backups only.
  scheduledBackup?: { done: number; total?: number } | null;
}

export interface BackupSchedule {
  // How often to look whether a backup is due while unlocked (default 10 min).
  checkEveryMs?: number;
  // The first look after an unlock waits this long (default 30 s), so the desk's first searches
  // do not compete with a VACUUM of the whole file right after login.
  firstCheckAfterMs?: number;
  // The clock the schedule is judged by and the backup is stamped with (tests pin it).
  now?: () => Date;
  // Off: no timer at all (the check can still be run with checkBackup()).
  enabled?: boolean;
  // Timer functions (tests may pass fakes); the timers are unref'd so they never keep a process alive.
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; onProgress?: CallOptions['onProgress'] };

// Long enough for a job to notice its cancel flag (checked every 1000 rows and between files).
const jobCancelGraceMs = 3000;

function describeFailure(err: unknown): string {
  const message = err instanceof RegisterError ? err.message : errorMessages.internal;
  // The reason is a sentence of its own.
  return `Автоматическая резервная копия не создана. ${message}`;
}

function fromWire(error: { code: string; message: string; details?: unknown }): RegisterError {
  return new RegisterError(isErrorCode(error.code) ? error.code : 'internal', error.message, error.details);
}

// Distributive so each member keeps its own fields when `id` is dropped.
type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

// The host side of the register: every host (Electron IPC, browser mode) talks to this, and this
// talks to workers. Locking terminates the session worker, which takes the key with it.
export class Engine {
  readonly dbPath: string;
  readonly #config: WorkerConfig;
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #actor: Actor | null = null;
  // Each running job with its cancel flag and a promise that settles when it has answered.
  #jobs = new Map<Worker, { flag: Int32Array; settled: Promise<unknown> }>();
  #warnings: string[] = [];
  #schedule: Required<Omit<BackupSchedule, 'setTimer' | 'clearTimer'>> & Pick<BackupSchedule, 'setTimer' | 'clearTimer'>;
  #timer: unknown = null;
  #timerGeneration = 0;
  // One backup at a time, scheduled or asked for: both write into the same folder and rotate it.
  #backupRunning: Promise<unknown> | null = null;
  #scheduled: { controller: AbortController; progress: { done: number; total?: number } } | null = null;
  #backupWarning: string | null = null;

  constructor(config: WorkerConfig, options: { backupSchedule?: BackupSchedule } = {}) {
    this.dbPath = config.dbPath;
    this.#config = config;
    const o = options.backupSchedule ?? {};
    const fixed = config.fixedNow;
    this.#schedule = {
      checkEveryMs: o.checkEveryMs ?? 10 * 60_000,
      firstCheckAfterMs: o.firstCheckAfterMs ?? 30_000,
      now: o.now ?? (fixed ? () => new Date(fixed) : () => new Date()),
      enabled: o.enabled ?? true,
      setTimer: o.setTimer,
      clearTimer: o.clearTimer,
    };
  }

  status(): EngineStatus {
    const base = { registerExists: existsSync(this.dbPath), unlocked: this.#actor !== null, actor: this.#actor };
    if (!this.#actor) return base;
    const runsBackups = can(this.#actor.role, 'backup.run');
    return {
      ...base,
      warnings: [...this.#warnings],
      backupWarning: runsBackups ? this.#backupWarning : null,
      scheduledBackup: runsBackups && this.#scheduled ? { ...this.#scheduled.progress } : null,
    };
  }

  #spawn(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#config.workerFiles?.session ?? new URL('./session-worker.ts', import.meta.url), { workerData: this.#config });
    worker.on('message', (msg: Reply) => this.#onReply(msg));
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', () => {
      if (this.#worker === worker) {
        this.#worker = null;
        this.#actor = null;
        this.#failAll(new RegisterError('locked'));
      }
    });
    this.#worker = worker;
    return worker;
  }

  #onReply(msg: Reply): void {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.({ done: msg.done, total: msg.total });
      return;
    }
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(fromWire(msg.error));
  }

  #failAll(err: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err instanceof RegisterError ? err : new RegisterError('internal'));
  }

  #request(body: RequestBody, onProgress?: CallOptions['onProgress'], transfer: TransferListItem[] = []): Promise<unknown> {
    const worker = this.#spawn();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ ...body, id }, transfer);
    });
  }

  async create(input: Omit<CreateRegisterInput, 'dbPath'>): Promise<{ registerId: string; recoveryCode: string }> {
    return (await this.#request({ type: 'create', input: { ...input, dbPath: this.dbPath } })) as { registerId: string; recoveryCode: string };
  }

  async unlock(login: string, password: string): Promise<Actor> {
    this.#actor = null;
    this.#stopTimer();
    const opened = (await this.#request({ type: 'unlock', login, password })) as { actor: Actor; warnings: string[] };
    this.#actor = opened.actor;
    this.#warnings = opened.warnings;
    this.#startTimer();
    return opened.actor;
  }

  // ---- scheduled backups ----

  #startTimer(): void {
    if (!this.#schedule.enabled) return;
    const set = this.#schedule.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
    // A lock and a new unlock while a check runs must not leave two chains of timers.
    const generation = ++this.#timerGeneration;
    const next = (ms: number) => {
      this.#timer = set(() => {
        this.#timer = null;
        void this.checkBackup().finally(() => {
          if (this.#actor && generation === this.#timerGeneration) next(this.#schedule.checkEveryMs);
        });
      }, ms);
    };
    next(this.#schedule.firstCheckAfterMs);
  }

  #stopTimer(): void {
    this.#timerGeneration++;
    if (this.#timer === null) return;
    if (this.#schedule.clearTimer) this.#schedule.clearTimer(this.#timer);
    else clearTimeout(this.#timer as ReturnType<typeof setTimeout>);
    this.#timer = null;
  }

  // Looks whether a scheduled backup is due and, if so, runs it as a long job; resolves when done.
  // Never throws: a failure becomes the backup warning, cleared by the next success.
  async checkBackup(): Promise<{ ran: boolean; result?: unknown }> {
    if (!this.#actor || this.#backupRunning) return { ran: false };
    const at = this.#schedule.now();
    let due: BackupDue;
    try {
      due = (await this.#request({ type: 'backup-due', at: at.toISOString() })) as BackupDue;
    } catch (err) {
      if (this.#actor) this.#backupWarning = describeFailure(err);
      return { ran: false };
    }
    // A recent copy in the folder (made by hand after a fix, say) means backups work again.
    if (!due.due && due.lastAutomatic) this.#backupWarning = null;
    if (!due.due || !this.#actor || this.#backupRunning) return { ran: false };
    const controller = new AbortController();
    const scheduled = { controller, progress: { done: 0 } as { done: number; total?: number } };
    this.#scheduled = scheduled;
    const running = this.#runJob({ internal: 'backup.scheduled', op: '', input: null, fixedNow: at.toISOString() }, controller.signal, (p) => {
      scheduled.progress = p;
    });
    this.#backupRunning = running;
    try {
      const result = await running;
      this.#backupWarning = null;
      return { ran: true, result };
    } catch (err) {
      const code = err instanceof RegisterError ? err.code : 'internal';
      // Locking or a cancel is not a failure of the backup: it is simply tried again later.
      if (code !== 'locked' && code !== 'cancelled' && this.#actor) this.#backupWarning = describeFailure(err);
      return { ran: false };
    } finally {
      if (this.#backupRunning === running) this.#backupRunning = null;
      if (this.#scheduled === scheduled) this.#scheduled = null;
    }
  }

  // Stops the scheduled backup that is running, if any (it leaves no file behind).
  cancelScheduledBackup(): void {
    this.#scheduled?.controller.abort();
  }

  async recover(code: string, login: string, newPassword: string): Promise<void> {
    await this.#request({ type: 'recover', code, login, newPassword });
  }

  // Closing the session (checkpoint + close) and then ending the worker drops the unwrapped key
  // with the worker's heap.
  async lock(): Promise<void> {
    const worker = this.#worker;
    this.#actor = null;
    this.#warnings = [];
    // The backup warning stays: it is about the register, and the next manager to log in must see it.
    this.#stopTimer();
    // Job workers hold a borrowed copy of the key: they end with the session. They are asked to
    // cancel first and given a moment to do it, because a cancelled export removes its part-file
    // (plaintext, in the user's folder) and a terminated one cannot.
    const jobs = [...this.#jobs];
    for (const [, j] of jobs) Atomics.store(j.flag, 0, 1);
    await Promise.all(
      jobs.map(async ([w, j]) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([j.settled, new Promise((r) => (timer = setTimeout(r, jobCancelGraceMs)))]);
        clearTimeout(timer);
        await w.terminate();
      }),
    );
    if (!worker) return;
    try {
      await this.#request({ type: 'lock' });
    } finally {
      this.#worker = null;
      await worker.terminate();
    }
  }

  async call(op: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    if (!this.#actor) throw new RegisterError('locked');
    if (!isOperationName(op)) throw new RegisterError('unknown_operation', `Неизвестная операция: ${String(op).slice(0, 80)}`);
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    if (options.signal?.aborted) throw new RegisterError('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A job worker costs ~0.5 s to start: malformed input is refused before that (the worker's
      // dispatch checks it again, with everything else).
      if (operations[op].long) {
        parseInput(op, input);
        if (op !== 'backup.create') return await this.#runJob({ op, input, cancelBuffer: cancel }, undefined, options.onProgress);
        // A backup asked for while another runs waits for it: both write into the same folder, and
        // a click during a scheduled copy should not be refused for a reason the user cannot see.
        while (this.#backupRunning) await this.#backupRunning.catch(() => {});
        if (options.signal?.aborted) throw new RegisterError('cancelled');
        const running = this.#runJob({ op, input, cancelBuffer: cancel }, undefined, options.onProgress);
        this.#backupRunning = running;
        try {
          const result = await running;
          if (!(parseInput(op, input) as { path?: string }).path) this.#backupWarning = null;
          return result;
        } finally {
          if (this.#backupRunning === running) this.#backupRunning = null;
        }
      }
      return await this.#request({ type: 'call', op, input, cancel }, options.onProgress);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #runJob(
    job: { op: string; input: unknown; internal?: JobWorkerData['internal']; fixedNow?: string; cancelBuffer?: SharedArrayBuffer },
    signal?: AbortSignal,
    onProgress?: CallOptions['onProgress'],
  ): Promise<unknown> {
    const cancel = job.cancelBuffer ?? new SharedArrayBuffer(4);
    if (signal) {
      const flag = new Int32Array(cancel);
      if (signal.aborted) throw new RegisterError('cancelled');
      signal.addEventListener('abort', () => Atomics.store(flag, 0, 1), { once: true });
    }
    const { port1, port2 } = new MessageChannel();
    const data: JobWorkerData = {
      ...this.#config,
      ...(job.fixedNow ? { fixedNow: job.fixedNow } : {}),
      port: port2,
      op: job.op,
      input: job.input,
      cancel,
      ...(job.internal ? { internal: job.internal } : {}),
    };
    const worker = new Worker(this.#config.workerFiles?.job ?? new URL('./job-worker.ts', import.meta.url), { workerData: data, transferList: [port2] });
    const result = new Promise<unknown>((resolve, reject) => {
      worker.on('message', (msg: Reply) => {
        if (msg.type === 'progress') onProgress?.({ done: msg.done, total: msg.total });
        else if (msg.ok) resolve(msg.value);
        else reject(fromWire(msg.error));
      });
      worker.on('error', () => reject(new RegisterError('internal')));
      worker.on('exit', () => reject(this.#actor ? new RegisterError('internal', 'Фоновая операция прервана.') : new RegisterError('locked')));
    });
    // Awaited below, after the key is lent; until then a failure must not count as unhandled.
    const settled = result.catch(() => {});
    this.#jobs.set(worker, { flag: new Int32Array(cancel), settled });
    try {
      await this.#request({ type: 'lend-key', port: port1 }, undefined, [port1]);
      return await result;
    } finally {
      this.#jobs.delete(worker);
      await worker.terminate();
    }
  }

  async dispose(): Promise<void> {
    await this.lock();
  }
}

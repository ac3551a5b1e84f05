import { existsSync } from 'node:fs';
import { MessageChannel, type TransferListItem, Worker } from 'node:worker_threads';
import { isOperationName, operations, parseInput } from '../api.ts';
import type { Actor } from '../context.ts';
import { isErrorCode, RegisterError } from '../errors.ts';
import type { CreateRegisterInput } from '../register.ts';
import type { JobWorkerData, Reply, Request, WorkerConfig } from './protocol.ts';

export interface CallOptions {
  onProgress?: (p: { done: number; total?: number }) => void;
  signal?: AbortSignal;
}

export interface EngineStatus {
  registerExists: boolean;
  unlocked: boolean;
  actor: Actor | null;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; onProgress?: CallOptions['onProgress'] };

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
  #jobs = new Set<Worker>();

  constructor(config: WorkerConfig) {
    this.dbPath = config.dbPath;
    this.#config = config;
  }

  status(): EngineStatus {
    return { registerExists: existsSync(this.dbPath), unlocked: this.#actor !== null, actor: this.#actor };
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
    const actor = (await this.#request({ type: 'unlock', login, password })) as Actor;
    this.#actor = actor;
    return actor;
  }

  async recover(code: string, login: string, newPassword: string): Promise<void> {
    await this.#request({ type: 'recover', code, login, newPassword });
  }

  // Closing the session (checkpoint + close) and then ending the worker drops the unwrapped key
  // with the worker's heap.
  async lock(): Promise<void> {
    const worker = this.#worker;
    this.#actor = null;
    // Job workers hold a borrowed copy of the key: they end with the session.
    await Promise.all([...this.#jobs].map((w) => w.terminate()));
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
        return await this.#runJob(op, input, cancel, options.onProgress);
      }
      return await this.#request({ type: 'call', op, input, cancel }, options.onProgress);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #runJob(op: string, input: unknown, cancel: SharedArrayBuffer, onProgress?: CallOptions['onProgress']): Promise<unknown> {
    const { port1, port2 } = new MessageChannel();
    const data: JobWorkerData = { ...this.#config, port: port2, op, input, cancel };
    const worker = new Worker(this.#config.workerFiles?.job ?? new URL('./job-worker.ts', import.meta.url), { workerData: data, transferList: [port2] });
    this.#jobs.add(worker);
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
    result.catch(() => {});
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

import type { MessagePort } from 'node:worker_threads';
import type { Actor } from '../context.ts';
import type { CreateRegisterInput } from '../register.ts';

// Messages between the engine (host side) and its workers. Errors cross as plain objects and are
// rebuilt as RegisterError on the host side.
export type Request =
  | { type: 'create'; id: number; input: CreateRegisterInput }
  | { type: 'unlock'; id: number; login: string; password: string }
  | { type: 'recover'; id: number; code: string; login: string; newPassword: string }
  | { type: 'call'; id: number; op: string; input: unknown; cancel: SharedArrayBuffer }
  | { type: 'lend-key'; id: number; port: MessagePort }
  // Whether a scheduled backup is due at `at` (the engine's clock), read from the register.
  | { type: 'backup-due'; id: number; at: string }
  | { type: 'lock'; id: number };

export type Reply =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: { code: string; message: string; details?: unknown } }
  | { type: 'progress'; id: number; done: number; total?: number };

export interface WorkerConfig {
  dbPath: string;
  // Tests pin the clock; production passes nothing.
  fixedNow?: string;
  // Where the worker scripts are when the engine runs bundled (Electron loads plain .js from an
  // asar); unset, the .ts sources beside engine.ts are used.
  workerFiles?: { session: string; job: string };
}

// Work the engine itself starts, outside the operation table: it runs for whoever is logged in
// (a receptionist's session too), so it must not be callable by a page.
export const internalJobs = ['backup.scheduled'] as const;
export type InternalJob = (typeof internalJobs)[number];

export interface JobWorkerData extends WorkerConfig {
  port: MessagePort;
  // Set for engine-started work; `op` and `input` are then unused.
  internal?: InternalJob;
  op: string;
  input: unknown;
  cancel: SharedArrayBuffer;
}

export interface LentKey {
  key: Uint8Array;
  actor: Actor;
  registerId: string;
}

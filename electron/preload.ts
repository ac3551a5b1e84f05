// The sandboxed preload: `window.register`, the RegisterClient of renderer/api/client.ts, over IPC.
// It exposes that one object and nothing else — no ipcRenderer, no generic send — so a page can
// only ever ask the main process the wire questions of electron/host-core.ts.
//
// Two limits of contextBridge shape this file (it copies values between the page's world and
// this one): an Error crossing it keeps only its message, so a failed call rejects with a plain
// object {name:'ClientError', code, message, details}; and a DOM AbortSignal cannot cross it at all,
// so the page passes a plain stand-in whose `aborted` and `addEventListener` are own properties
// (functions do cross). A real AbortSignal works too when it comes from this world (tests).
import { contextBridge, ipcRenderer } from 'electron';
import type { OperationInput, OperationName, OperationResult } from '../db/api.ts';
import type { Actor } from '../db/context.ts';
import type { EngineStatus } from '../db/engine/engine.ts';
import type { CreateRegisterInput } from '../db/register.ts';

// RegisterClient of renderer/api/client.ts, restated: electron/ may not import from renderer/
// (test/layering.test.ts). electron/preload.test.ts checks both declare the same members.
interface WireError {
  code: string;
  message: string;
  details?: unknown;
}
interface CallOptions {
  onProgress?: (p: { done: number; total?: number }) => void;
  signal?: AbortSignal;
}
interface ChoosePathOptions {
  kind: 'save' | 'folder' | 'open';
  defaultName?: string;
  filters?: { name: string; extensions: string[] }[];
}
interface RevealResult {
  ok: boolean;
  message?: string;
}
interface HostDefaults {
  exportsDir: string;
  pathSeparator: '/' | '\\';
  nativeDialogs: boolean;
}
export interface RegisterClient {
  status(): Promise<EngineStatus>;
  create(input: Omit<CreateRegisterInput, 'dbPath'>): Promise<{ registerId: string; recoveryCode: string }>;
  unlock(login: string, password: string): Promise<Actor>;
  recover(code: string, login: string, newPassword: string): Promise<void>;
  lock(): Promise<void>;
  call<N extends OperationName>(op: N, input: OperationInput<N>, options?: CallOptions): Promise<OperationResult<N>>;
  onLocked(listener: () => void): () => void;
  choosePath(options: ChoosePathOptions): Promise<string | null>;
  reveal(target: { path: string }): Promise<RevealResult>;
  defaults(): Promise<HostDefaults>;
}

const progressChannel = 'register:progress';
const lockedChannel = 'register:locked';

type Reply = { ok: true; value: unknown } | { ok: false; error: WireError };

interface BridgedError extends WireError {
  name: 'ClientError';
}

function bridgedError(e: Partial<WireError> | undefined): BridgedError {
  const out: BridgedError = { name: 'ClientError', code: e?.code ?? 'internal', message: e?.message ?? 'Внутренняя ошибка программы.' };
  if (e?.details !== undefined) out.details = e.details;
  return out;
}

async function invoke(message: string, payload: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(`register:${message}`, payload)) as Reply | undefined;
  if (reply && reply.ok === true) return reply.value;
  throw bridgedError(reply && reply.ok === false ? reply.error : undefined);
}

const progressListeners = new Map<string, NonNullable<CallOptions['onProgress']>>();
ipcRenderer.on(progressChannel, (_event, p: { callId?: unknown; done?: unknown; total?: unknown }) => {
  if (typeof p?.callId !== 'string' || typeof p.done !== 'number') return;
  const listener = progressListeners.get(p.callId);
  if (!listener) return;
  try {
    listener(typeof p.total === 'number' ? { done: p.done, total: p.total } : { done: p.done });
  } catch {
    // A failing page listener must not break delivery to the others.
  }
});

const lockedListeners = new Set<() => void>();
ipcRenderer.on(lockedChannel, () => {
  for (const l of [...lockedListeners]) {
    try {
      l();
    } catch {
      // as above
    }
  }
});

let nextCall = 1;
const session = Math.random().toString(36).slice(2, 10);

interface SignalLike {
  aborted?: boolean;
  addEventListener?: (type: 'abort', listener: () => void, options?: { once?: boolean }) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

const cancelledError = (): BridgedError => bridgedError({ code: 'cancelled', message: 'Операция отменена; реестр не изменён.' });

async function call(op: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
  const signal = options.signal as SignalLike | undefined;
  if (signal?.aborted) throw cancelledError();
  const callId = `c${session}-${nextCall++}`;
  if (typeof options.onProgress === 'function') progressListeners.set(callId, options.onProgress);
  const onAbort = () => void ipcRenderer.invoke('register:cancel', { callId }).catch(() => undefined);
  if (typeof signal?.addEventListener === 'function') signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await invoke('call', { callId, op, input });
  } finally {
    progressListeners.delete(callId);
    if (typeof signal?.removeEventListener === 'function') signal.removeEventListener('abort', onAbort);
  }
}

const register: RegisterClient = {
  status: () => invoke('status', {}) as ReturnType<RegisterClient['status']>,
  create: (input) => invoke('create', input) as ReturnType<RegisterClient['create']>,
  unlock: (login, password) => invoke('unlock', { login, password }) as ReturnType<RegisterClient['unlock']>,
  recover: async (code, login, newPassword) => {
    await invoke('recover', { code, login, newPassword });
  },
  lock: async () => {
    await invoke('lock', {});
  },
  call: call as RegisterClient['call'],
  choosePath: (options) => invoke('choosePath', options) as ReturnType<RegisterClient['choosePath']>,
  reveal: (target) => invoke('reveal', target) as ReturnType<RegisterClient['reveal']>,
  defaults: () => invoke('defaults', {}) as ReturnType<RegisterClient['defaults']>,
  onLocked(listener) {
    if (typeof listener !== 'function') return () => undefined;
    lockedListeners.add(listener);
    return () => {
      lockedListeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('register', register);

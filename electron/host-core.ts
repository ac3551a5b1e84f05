// The one place where a host (Electron IPC, browser-mode HTTP) turns an untrusted message into an
// Engine call. It checks the message's SHAPE only (strict objects, sizes, plain JSON) and leaves
// every rule to the register core; it never throws and never lets a stack or an internal message
// out. Both hosts use exactly this, so they cannot drift apart.
//
// Use:
//   const core = createHostCore(engine);
//   const reply = await core.handle('call', payload, (p) => sendProgress(p));
//   // reply: { ok: true, value } | { ok: false, error: { code, message, details? } }
//   core.cancelAll();  // when the window or the server goes away
//
// Messages (payload -> value):
//   status  {}                                  -> EngineStatus
//   create  {operator, jurisdiction, admin}     -> { registerId, recoveryCode }
//   unlock  {login, password}                   -> Actor
//   recover {code, login, newPassword}          -> { ok: true }
//   lock    {}                                  -> { ok: true }   (cancels in-flight calls first)
//   call    {callId, op, input}                 -> operation result; progress via onProgress
//   cancel  {callId}                            -> { ok: true }   (unknown or finished id: still ok)
import { z } from 'zod';
import type { Actor } from '../db/context.ts';
import type { Engine, EngineStatus } from '../db/engine/engine.ts';
import { type ErrorCode, errorMessages, isErrorCode, RegisterError } from '../db/errors.ts';
import { createRegisterInput } from '../db/register.ts';

// ---- exported API ------------------------------------------------------------------------------

export const hostMessages = ['status', 'create', 'unlock', 'recover', 'lock', 'call', 'cancel'] as const;
export type HostMessage = (typeof hostMessages)[number];

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
export type HostReply<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };
export interface HostProgress {
  callId: string;
  done: number;
  total?: number;
}
export type ProgressListener = (p: HostProgress) => void;

// What the core needs from the Engine (tests may pass a stand-in).
export type HostEngine = Pick<Engine, 'status' | 'create' | 'unlock' | 'recover' | 'lock' | 'call'>;

export interface HostCore {
  status(payload?: unknown): Promise<HostReply<EngineStatus>>;
  create(payload: unknown): Promise<HostReply<{ registerId: string; recoveryCode: string }>>;
  unlock(payload: unknown): Promise<HostReply<Actor>>;
  recover(payload: unknown): Promise<HostReply<{ ok: true }>>;
  lock(payload?: unknown): Promise<HostReply<{ ok: true }>>;
  call(payload: unknown, onProgress?: ProgressListener): Promise<HostReply>;
  cancel(payload: unknown): Promise<HostReply<{ ok: true }>>;
  // Dispatch by message name; an unknown name gets a typed refusal, not an exception.
  handle(message: string, payload: unknown, onProgress?: ProgressListener): Promise<HostReply>;
  // Aborts every in-flight call (window closed, server stopping, register locked).
  cancelAll(): void;
  // Number of calls still running; for tests and for a clean shutdown.
  inFlight(): number;
}

// Characters of JSON-like content a message may carry. `call` is large because consent scans
// travel inside the input (base64); everything else is a few short strings.
export const payloadLimits = { call: 30 * 1024 * 1024, other: 64 * 1024, depth: 64, inFlight: 64 } as const;

export function isHostMessage(name: unknown): name is HostMessage {
  return typeof name === 'string' && (hostMessages as readonly string[]).includes(name);
}

// Any thrown value as a reply-safe error: RegisterError keeps its code, message and details (they
// are written to be shown); anything else becomes a bare 'internal' with no text of its own.
export function toWireError(err: unknown): WireError {
  if (err instanceof RegisterError && isErrorCode(err.code)) {
    return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
  }
  return { code: 'internal', message: errorMessages.internal };
}

// ---- implementation ----------------------------------------------------------------------------

const callIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'идентификатор вызова: 1–100 латинских букв, цифр, «-» или «_»');

const schemas = {
  status: z.strictObject({}),
  // The core's own schema: the host adds strictness, not rules. The engine sets dbPath itself.
  create: createRegisterInput.omit({ dbPath: true }).strict(),
  unlock: z.strictObject({ login: z.string().min(1).max(256), password: z.string().min(1).max(4096) }),
  recover: z.strictObject({ code: z.string().min(1).max(200), login: z.string().min(1).max(256), newPassword: z.string().min(1).max(4096) }),
  lock: z.strictObject({}),
  call: z.strictObject({ callId: callIdSchema, op: z.string().min(1).max(200), input: z.unknown().optional() }),
  cancel: z.strictObject({ callId: callIdSchema }),
} satisfies Record<HostMessage, z.ZodType>;

function refuse(code: ErrorCode, message: string, details?: unknown): { ok: false; error: WireError } {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

// Plain JSON only, bounded in size and depth, checked without recursion so a hostile nesting cannot
// overflow the stack before zod even sees it. Returns a Russian reason or null.
export function checkPlainJson(value: unknown, maxChars: number, maxDepth: number = payloadLimits.depth): string | null {
  let chars = 0;
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (d > maxDepth) return `вложенность данных больше ${maxDepth} уровней`;
    chars += 8;
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'число вне допустимого диапазона';
      continue;
    }
    if (typeof v === 'string') {
      chars += v.length;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, d: d + 1 });
    } else if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return 'данные не являются простым JSON';
      for (const key of Object.keys(v)) {
        chars += key.length;
        stack.push({ v: (v as Record<string, unknown>)[key], d: d + 1 });
      }
    } else {
      return 'данные не являются простым JSON';
    }
    if (chars > maxChars) return `запрос больше допустимого размера (${Math.round(maxChars / 1024)} КБ)`;
  }
  return null;
}

type Parsed<M extends HostMessage> = { ok: true; data: z.output<(typeof schemas)[M]> } | { ok: false; error: WireError };

function parse<M extends HostMessage>(message: M, payload: unknown): Parsed<M> {
  const body = payload === undefined ? {} : payload;
  const problem = checkPlainJson(body, message === 'call' ? payloadLimits.call : payloadLimits.other);
  if (problem) return refuse('invalid_input', `Неверный формат запроса: ${problem}.`);
  const parsed = schemas[message].safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String), message: i.message }));
    const text = issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    return refuse('invalid_input', `Неверный формат запроса: ${text}`, issues);
  }
  return { ok: true, data: parsed.data as z.output<(typeof schemas)[M]> };
}

async function attempt<T>(run: () => Promise<T> | T): Promise<HostReply<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

export function createHostCore(engine: HostEngine): HostCore {
  const inFlight = new Map<string, AbortController>();

  const cancelAll = (): void => {
    for (const controller of inFlight.values()) controller.abort();
  };

  const core: HostCore = {
    async status(payload) {
      const p = parse('status', payload);
      if (!p.ok) return p;
      return attempt(() => engine.status());
    },
    async create(payload) {
      const p = parse('create', payload);
      if (!p.ok) return p;
      return attempt(() => engine.create(p.data));
    },
    async unlock(payload) {
      const p = parse('unlock', payload);
      if (!p.ok) return p;
      return attempt(() => engine.unlock(p.data.login, p.data.password));
    },
    async recover(payload) {
      const p = parse('recover', payload);
      if (!p.ok) return p;
      return attempt(async () => {
        await engine.recover(p.data.code, p.data.login, p.data.newPassword);
        return { ok: true as const };
      });
    },
    async lock(payload) {
      const p = parse('lock', payload);
      if (!p.ok) return p;
      // A job worker holds a borrowed key until it ends: cancel jobs so no key outlives the lock.
      cancelAll();
      return attempt(async () => {
        await engine.lock();
        return { ok: true as const };
      });
    },
    async call(payload, onProgress) {
      const p = parse('call', payload);
      if (!p.ok) return p;
      const { callId, op, input } = p.data;
      if (inFlight.has(callId)) return refuse('conflict', 'Вызов с таким идентификатором уже выполняется.');
      if (inFlight.size >= payloadLimits.inFlight) return refuse('conflict', 'Слишком много одновременных операций; дождитесь завершения текущих.');
      const controller = new AbortController();
      inFlight.set(callId, controller);
      try {
        return await attempt(() =>
          engine.call(op, input, {
            signal: controller.signal,
            onProgress: (pr) => {
              try {
                onProgress?.(pr.total === undefined ? { callId, done: pr.done } : { callId, done: pr.done, total: pr.total });
              } catch {
                // A listener that failed (closed window, dropped connection) must not fail the call.
              }
            },
          }),
        );
      } finally {
        inFlight.delete(callId);
      }
    },
    async cancel(payload) {
      const p = parse('cancel', payload);
      if (!p.ok) return p;
      // A call that has just finished is not an error: the caller raced the result.
      inFlight.get(p.data.callId)?.abort();
      return { ok: true, value: { ok: true as const } };
    },
    async handle(message, payload, onProgress) {
      try {
        if (!isHostMessage(message)) return refuse('unknown_operation', 'Неизвестный запрос к программе.');
        if (message === 'call') return await core.call(payload, onProgress);
        return await core[message](payload);
      } catch (err) {
        return { ok: false, error: toWireError(err) };
      }
    },
    cancelAll,
    inFlight: () => inFlight.size,
  };
  return core;
}

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
//   choosePath {kind, defaultName?, filters?}   -> absolute path | null (cancelled, or no dialogs here)
//   reveal  {path}                              -> { ok, message? }  (only paths of this session)
//   defaults {}                                 -> { exportsDir, pathSeparator, nativeDialogs }
//
// The last three touch files of the machine the host runs on (exports, packs, prints). Each host
// plugs in how it does that (HostFiles: Electron's dialogs and shell, or browser mode's own
// opener); the core decides what is allowed. A page may open the folder of a file only when this
// session chose or wrote that file, never of any path it names.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep, win32 } from 'node:path';
import { z } from 'zod';
import type { Actor } from '../db/context.ts';
import type { Engine, EngineStatus } from '../db/engine/engine.ts';
import { type ErrorCode, errorMessages, isErrorCode, RegisterError } from '../db/errors.ts';
import { createRegisterInput } from '../db/register.ts';

// ---- exported API ------------------------------------------------------------------------------

export const hostMessages = ['status', 'create', 'unlock', 'recover', 'lock', 'call', 'cancel', 'choosePath', 'reveal', 'defaults'] as const;
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

export const pathKinds = ['save', 'folder', 'open'] as const;
export interface ChoosePathRequest {
  kind: (typeof pathKinds)[number];
  // A file name only (no folder): the dialog starts in the exports folder.
  defaultName?: string;
  filters?: { name: string; extensions: string[] }[];
}
export interface RevealResult {
  ok: boolean;
  // Why the folder could not be opened, for the user (Russian).
  message?: string;
}
export interface HostDefaults {
  // Where exports go unless the user picks another place; created on first use.
  exportsDir: string;
  pathSeparator: '/' | '\\';
  // True in Electron (choosePath shows a dialog); false in browser mode, where choosePath answers
  // null and the page asks for the path in a text field instead.
  nativeDialogs: boolean;
}

// How a host reaches the machine's files and desktop.
export interface HostFiles {
  nativeDialogs: boolean;
  // Shows a dialog starting in `startDir`; null when cancelled or when the host has none.
  choosePath(request: ChoosePathRequest, startDir: string): Promise<string | null>;
  // Opens the file manager at `path` (a file: its folder, with the file selected where the OS can;
  // a folder: that folder). `folder` is the folder to open for hosts that cannot select a file.
  reveal(target: { path: string; folder: string }): Promise<RevealResult>;
  exportsDir(): string;
}

export interface PathEnv {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
  // user-dirs.dirs on Linux; tests pass its text.
  readText?: (path: string) => string | null;
}

const exportsFolderName = 'PrivacyDesk';

function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

// The user's Documents folder plus PrivacyDesk: what a clinic's staff would look in first.
// Linux follows xdg-user-dirs (a Russian desktop calls the folder «Документы»).
export function defaultExportsDir(o: PathEnv = {}): string {
  const platform = o.platform ?? process.platform;
  const env = o.env ?? process.env;
  const home = o.home ?? homedir();
  if (platform === 'win32') return win32.join(env.USERPROFILE || home, 'Documents', exportsFolderName);
  if (platform === 'darwin') return join(home, 'Documents', exportsFolderName);
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  const text = (o.readText ?? readTextOrNull)(join(config, 'user-dirs.dirs'));
  const m = text ? /^\s*XDG_DOCUMENTS_DIR\s*=\s*"([^"\n]*)"/m.exec(text) : null;
  if (m) {
    const value = m[1]!.replace(/^\$HOME(?=\/|$)/, home);
    // "$HOME/" alone means "no documents folder" by the spec's convention; anything relative is invalid.
    if (value.startsWith('/') && resolve(value) !== resolve(home)) return join(value, exportsFolderName);
  }
  return join(home, 'Documents', exportsFolderName);
}

// A host without a desktop to talk to: no dialogs, nothing to open folders with.
export function headlessFiles(exportsDir: () => string = () => defaultExportsDir()): HostFiles {
  return {
    nativeDialogs: false,
    choosePath: async () => null,
    reveal: async () => ({ ok: false, message: 'Открыть папку отсюда нельзя: откройте её в проводнике сами.' }),
    exportsDir,
  };
}

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
  choosePath(payload: unknown): Promise<HostReply<string | null>>;
  reveal(payload: unknown): Promise<HostReply<RevealResult>>;
  defaults(payload?: unknown): Promise<HostReply<HostDefaults>>;
  // The host's way to files and the desktop (set once by the host; headless until then).
  attachFiles(files: HostFiles): void;
  // Dispatch by message name; an unknown name gets a typed refusal, not an exception.
  handle(message: string, payload: unknown, onProgress?: ProgressListener): Promise<HostReply>;
  // Aborts every in-flight call (window closed, server stopping, register locked).
  cancelAll(): void;
  // Number of calls still running; for tests and for a clean shutdown.
  inFlight(): number;
}

// Characters of JSON-like content a message may carry. `call` is large because files travel
// inside the input as base64: consent scans (20 MB) and import files (30 MB, db/import.ts, which
// is 40 M characters of base64); everything else is a few short strings.
export const payloadLimits = { call: 42 * 1024 * 1024, other: 64 * 1024, depth: 64, inFlight: 64 } as const;

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

// A bare file name: the page suggests a name, never a place.
const fileNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\0:*?"<>|]+$/, 'имя файла без папки и без символов / \\ : * ? " < > |');

const schemas = {
  status: z.strictObject({}),
  // The core's own schema: the host adds strictness, not rules. The engine sets dbPath itself.
  create: createRegisterInput.omit({ dbPath: true }).strict(),
  unlock: z.strictObject({ login: z.string().min(1).max(256), password: z.string().min(1).max(4096) }),
  recover: z.strictObject({ code: z.string().min(1).max(200), login: z.string().min(1).max(256), newPassword: z.string().min(1).max(4096) }),
  lock: z.strictObject({}),
  call: z.strictObject({ callId: callIdSchema, op: z.string().min(1).max(200), input: z.unknown().optional() }),
  cancel: z.strictObject({ callId: callIdSchema }),
  choosePath: z.strictObject({
    kind: z.enum(pathKinds),
    defaultName: fileNameSchema.optional(),
    filters: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(100),
          extensions: z
            .array(z.string().regex(/^(\*|[A-Za-z0-9]{1,10})$/))
            .min(1)
            .max(10),
        }),
      )
      .max(10)
      .optional(),
  }),
  reveal: z.strictObject({ path: z.string().min(1).max(4096) }),
  defaults: z.strictObject({}),
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

const texts = {
  notUnlocked: 'Реестр заблокирован: войдите снова.',
  notRevealable: 'Открыть можно только папку файла, выбранного или сохранённого программой в этом сеансе.',
  gone: 'Файла больше нет на этом месте: возможно, его переместили или удалили.',
} as const;

// Operations that write a file or folder where the user asked and answer with its {path}. Only
// their results become revealable: an operation that merely reads a path the page named (pack.verify)
// must not turn that path into one the host will open.
export const fileWritingOps = new Set([
  'register.export',
  'marketing.export',
  'consent.exportRecords',
  'pack.create',
  'print.consent',
  'print.act',
  'print.answer',
  'backup.create',
]);

function writtenPath(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const p = (value as { path?: unknown }).path;
  return typeof p === 'string' && isAbsolute(p) ? resolve(p) : null;
}

export function createHostCore(engine: HostEngine, options: { files?: HostFiles } = {}): HostCore {
  const inFlight = new Map<string, AbortController>();
  let files: HostFiles = options.files ?? headlessFiles();
  // Paths this session chose in a dialog or wrote through an operation: the only ones `reveal`
  // opens. Forgotten when the register locks.
  const revealable = new Set<string>();

  const unlocked = (): boolean => {
    try {
      return engine.status().unlocked === true;
    } catch {
      return false;
    }
  };

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
      revealable.clear();
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
        const reply = await attempt(() =>
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
        if (reply.ok && fileWritingOps.has(op)) {
          const written = writtenPath(reply.value);
          if (written) revealable.add(written);
        }
        return reply;
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
    async choosePath(payload) {
      const p = parse('choosePath', payload);
      if (!p.ok) return p;
      if (!unlocked()) return refuse('locked', texts.notUnlocked);
      return attempt(async () => {
        const chosen = await files.choosePath(p.data, files.exportsDir());
        if (typeof chosen !== 'string' || !isAbsolute(chosen)) return null;
        const path = resolve(chosen);
        revealable.add(path);
        return path;
      });
    },
    async reveal(payload) {
      const p = parse('reveal', payload);
      if (!p.ok) return p;
      if (!unlocked()) return refuse('locked', texts.notUnlocked);
      const path = isAbsolute(p.data.path) ? resolve(p.data.path) : null;
      if (!path || !revealable.has(path)) return refuse('forbidden', texts.notRevealable);
      return attempt(async (): Promise<RevealResult> => {
        let isDir: boolean;
        try {
          isDir = statSync(path).isDirectory();
        } catch {
          return { ok: false, message: texts.gone };
        }
        return files.reveal({ path, folder: isDir ? path : dirname(path) });
      });
    },
    async defaults(payload) {
      const p = parse('defaults', payload);
      if (!p.ok) return p;
      if (!unlocked()) return refuse('locked', texts.notUnlocked);
      return attempt(() => {
        const exportsDir = resolve(files.exportsDir());
        try {
          // Owner-only: exports hold personal data in plaintext.
          if (!existsSync(exportsDir)) mkdirSync(exportsDir, { recursive: true, mode: 0o700 });
        } catch {
          // Read-only home or the like: the export itself then says it cannot write there.
        }
        return { exportsDir, pathSeparator: sep === '\\' ? '\\' : '/', nativeDialogs: files.nativeDialogs } satisfies HostDefaults;
      });
    },
    attachFiles(next) {
      files = next;
    },
    async handle(message, payload, onProgress) {
      try {
        if (!isHostMessage(message)) return refuse('unknown_operation', 'Неизвестный запрос к программе.');
        if (message === 'call') return await core.call(payload, onProgress);
        return await (core[message] as (payload: unknown) => Promise<HostReply>)(payload);
      } catch (err) {
        return { ok: false, error: toWireError(err) };
      }
    },
    cancelAll,
    inFlight: () => inFlight.size,
  };
  return core;
}

// The one typed client the UI talks to. In Electron it is `window.register` (the preload bridges it
// over IPC); in browser mode it is the HTTP client. Both hosts forward to the same engine and the
// same operation table, so the UI cannot tell them apart. Types only from db/: nothing of the
// register core runs in the renderer.
import type { OperationInput, OperationName, OperationResult } from '../../db/api.ts';
import type { Actor } from '../../db/context.ts';
import type { EngineStatus } from '../../db/engine/engine.ts';
import type { CreateRegisterInput } from '../../db/register.ts';

export type { OperationInput, OperationName, OperationResult };

export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

export interface CallOptions {
  onProgress?: (p: { done: number; total?: number }) => void;
  signal?: AbortSignal;
}

// Files on the machine running the host (exports, packs, prints). In Electron choosePath shows
// the system dialog; in browser mode it answers null and the page asks for the path in a text
// field, starting from `defaults().exportsDir`. reveal opens only a folder of a file this session
// chose or wrote.
export interface ChoosePathOptions {
  kind: 'save' | 'folder' | 'open';
  // A bare file name suggested in the dialog.
  defaultName?: string;
  filters?: { name: string; extensions: string[] }[];
}

export interface RevealResult {
  ok: boolean;
  message?: string;
}

export interface HostDefaults {
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
  // The host locks the register on idle or OS lock; the UI listens to show the unlock screen.
  onLocked(listener: () => void): () => void;
  choosePath(options: ChoosePathOptions): Promise<string | null>;
  reveal(target: { path: string }): Promise<RevealResult>;
  defaults(): Promise<HostDefaults>;
}

// Errors from either host arrive as this class, with the register's stable error code.
export class ClientError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(e: WireError) {
    super(e.message);
    this.name = 'ClientError';
    this.code = e.code;
    this.details = e.details;
  }
}

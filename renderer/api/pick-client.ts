// The one client the page talks to: the Electron preload's bridge when the page runs in the
// desktop window, otherwise the browser-mode HTTP client against the host that served the page.
import { type CallOptions, ClientError, type RegisterClient, type WireError } from './client.ts';
import { createHttpClient } from './http-client.ts';

declare global {
  interface Window {
    register?: RegisterClient;
  }
}

function isWireError(e: unknown): e is WireError {
  return typeof e === 'object' && e !== null && typeof (e as WireError).code === 'string' && typeof (e as WireError).message === 'string';
}

async function rethrown<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    // contextBridge copies an Error as its message only, so the preload rejects with a plain
    // {code, message} object; give the UI the same ClientError the HTTP client throws.
    throw e instanceof ClientError ? e : new ClientError(isWireError(e) ? e : { code: 'internal', message: String((e as Error)?.message ?? e) });
  }
}

// An AbortSignal cannot cross contextBridge; an object whose members are its own functions can.
function bridgeableOptions(o?: CallOptions): CallOptions | undefined {
  const s = o?.signal;
  if (!s) return o;
  // `aborted` is copied at call time; a later abort arrives through the listener.
  const signal = {
    aborted: s.aborted,
    addEventListener: (t: string, l: () => void, opts?: AddEventListenerOptions) => s.addEventListener(t, l, opts),
    removeEventListener: (t: string, l: () => void) => s.removeEventListener(t, l),
  } as unknown as AbortSignal;
  return { ...o, signal };
}

export function wrapBridge(bridge: RegisterClient): RegisterClient {
  return {
    status: () => rethrown(bridge.status()),
    create: (input) => rethrown(bridge.create(input)),
    unlock: (login, password) => rethrown(bridge.unlock(login, password)),
    recover: (code, login, newPassword) => rethrown(bridge.recover(code, login, newPassword)),
    lock: () => rethrown(bridge.lock()),
    call: (op, input, options) => rethrown(bridge.call(op, input, bridgeableOptions(options))),
    onLocked: (listener) => bridge.onLocked(listener),
    choosePath: (options) => rethrown(bridge.choosePath(options)),
    reveal: (target) => rethrown(bridge.reveal(target)),
    defaults: () => rethrown(bridge.defaults()),
  };
}

export function pickClient(w: Pick<Window, 'register'> = window): RegisterClient {
  return w.register ? wrapBridge(w.register) : createHttpClient();
}

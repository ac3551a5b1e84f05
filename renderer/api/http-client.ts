// The RegisterClient of browser mode: same-origin fetch to the loopback host, which forwards to
// the same host core as Electron's IPC. The session cookie (HttpOnly) rides along by itself; the
// browser adds the Origin header the host checks. Browser code: no Node imports here.
import { type CallOptions, ClientError, type OperationInput, type OperationName, type OperationResult, type RegisterClient, type WireError } from './client.ts';

export interface HttpClientOptions {
  // Prefix for API URLs; '' in the page (same origin). Tests in Node pass the host's origin.
  base?: string;
  // Tests pass a fetch that adds what a browser adds by itself (cookie, Origin).
  fetch?: typeof fetch;
}

type Reply = { ok: true; value: unknown } | { ok: false; error: WireError };
type StreamLine = ({ type: 'progress'; done: number; total?: number } & Record<string, unknown>) | ({ type: 'result' } & Reply);

const lostConnection: WireError = {
  code: 'internal',
  message: 'Нет связи с программой Privacy Desk. Проверьте, что она запущена, и обновите страницу.',
};
const sessionGone: WireError = {
  code: 'forbidden',
  message: 'Сеанс браузера недействителен: откройте ссылку, которую программа напечатала при запуске.',
};

function newCallId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createHttpClient(options: HttpClientOptions = {}): RegisterClient {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init));
  const lockListeners = new Set<() => void>();

  const notifyLocked = (): void => {
    for (const listener of [...lockListeners]) {
      try {
        listener();
      } catch {
        // One failing listener must not keep the others from hearing about the lock.
      }
    }
  };

  // A reply's error as ClientError; a 'locked' answer means the host locked the register (idle,
  // OS lock), so the UI hears about it whichever call found out.
  const fail = (error: WireError): ClientError => {
    if (error.code === 'locked') notifyLocked();
    return new ClientError(error);
  };

  async function post(message: string, payload: unknown): Promise<Response> {
    try {
      return await doFetch(`${base}/api/${message}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
    } catch {
      throw new ClientError(lostConnection);
    }
  }

  function transportError(res: Response): ClientError {
    return new ClientError(res.status === 401 ? sessionGone : lostConnection);
  }

  async function request(message: string, payload: unknown): Promise<unknown> {
    const res = await post(message, payload);
    const isJson = (res.headers.get('Content-Type') ?? '').startsWith('application/json');
    if (!isJson) throw transportError(res);
    let reply: Reply;
    try {
      reply = (await res.json()) as Reply;
    } catch {
      throw new ClientError(lostConnection);
    }
    if (reply.ok) return reply.value;
    throw fail(reply.error);
  }

  async function callStreaming(op: string, input: unknown, o: CallOptions = {}): Promise<unknown> {
    if (o.signal?.aborted) throw new ClientError({ code: 'cancelled', message: 'Операция отменена; реестр не изменён.' });
    const callId = newCallId();
    // Cancelling asks the host to stop; the reply that follows is still the host's word on what
    // happened (a call that finished first is reported as finished, not as cancelled).
    const onAbort = (): void => {
      void post('cancel', { callId }).catch(() => undefined);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await post('call', { callId, op, input });
      const type = res.headers.get('Content-Type') ?? '';
      if (type.startsWith('application/json')) {
        const reply = (await res.json().catch(() => null)) as Reply | null;
        if (!reply) throw new ClientError(lostConnection);
        if (reply.ok) return reply.value;
        throw fail(reply.error);
      }
      if (!res.ok || !type.startsWith('application/x-ndjson') || !res.body) throw transportError(res);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch {
          throw new ClientError(lostConnection);
        }
        if (chunk.done) break;
        buffered += decoder.decode(chunk.value, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (!line) continue;
          let msg: StreamLine;
          try {
            msg = JSON.parse(line) as StreamLine;
          } catch {
            throw new ClientError(lostConnection);
          }
          if (msg.type === 'progress') {
            try {
              o.onProgress?.(msg.total === undefined ? { done: msg.done } : { done: msg.done, total: msg.total });
            } catch {
              // The UI's progress handler failing must not lose the result.
            }
          } else if (msg.type === 'result') {
            void reader.cancel().catch(() => undefined);
            if (msg.ok) return msg.value;
            throw fail(msg.error);
          }
        }
      }
      throw new ClientError(lostConnection);
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    status: () => request('status', {}) as ReturnType<RegisterClient['status']>,
    create: (input) => request('create', input) as ReturnType<RegisterClient['create']>,
    unlock: (login, password) => request('unlock', { login, password }) as ReturnType<RegisterClient['unlock']>,
    recover: async (code, login, newPassword) => {
      await request('recover', { code, login, newPassword });
    },
    lock: async () => {
      await request('lock', {});
      notifyLocked();
    },
    call: <N extends OperationName>(op: N, input: OperationInput<N>, o?: CallOptions) => callStreaming(op, input, o) as Promise<OperationResult<N>>,
    choosePath: (options) => request('choosePath', options) as ReturnType<RegisterClient['choosePath']>,
    reveal: (target) => request('reveal', target) as ReturnType<RegisterClient['reveal']>,
    defaults: () => request('defaults', {}) as ReturnType<RegisterClient['defaults']>,
    onLocked: (listener) => {
      lockListeners.add(listener);
      return () => {
        lockListeners.delete(listener);
      };
    },
  };
}

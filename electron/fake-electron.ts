// A hand-written stand-in for the 'electron' module, for tests only (vi.mock('electron', …)).
// It records what the code under test asked Electron to do — window options, handlers, sent
// messages — so tests can assert on it and call the handlers the way Electron would. One shared
// instance; reset() clears it in place because the modules under test hold references to it.
import { vi } from 'vitest';

type Listener = (...args: any[]) => unknown;

class Emitter {
  listeners = new Map<string, Listener[]>();
  on(name: string, l: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
    return this;
  }
  once(name: string, l: Listener): this {
    const wrap: Listener = (...args) => {
      this.off(name, wrap);
      return l(...args);
    };
    return this.on(name, wrap);
  }
  off(name: string, l: Listener): this {
    this.listeners.set(
      name,
      (this.listeners.get(name) ?? []).filter((x) => x !== l),
    );
    return this;
  }
  removeListener(name: string, l: Listener): this {
    return this.off(name, l);
  }
  emit(name: string, ...args: unknown[]): boolean {
    const ls = [...(this.listeners.get(name) ?? [])];
    for (const l of ls) l(...args);
    return ls.length > 0;
  }
  listenerCount(name: string): number {
    return this.listeners.get(name)?.length ?? 0;
  }
}

// An Electron-style event: preventDefault() is recorded.
export function fakeEvent<T extends object>(extra: T = {} as T): T & { defaultPrevented: boolean; preventDefault: () => void } {
  const e = { defaultPrevented: false, preventDefault: () => (e.defaultPrevented = true), ...extra };
  return e;
}

let nextRouting = 1;

export class FakeWebFrameMain {
  url: string;
  processId: number;
  routingId: number;
  parent: FakeWebFrameMain | null;
  constructor(url = '', parent: FakeWebFrameMain | null = null, processId = 7) {
    this.url = url;
    this.parent = parent;
    this.processId = processId;
    this.routingId = nextRouting++;
  }
}

export class FakeWebContents extends Emitter {
  mainFrame = new FakeWebFrameMain('');
  send = vi.fn();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler = vi.fn((h: (details: { url: string }) => { action: string }) => {
    this.windowOpenHandler = h;
  });
  destroyed = false;
  isDestroyed = () => this.destroyed;
}

export class FakeBrowserWindow extends Emitter {
  static instances: FakeBrowserWindow[] = [];
  options: any;
  webContents = new FakeWebContents();
  destroyed = false;
  minimized = false;
  visible = false;
  restore = vi.fn(() => {
    this.minimized = false;
  });
  show = vi.fn(() => {
    this.visible = true;
  });
  focus = vi.fn();
  loadURL = vi.fn(async (url: string) => {
    this.webContents.mainFrame.url = url;
  });
  constructor(options: unknown) {
    super();
    this.options = options;
    FakeBrowserWindow.instances.push(this);
  }
  isDestroyed = () => this.destroyed;
  isMinimized = () => this.minimized;
  isVisible = () => this.visible;
}

function makeSession() {
  const s = {
    permissionRequestHandler: null as null | Listener,
    permissionCheckHandler: null as null | Listener,
    devicePermissionHandler: null as null | Listener,
    headersReceived: null as null | Listener,
    beforeRequest: null as null | Listener,
    setPermissionRequestHandler: vi.fn((h: Listener) => {
      s.permissionRequestHandler = h;
    }),
    setPermissionCheckHandler: vi.fn((h: Listener) => {
      s.permissionCheckHandler = h;
    }),
    setDevicePermissionHandler: vi.fn((h: Listener) => {
      s.devicePermissionHandler = h;
    }),
    webRequest: {
      onHeadersReceived: vi.fn((h: Listener) => {
        s.headersReceived = h;
      }),
      onBeforeRequest: vi.fn((h: Listener) => {
        s.beforeRequest = h;
      }),
    },
  };
  return s;
}

const state = { gotLock: true, idleSeconds: 0 };

const app = Object.assign(new Emitter(), {
  isPackaged: false,
  requestSingleInstanceLock: vi.fn(() => state.gotLock),
  quit: vi.fn(),
  exit: vi.fn(),
  enableSandbox: vi.fn(),
  whenReady: vi.fn(async () => undefined),
});

const ipcMain = Object.assign(new Emitter(), {
  handlers: new Map<string, Listener>(),
  handle: vi.fn((channel: string, h: Listener) => {
    if (ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcMain.handlers.set(channel, h);
  }),
  removeHandler: vi.fn((channel: string) => {
    ipcMain.handlers.delete(channel);
  }),
});

const protocol = {
  schemes: [] as unknown[],
  handlers: new Map<string, (req: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged: vi.fn((schemes: unknown[]) => {
    protocol.schemes.push(...schemes);
  }),
  handle: vi.fn((scheme: string, h: (req: Request) => Promise<Response>) => {
    protocol.handlers.set(scheme, h);
  }),
};

const session = { defaultSession: makeSession() };

const powerMonitor = Object.assign(new Emitter(), {
  getSystemIdleTime: vi.fn(() => state.idleSeconds),
});

const dialog = {
  showErrorBox: vi.fn(),
  showMessageBox: vi.fn(async () => ({ response: 0, checkboxChecked: false })),
};

const contextBridge = {
  exposed: {} as Record<string, unknown>,
  exposeInMainWorld: vi.fn((key: string, api: unknown) => {
    contextBridge.exposed[key] = api;
  }),
};

const ipcRenderer = Object.assign(new Emitter(), {
  invoke: vi.fn(async (_channel: string, _payload?: unknown): Promise<unknown> => ({ ok: true, value: null })),
  send: vi.fn(),
});

export const fake = {
  state,
  app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain,
  protocol,
  session,
  powerMonitor,
  dialog,
  contextBridge,
  ipcRenderer,
  reset() {
    state.gotLock = true;
    state.idleSeconds = 0;
    app.listeners.clear();
    app.isPackaged = false;
    ipcMain.listeners.clear();
    ipcMain.handlers.clear();
    protocol.schemes.length = 0;
    protocol.handlers.clear();
    session.defaultSession = makeSession();
    powerMonitor.listeners.clear();
    contextBridge.exposed = {};
    ipcRenderer.listeners.clear();
    FakeBrowserWindow.instances.length = 0;
    vi.clearAllMocks();
  },
};

// The module shape vi.mock('electron') returns.
export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain,
  protocol,
  session,
  powerMonitor,
  dialog,
  contextBridge,
  ipcRenderer,
};

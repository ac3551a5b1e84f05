// The IPC host: one ipcMain.handle per wire message, each forwarding to host-core. Before anything
// is looked at, the sender must be the main frame of our one window showing our own origin: a
// subframe, another web contents or a page that navigated elsewhere gets 'forbidden' and the
// engine is never touched.
import { join } from 'node:path';
import { app, type BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain, shell } from 'electron';
import { defaultExportsDir, type HostCore, type HostFiles, type HostMessage, type HostProgress, type HostReply, hostMessages } from './host-core.ts';
import { isAppUrl } from './window.ts';

export const channelPrefix = 'register:';
export const progressChannel = 'register:progress';
export const lockedChannel = 'register:locked';

export function channelFor(message: HostMessage): string {
  return `${channelPrefix}${message}`;
}

export const forbiddenReply: HostReply<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'Запрос отклонён: он пришёл не из окна программы.' },
};

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, win: BrowserWindow | null): boolean {
  if (!win || win.isDestroyed()) return false;
  const contents = win.webContents;
  if (event.sender !== contents) return false;
  const frame = event.senderFrame;
  // null when the frame has navigated away or been destroyed since it sent the message.
  if (!frame) return false;
  const main = contents.mainFrame;
  const isMain = frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
  if (!isMain || frame.parent) return false;
  return isAppUrl(frame.url);
}

export interface IpcHostOptions {
  core: HostCore;
  window: () => BrowserWindow | null;
  // Told about each reply forwarded (not about refused ones): main.ts uses it for the idle-lock
  // limit after unlock and for the "cannot open the register" dialog.
  onReply?: (message: HostMessage, reply: HostReply, payload: unknown) => void;
  // Dialogs and the file manager; Electron's own unless a test passes another.
  files?: HostFiles;
}

// Electron's save/open dialogs, modal to our window, and the OS file manager. The core keeps the
// rules (which paths may be revealed); this only talks to the desktop.
export function electronFiles(window: () => BrowserWindow | null): HostFiles {
  const exportsDir = (): string => {
    try {
      return join(app.getPath('documents'), 'PrivacyDesk');
    } catch {
      return defaultExportsDir();
    }
  };
  return {
    nativeDialogs: true,
    exportsDir,
    async choosePath(request, startDir) {
      const win = window();
      const parent = win && !win.isDestroyed() ? win : null;
      const filters = request.filters?.map((f) => ({ name: f.name, extensions: f.extensions }));
      if (request.kind === 'save') {
        const options = {
          defaultPath: request.defaultName ? join(startDir, request.defaultName) : startDir,
          filters,
          properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
        };
        const r = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
        return r.canceled || !r.filePath ? null : r.filePath;
      }
      const options = {
        defaultPath: startDir,
        filters: request.kind === 'open' ? filters : undefined,
        properties: request.kind === 'folder' ? ['openDirectory' as const, 'createDirectory' as const] : ['openFile' as const],
      };
      const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async reveal({ path }) {
      shell.showItemInFolder(path);
      return { ok: true };
    },
  };
}

export function registerIpc(o: IpcHostOptions): () => void {
  o.core.attachFiles(o.files ?? electronFiles(o.window));
  const sendProgress = (p: HostProgress) => {
    const win = o.window();
    if (win && !win.isDestroyed()) win.webContents.send(progressChannel, p);
  };
  for (const message of hostMessages) {
    ipcMain.handle(channelFor(message), async (event, payload: unknown) => {
      if (!isTrustedSender(event, o.window())) return forbiddenReply;
      const reply = await o.core.handle(message, payload, message === 'call' ? sendProgress : undefined);
      try {
        o.onReply?.(message, reply, payload);
      } catch {
        // Bookkeeping must never turn a good reply into a failed one.
      }
      return reply;
    });
  }
  return () => {
    for (const message of hostMessages) ipcMain.removeHandler(channelFor(message));
  };
}

export function notifyLocked(win: BrowserWindow | null): void {
  if (win && !win.isDestroyed()) win.webContents.send(lockedChannel);
}

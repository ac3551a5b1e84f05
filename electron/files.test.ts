// Electron's side of choosePath/reveal/defaults: the system dialogs, modal to our window, and the
// OS file manager. The rules (what may be revealed) are host-core's and tested in test/host-files.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  app: { getPath: vi.fn((name: string) => (name === 'documents' ? '/home/reg/Документы' : '/tmp')) },
  dialog: {
    showSaveDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePath: '/home/reg/Документы/PrivacyDesk/persons.xlsx' })),
    showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: ['/home/reg/pack'] })),
  },
  shell: { showItemInFolder: vi.fn() },
  ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
}));
vi.mock('electron', () => electron);

const { electronFiles } = await import('./ipc.ts');

const win = { isDestroyed: () => false };

beforeEach(() => vi.clearAllMocks());

describe('electronFiles', () => {
  it('has dialogs, and exports default to Documents/PrivacyDesk', () => {
    const files = electronFiles(() => win as never);
    expect(files.nativeDialogs).toBe(true);
    expect(files.exportsDir()).toBe('/home/reg/Документы/PrivacyDesk');
  });

  it('save: a dialog modal to our window, starting at the suggested name in the exports folder', async () => {
    const files = electronFiles(() => win as never);
    const filters = [{ name: 'Excel', extensions: ['xlsx'] }];
    expect(await files.choosePath({ kind: 'save', defaultName: 'persons.xlsx', filters }, '/home/reg/Документы/PrivacyDesk')).toBe(
      '/home/reg/Документы/PrivacyDesk/persons.xlsx',
    );
    const [parent, options] = electron.dialog.showSaveDialog.mock.calls[0]!;
    expect(parent).toBe(win);
    expect(options).toMatchObject({ defaultPath: '/home/reg/Документы/PrivacyDesk/persons.xlsx', filters });
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true, filePath: '' });
    expect(await files.choosePath({ kind: 'save' }, '/x')).toBeNull();
  });

  it('folder and open: the open dialog with the right properties', async () => {
    const files = electronFiles(() => null);
    expect(await files.choosePath({ kind: 'folder' }, '/start')).toBe('/home/reg/pack');
    expect(electron.dialog.showOpenDialog.mock.calls[0]![0]).toMatchObject({ defaultPath: '/start', properties: ['openDirectory', 'createDirectory'] });
    await files.choosePath({ kind: 'open', filters: [{ name: 'CSV', extensions: ['csv'] }] }, '/start');
    expect(electron.dialog.showOpenDialog.mock.calls[1]![0]).toMatchObject({ properties: ['openFile'], filters: [{ name: 'CSV', extensions: ['csv'] }] });
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(await files.choosePath({ kind: 'folder' }, '/start')).toBeNull();
  });

  it('reveal shows the item in the OS file manager', async () => {
    const files = electronFiles(() => win as never);
    expect(await files.reveal({ path: '/home/reg/pack/manifest.json', folder: '/home/reg/pack' })).toEqual({ ok: true });
    expect(electron.shell.showItemInFolder).toHaveBeenCalledWith('/home/reg/pack/manifest.json');
  });
});

import { homedir } from 'node:os';
import { join, win32 } from 'node:path';

// Where the register lives when nobody says otherwise: the per-user application data folder of
// each OS, so a reception PC's register survives reinstalling the program.
export const registerFileName = 'register.pdesk';

export interface PathEnv {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export function defaultDataDir(o: PathEnv = {}): string {
  const platform = o.platform ?? process.platform;
  const env = o.env ?? process.env;
  const home = o.home ?? homedir();
  if (platform === 'win32') return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), 'PrivacyDesk');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'PrivacyDesk');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(home, '.local', 'share'), 'privacy-desk');
}

// PRIVACY_DESK_DB wins over the per-OS default; an explicit --db wins over both.
export function defaultDbPath(o: PathEnv = {}): string {
  const env = o.env ?? process.env;
  if (env.PRIVACY_DESK_DB) return env.PRIVACY_DESK_DB;
  const dir = defaultDataDir(o);
  return (o.platform ?? process.platform) === 'win32' ? win32.join(dir, registerFileName) : join(dir, registerFileName);
}

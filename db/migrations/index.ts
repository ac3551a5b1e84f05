import type Database from 'better-sqlite3-multiple-ciphers';
import { RegisterError } from '../errors.ts';
import { m0001 } from './0001-initial.ts';

// One migration per numbered file; each has its own test stepping a file from N-1 to N. Never edit
// a migration that has shipped: add the next number.
export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

export const migrations: readonly Migration[] = [m0001];

export const latestVersion = migrations.length;

export function migrate(db: Database.Database, target: number = latestVersion): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestVersion) throw new RegisterError('newer_schema');
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

import type { DB } from './connection.ts';

export function seedDeadlineDefaults(_db: DB, _at: string): void {}

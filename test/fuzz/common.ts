// Shared by the fuzz files: the seed and run counts (fixed and moderate on CI, larger through
// `npm run fuzz`), and a fingerprint of everything a register holds, to prove a refused call
// changed nothing.
import { createHash } from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { RegisterError } from '../../db/errors.ts';

// FUZZ_SEED reproduces a failure; FUZZ_RUNS multiplies every property's run count.
export const seed = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || 20261121;
export const runScale = Math.max(1, Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) || 1);
export const runs = (ci: number): number => ci * runScale;
// Per-test timeout that grows with the run count (the machine is shared: generous).
export const timeout = (ciMs: number): number => ciMs * runScale * 3;

export function announce(file: string): void {
  console.log(`${file}: seed ${seed}, runs ×${runScale} (reproduce with FUZZ_SEED=${seed} FUZZ_RUNS=${runScale})`);
}

function rowsHash(rows: unknown[][]): string {
  const lines = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
  return `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
}

// Every ordinary table's rows hashed, plus the FTS indexes' own shadow tables (a contentless FTS
// table cannot be read back, but its segments can). `access.denied` audit rows are left out: a
// refusal for lack of rights is itself recorded, on purpose.
export function fingerprint(db: DB): Record<string, string> {
  const out: Record<string, string> = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").all() as {
    name: string;
  }[];
  db.transaction(() => {
    for (const { name } of tables) {
      const where = name === 'audit' ? " WHERE action <> 'access.denied'" : '';
      out[name] = rowsHash(db.prepare(`SELECT * FROM "${name}"${where}`).raw().all() as unknown[][]);
    }
    out.schema = createHash('sha256')
      .update(JSON.stringify(db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()))
      .digest('hex');
  }).deferred();
  return out;
}

// What a call ended with: its value, or the typed refusal. Anything else thrown is a bug and is
// rethrown so the property fails with it.
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; code: string; message: string };

export async function attempt<T>(f: () => Promise<T> | T): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    if (err instanceof RegisterError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

import { createHash, hash as digest } from 'node:crypto';
import { type DB, stmt } from './connection.ts';
import type { Ctx, Job } from './context.ts';

// Each row's hash covers the previous row's hash and every column of its own, so editing, removing
// or reordering any row breaks the chain from that row on and `verify` can name it.
// Details must never carry a name, phone or e-mail: the log outlives destruction.

export interface AuditRow {
  id: number;
  at: string;
  user_id: number | null;
  login: string | null;
  action: string;
  entity: string | null;
  entity_id: number | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export function genesisHash(registerId: string): string {
  return createHash('sha256').update(`privacy-desk/audit/genesis/${registerId}`).digest('hex');
}

// One-shot hashing: a Hash object per row was a third of the time to verify a long log.
function hashOf(prevHash: string, content: unknown[]): string {
  return digest('sha256', `${prevHash}\n${JSON.stringify(content)}`, 'hex');
}

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  return hashOf(row.prev_hash, [row.id, row.at, row.user_id, row.login, row.action, row.entity, row.entity_id, row.details]);
}

export interface AuditEntry {
  action: string;
  entity?: string;
  entityId?: number;
  details?: Record<string, unknown>;
  // Failed logins carry their own time and no actor.
  at?: string;
  actor?: { id: number | null; login: string | null };
}

function headOf(db: DB, registerId: string): { id: number; hash: string } {
  const last = stmt(db, 'SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  return last ?? { id: 0, hash: genesisHash(registerId) };
}

// Rows per INSERT: the statements of each size are prepared once per connection, so a tail of any
// length goes in through at most a handful of them (64, 32, ..., 1).
const maxRowsPerStatement = 64;

function insertRows(db: DB, values: unknown[], rows: number): void {
  const placeholders = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  stmt(db, `INSERT INTO audit (id, at, user_id, login, action, entity, entity_id, details, prev_hash, hash) VALUES ${placeholders}`).run(values);
}

// Appends the entries in order, chained one to the next. Several rows go in per statement: the
// statement (with its append-only trigger and statement journal) cost ~20 µs per row one by one,
// which was a fifth of an import's commit. Each row still gets its own hash and id, so the log
// reads the same as if they had been appended one at a time.
export function appendAuditMany(db: DB, registerId: string, entries: readonly (AuditEntry & { at: string })[]): number[] {
  if (entries.length === 0) return [];
  const head = headOf(db, registerId);
  let prevHash = head.hash;
  const ids: number[] = [];
  let values: unknown[] = [];
  let pending = 0;
  let remaining = entries.length;
  let size = Math.min(maxRowsPerStatement, 1 << Math.floor(Math.log2(remaining)));
  for (const entry of entries) {
    const row = {
      id: head.id + ids.length + 1,
      at: entry.at,
      user_id: entry.actor?.id ?? null,
      login: entry.actor?.login ?? null,
      action: entry.action,
      entity: entry.entity ?? null,
      entity_id: entry.entityId ?? null,
      details: JSON.stringify(entry.details ?? {}),
      prev_hash: prevHash,
    };
    const hash = rowHash(row);
    values.push(row.id, row.at, row.user_id, row.login, row.action, row.entity, row.entity_id, row.details, row.prev_hash, hash);
    ids.push(row.id);
    prevHash = hash;
    if (++pending === size) {
      insertRows(db, values, size);
      remaining -= size;
      values = [];
      pending = 0;
      if (remaining > 0) size = Math.min(maxRowsPerStatement, 1 << Math.floor(Math.log2(remaining)));
    }
  }
  return ids;
}

export function appendAudit(db: DB, registerId: string, entry: AuditEntry & { at: string }): number {
  return appendAuditMany(db, registerId, [entry])[0]!;
}

function withCtx(ctx: Ctx, entry: AuditEntry): AuditEntry & { at: string } {
  return { ...entry, at: entry.at ?? ctx.now().toISOString(), actor: entry.actor ?? { id: ctx.actor.id, login: ctx.actor.login } };
}

export function audit(ctx: Ctx, entry: AuditEntry): number {
  return appendAuditMany(ctx.db, ctx.registerId, [withCtx(ctx, entry)])[0]!;
}

export function auditMany(ctx: Ctx, entries: readonly AuditEntry[]): number[] {
  return appendAuditMany(
    ctx.db,
    ctx.registerId,
    entries.map((e) => withCtx(ctx, e)),
  );
}

export type VerifyResult =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; firstBadId: number; problem: 'altered' | 'missing'; message: string };

// Reads the whole log once, a page of rows at a time (memory stays flat however long the log is;
// whole pages of plain arrays cost less than a row object each). A row whose content no longer
// matches its hash, or whose successor no longer points at it, was altered (or moved); a gap in
// the numbering is a removed row. Removing the newest rows leaves no trace inside the file: the
// chain head recorded in backups and inspection packs covers that case.
const verifyPage = 2_000;

type RawRow = [
  id: number,
  at: string,
  userId: number | null,
  login: string | null,
  action: string,
  entity: string | null,
  entityId: number | null,
  details: string,
  prevHash: string,
  hash: string,
];

export function verifyAudit(db: DB, registerId: string, job?: Job): VerifyResult {
  const total = job ? (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n : 0;
  const page = db
    .prepare('SELECT id, at, user_id, login, action, entity, entity_id, details, prev_hash, hash FROM audit WHERE id > ? ORDER BY id LIMIT ?')
    .raw();
  let prevHash = genesisHash(registerId);
  let expectedId = 1;
  let rows = 0;
  let after = 0;
  for (;;) {
    const batch = page.all(after, verifyPage) as RawRow[];
    if (batch.length === 0) break;
    for (const row of batch) {
      rows++;
      const id = row[0];
      if (id !== expectedId) {
        return {
          ok: false,
          rows,
          firstBadId: expectedId,
          problem: 'missing',
          message: `Запись журнала №${expectedId} удалена (следующая найденная — №${id}).`,
        };
      }
      // The row's own hash first: a row moved or swapped into this place fails here and is named
      // itself. Only a self-consistent row whose link is broken points back at its predecessor
      // (altered and re-hashed by someone who knew the formula).
      const hash = row[9];
      if (hashOf(row[8], [id, row[1], row[2], row[3], row[4], row[5], row[6], row[7]]) !== hash) {
        return { ok: false, rows, firstBadId: id, problem: 'altered', message: `Запись журнала №${id} изменена после того, как была сделана.` };
      }
      if (row[8] !== prevHash) {
        const bad = Math.max(1, id - 1);
        return {
          ok: false,
          rows,
          firstBadId: bad,
          problem: 'altered',
          message: `Запись журнала №${bad} изменена, переставлена или подменена: запись №${id} на неё больше не ссылается.`,
        };
      }
      prevHash = hash;
      expectedId++;
    }
    after = batch[batch.length - 1]![0];
    if (job) {
      job.checkpoint();
      job.progress(rows, total);
    }
  }
  return { ok: true, rows, head: prevHash };
}

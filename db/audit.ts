import { createHash } from 'node:crypto';
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

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const content = JSON.stringify([row.id, row.at, row.user_id, row.login, row.action, row.entity, row.entity_id, row.details]);
  return createHash('sha256').update(row.prev_hash).update('\n').update(content).digest('hex');
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

export function appendAudit(db: DB, registerId: string, entry: AuditEntry & { at: string }): number {
  const head = headOf(db, registerId);
  const row = {
    id: head.id + 1,
    at: entry.at,
    user_id: entry.actor?.id ?? null,
    login: entry.actor?.login ?? null,
    action: entry.action,
    entity: entry.entity ?? null,
    entity_id: entry.entityId ?? null,
    details: JSON.stringify(entry.details ?? {}),
    prev_hash: head.hash,
  };
  const hash = rowHash(row);
  stmt(
    db,
    'INSERT INTO audit (id, at, user_id, login, action, entity, entity_id, details, prev_hash, hash) VALUES (@id, @at, @user_id, @login, @action, @entity, @entity_id, @details, @prev_hash, @hash)',
  ).run({ ...row, hash });
  return row.id;
}

export function audit(ctx: Ctx, entry: AuditEntry): number {
  return appendAudit(ctx.db, ctx.registerId, {
    ...entry,
    at: entry.at ?? ctx.now().toISOString(),
    actor: entry.actor ?? { id: ctx.actor.id, login: ctx.actor.login },
  });
}

export type VerifyResult =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; firstBadId: number; problem: 'altered' | 'missing'; message: string };

// Streams the whole log once; memory stays flat however long the log is. A row whose content no
// longer matches its hash, or whose successor no longer points at it, was altered (or moved); a
// gap in the numbering is a removed row. Removing the newest rows leaves no trace inside the file:
// the chain head recorded in backups and inspection packs covers that case.
export function verifyAudit(db: DB, registerId: string, job?: Job): VerifyResult {
  const total = job ? (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n : 0;
  let prevHash = genesisHash(registerId);
  let expectedId = 1;
  let rows = 0;
  for (const row of db.prepare('SELECT * FROM audit ORDER BY id').iterate() as IterableIterator<AuditRow>) {
    rows++;
    if (row.id !== expectedId) {
      return { ok: false, rows, firstBadId: expectedId, problem: 'missing', message: `Запись журнала №${expectedId} удалена (следующая найденная — №${row.id}).` };
    }
    // The row's own hash first: a row moved or swapped into this place fails here and is named
    // itself. Only a self-consistent row whose link is broken points back at its predecessor
    // (altered and re-hashed by someone who knew the formula).
    if (rowHash(row) !== row.hash) {
      return { ok: false, rows, firstBadId: row.id, problem: 'altered', message: `Запись журнала №${row.id} изменена после того, как была сделана.` };
    }
    if (row.prev_hash !== prevHash) {
      const bad = Math.max(1, row.id - 1);
      return { ok: false, rows, firstBadId: bad, problem: 'altered', message: `Запись журнала №${bad} изменена, переставлена или подменена: запись №${row.id} на неё больше не ссылается.` };
    }
    prevHash = row.hash;
    expectedId++;
    if (job && rows % 5_000 === 0) {
      job.checkpoint();
      job.progress(rows, total);
    }
  }
  return { ok: true, rows, head: prevHash };
}

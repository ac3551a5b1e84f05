import type { DB } from './connection.ts';
import type { Role } from './roles.ts';

export interface Actor {
  id: number;
  login: string;
  fullName: string;
  role: Role;
}

// Everything an operation may touch. The clock is injected so deadline and expiry rules can be
// tested on fixed dates.
export interface Ctx {
  db: DB;
  actor: Actor;
  dbPath: string;
  keyringPath: string;
  registerId: string;
  rawKey: Buffer;
  now: () => Date;
  // Set by the engine for long work (imports, exports, packs, verification): progress goes back to
  // the caller, and checkpoint() throws RegisterError('cancelled') once the caller has cancelled.
  job?: Job;
}

export interface Job {
  progress: (done: number, total?: number) => void;
  checkpoint: () => void;
}

// Dates that the law counts in (receipt, signature, due) are calendar dates at the clinic, so they
// use the machine's local time zone, stored as YYYY-MM-DD.
export function localDate(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function today(ctx: Pick<Ctx, 'now'>): string {
  return localDate(ctx.now());
}

export function nowIso(ctx: Pick<Ctx, 'now'>): string {
  return ctx.now().toISOString();
}

// A register with a past for the benchmark, and its plaintext twin.
//
// The history runs day by day over `days` days up to today: each day a few sign-ins, the day's new
// people (insertPersons — the insert of person.add and import, one batch per day), their consents
// (3–4 events each: appointment, marketing given or refused, health on a signed paper form, and for
// half of them a later marketing withdrawal or a transfer-to-partners consent), and the follow-ups
// that fall due that day (requests opened and answered, blocks and unblocks, through the operations'
// own handlers). Consent events go straight into consent_events (its triggers still guard them) with
// the audit row consent.give/withdraw would write (appendAudit), because ~3.5 events per person
// through the full handler would make a 1M register take hours; requests and blocks are rare enough
// to go through their handlers. Every audit row is chained, and audit time only moves forward.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { dispatch, operations } from '../../db/api.ts';
import { appendAudit } from '../../db/audit.ts';
import { applyKey, checkpoint, configureConnection, type DB } from '../../db/connection.ts';
import type { Actor, Ctx } from '../../db/context.ts';
import { localDate } from '../../db/context.ts';
import type { Operation } from '../../db/operation.ts';
import { insertPersons, type PersonSource } from '../../db/persons.ts';
import { createRegister, openRegister, type Session } from '../../db/register.ts';
import { PeopleGenerator, type Person, Rng } from './people.ts';
import type { Progress } from './stats.ts';

export const managerLogin = 'bench';
export const managerPassword = 'bench-password-1';
export const deskLogin = 'desk';
export const deskPassword = 'desk-password-1';
const operator = { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Лесная, д. 5', taxId: '7701234567' };
const managerName = 'Руководова Мария Петровна';
const deskName = 'Регистраторова Анна Сергеевна';

export interface BenchRegister {
  kind: 'encrypted' | 'plaintext';
  dbPath: string;
  db: DB;
  // The receptionist's and the manager's contexts on one connection, with the real clock.
  desk: Ctx;
  manager: Ctx;
  // Encrypted only: the raw key (children open the file with it, as the engine's job worker does).
  rawKeyHex: string | null;
  close: () => void;
}

// Opens the encrypted register as its manager. The program lets one process at a time open a
// register, so the bench closes its own session while another process (the UI's engine) uses it,
// and reopens it afterwards into the same object.
async function openAsManager(reg: Pick<BenchRegister, 'dbPath'>, now: () => Date): Promise<Omit<BenchRegister, 'kind' | 'dbPath'> & { session: Session }> {
  const session = await openRegister({ dbPath: reg.dbPath, login: managerLogin, password: managerPassword, now });
  const { db } = session.ctx;
  const manager: Ctx = { ...session.ctx, now: realNow };
  return {
    session,
    db,
    manager,
    desk: { ...manager, actor: actorOf(db, deskLogin) },
    rawKeyHex: session.ctx.rawKey.toString('hex'),
    close: () => session.close(),
  };
}

export async function reopenEncrypted(reg: BenchRegister): Promise<void> {
  const { session: _, ...fresh } = await openAsManager(reg, realNow);
  Object.assign(reg, fresh);
}

function actorOf(db: DB, login: string): Actor {
  return db.prepare('SELECT id, login, full_name AS fullName, role FROM users WHERE login = ?').get(login) as Actor;
}

const realNow = () => new Date();

export async function createEncrypted(dir: string, start: Date): Promise<BenchRegister> {
  const dbPath = join(dir, 'bench.pdesk');
  await createRegister(
    {
      dbPath,
      operator,
      jurisdiction: 'RU',
      admin: { login: managerLogin, fullName: managerName, position: 'Главный врач', password: managerPassword, role: 'manager' },
    },
    () => start,
  );
  const opened = await openAsManager({ dbPath }, () => start);
  await dispatch(opened.session.ctx, 'user.add', {
    login: deskLogin,
    fullName: deskName,
    position: 'Администратор регистратуры',
    role: 'receptionist',
    password: deskPassword,
  });
  const { session: _, ...rest } = opened;
  return { kind: 'encrypted', dbPath, ...rest, desk: { ...rest.manager, actor: actorOf(rest.db, deskLogin) } };
}

// The plaintext twin: a copy of the encrypted register, decrypted page by page (SQLite3 Multiple
// Ciphers' rekey to an empty key rewrites every page without the cipher's reserved bytes), then
// opened as the program opens a register, minus the key: `new Database` + configureConnection (the
// same pragmas; the migrations find the schema current). Same rows, same FTS segments, same
// statistics — the two differ only in the cipher. Bench-only: the program has no plaintext path.
export function plainTwin(enc: BenchRegister, dir: string): BenchRegister {
  if (!enc.rawKeyHex) throw new Error('plainTwin: нужен зашифрованный реестр');
  const dbPath = join(dir, 'plain.sqlite');
  checkpoint(enc.db);
  copyFileSync(enc.dbPath, dbPath);
  const copy = new Database(dbPath);
  try {
    applyKey(copy, Buffer.from(enc.rawKeyHex, 'hex'));
    // Rekey is refused in WAL mode.
    copy.pragma('journal_mode = DELETE');
    copy.pragma("rekey = ''");
  } finally {
    copy.close();
  }
  const db = new Database(dbPath);
  configureConnection(db);
  const manager: Ctx = { ...enc.manager, db, dbPath, keyringPath: `${dbPath}.no-keyring`, rawKey: Buffer.alloc(32) };
  return {
    kind: 'plaintext',
    dbPath,
    db,
    manager,
    desk: { ...manager, actor: enc.desk.actor },
    rawKeyHex: null,
    close: () => {
      if (db.open) {
        checkpoint(db);
        db.close();
      }
    },
  };
}

// An operation's own handler inside the caller's transaction (the day's), input parsed as dispatch
// would parse it.
function runOp(ctx: Ctx, name: keyof typeof operations, input: unknown): unknown {
  const op = operations[name] as unknown as Operation;
  return op.handler(ctx, op.input.parse(input));
}

const sources: readonly PersonSource[] = ['walk_in', 'walk_in', 'appointment', 'appointment', 'website_form', 'website_form', 'phone_call', 'callback'];
const requestTypes = ['access', 'access', 'access', 'access', 'withdrawal', 'withdrawal', 'correction', 'stop_processing', 'destroy', 'block'] as const;
const requestChannels = ['in_person', 'in_person', 'email', 'post', 'website'] as const;

// Follow-ups are kept per day as one number each: id * 8 + kind.
const F = { health: 0, withdraw: 1, requestOpen: 2, requestClose: 3, block: 4, unblock: 5 } as const;

export interface HistoryOptions {
  persons: number;
  days: number;
  seed: number;
  // The last day of the history (today).
  end: Date;
}

export interface HistoryStats {
  persons: number;
  consentEvents: number;
  requests: number;
  requestsClosed: number;
  blocks: number;
  unblocks: number;
  logins: number;
  auditRows: number;
  people: Person[];
}

export function historyStart(o: Pick<HistoryOptions, 'days' | 'end'>): Date {
  const d = new Date(o.end);
  d.setHours(7, 0, 0, 0);
  d.setDate(d.getDate() - o.days + 1);
  return d;
}

// Fills one register. Deterministic: the same options give the same rows (and ids) in both twins.
// Returns the generated people too (the workload draws its queries from them).
export function fillHistory(reg: BenchRegister, o: HistoryOptions, progress: Progress): HistoryStats {
  const { db } = reg;
  const gen = new PeopleGenerator(o.seed);
  const rng = new Rng(o.seed ^ 0x5bd1e995);
  const start = historyStart(o);
  let clock = start.getTime();
  // Every reading of the clock moves it on a little: audit time only grows, like a real day's.
  const tick = () => {
    clock += 150;
    return new Date(clock);
  };
  const desk: Ctx = { ...reg.desk, now: tick };
  const manager: Ctx = { ...reg.manager, now: tick };
  const registerId = reg.desk.registerId;
  const purpose = (code: string) => (db.prepare('SELECT id FROM purposes WHERE code = ?').get(code) as { id: number }).id;
  const purposes = { appointment: purpose('appointment'), marketing: purpose('marketing'), partners: purpose('partners'), health: purpose('health') };
  const insertEvent = db.prepare(
    `INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, form_version, paper_form_number, received_by, valid_until, recorded_by, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const deskActor = { id: desk.actor.id, login: desk.actor.login };
  const followUps = new Map<number, number[]>();
  const later = (day: number, id: number, kind: number) => {
    if (day >= o.days) return;
    const list = followUps.get(day);
    if (list) list.push(id * 8 + kind);
    else followUps.set(day, [id * 8 + kind]);
  };
  let formNumber = 0;
  const stats = { persons: 0, consentEvents: 0, requests: 0, requestsClosed: 0, blocks: 0, unblocks: 0, logins: 0 };
  const people: Person[] = [];

  const consent = (personId: number, purposeId: number, code: string, kind: 'given' | 'refused' | 'withdrawn', date: string, channel: string) => {
    const paper = channel === 'paper' && kind === 'given';
    const formVersion = paper ? (date < '2025-09-01' ? 'v1' : 'v2') : null;
    const number = paper ? `Б-${++formNumber}` : null;
    // Marketing consents are given for three years (29 February has no match three years on).
    const validUntil = kind === 'given' && code === 'marketing' ? `${Number(date.slice(0, 4)) + 3}${date.slice(4).replace('-02-29', '-02-28')}` : null;
    const at = tick().toISOString();
    const eventId = Number(
      insertEvent.run(personId, purposeId, kind, date, channel, formVersion, number, deskActor.id, validUntil, deskActor.id, at).lastInsertRowid,
    );
    const action = kind === 'given' ? 'consent.give' : kind === 'withdrawn' ? 'consent.withdraw' : 'consent.refuse';
    appendAudit(db, registerId, {
      at,
      action,
      entity: 'person',
      entityId: personId,
      actor: deskActor,
      details:
        kind === 'given'
          ? { eventId, purpose: code, kind, date, channel, formVersion, validUntil, representative: false }
          : { eventId, purpose: code, date, channel },
    });
    stats.consentEvents++;
  };

  // A thousand days are a thousand commits: without waiting for the disk at each one the fill is
  // several times faster, and the file it leaves is the same. The measured work runs with FULL.
  db.pragma('synchronous = OFF');
  progress.start(`заполнение (${reg.kind === 'encrypted' ? 'зашифрованный' : 'открытый'})`, o.persons);
  const day = (d: number, date: string, count: number, first: boolean) => {
    // Morning sign-ins (the session's own audit row; the unlock itself is measured separately).
    const logins = first ? 1 + rng.int(3) : 0;
    for (let i = 0; i < logins; i++)
      appendAudit(db, registerId, { at: tick().toISOString(), action: 'login', entity: 'user', entityId: deskActor.id, actor: deskActor });
    stats.logins += logins;

    for (const f of followUps.get(d) ?? []) {
      const id = Math.floor(f / 8);
      switch (f % 8) {
        case F.health:
          consent(id, purposes.health, 'health', 'given', date, 'paper');
          break;
        case F.withdraw:
          consent(id, purposes.marketing, 'marketing', 'withdrawn', date, rng.pick(['in_person', 'email', 'phone']));
          break;
        case F.requestOpen: {
          const r = runOp(desk, 'request.open', {
            person: id,
            type: rng.pick(requestTypes),
            receivedAt: date,
            channel: rng.pick(requestChannels),
            requesterKind: rng.chance(0.9) ? 'subject' : 'representative',
          }) as { id: number };
          stats.requests++;
          if (rng.chance(0.85)) later(d + 1 + rng.int(12), r.id, F.requestClose);
          break;
        }
        case F.requestClose:
          runOp(manager, 'request.close', { id, answer: 'Ответ направлен заявителю в установленный срок.' });
          stats.requestsClosed++;
          break;
        case F.block:
          runOp(desk, 'person.block', { personId: id, reason: rng.pick(['inaccurate_data', 'subject_request', 'inaccurate_data']), requestedBy: 'subject' });
          stats.blocks++;
          if (rng.chance(0.7)) later(d + 3 + rng.int(8), id, F.unblock);
          break;
        case F.unblock:
          runOp(desk, 'person.unblock', { personId: id, outcome: rng.pick(['unblocked_unconfirmed', 'unblocked_lawful']) });
          stats.unblocks++;
          break;
      }
    }
    followUps.delete(d);

    if (count === 0) return;
    const batch = gen.take(count);
    const withSource = batch.map((p) => ({ p, source: rng.pick(sources) }));
    const ids = insertPersons(
      desk,
      withSource.map(({ p, source }) => ({
        fullName: p.fullName,
        phone: p.phone,
        email: p.email && p.emailFold ? { email: p.email, fold: p.emailFold } : null,
        source,
      })),
    );
    withSource.forEach(({ p, source }, n) => {
      const id = ids[n] as number;
      people.push(p);
      const atDesk = source === 'walk_in' || source === 'appointment';
      const channel = atDesk ? 'paper' : source === 'website_form' ? 'website' : 'phone';
      consent(id, purposes.appointment, 'appointment', 'given', date, channel);
      const marketing = rng.chance(0.65);
      consent(id, purposes.marketing, 'marketing', marketing ? 'given' : 'refused', date, channel);
      // Health data needs a signed paper form: at the desk at once, or at the first visit.
      if (atDesk) consent(id, purposes.health, 'health', 'given', date, 'paper');
      else later(d + 1 + rng.int(20), id, F.health);
      if (rng.chance(0.5)) {
        if (marketing) later(d + 30 + rng.int(400), id, F.withdraw);
        else consent(id, purposes.partners, 'partners', 'given', date, channel);
      }
      // Follow-ups start after the last consent that can be given (the health form, ≤ 20 days):
      // a blocked person can be given none.
      if (rng.chance(0.03)) later(d + 21 + rng.int(200), id, F.requestOpen);
      if (rng.chance(0.01)) later(d + 21 + rng.int(300), id, F.block);
    });
    stats.persons += count;
  };

  // Days go in transactions of about a thousand people: a commit per day would cost more than the
  // day's rows at the small scales.
  const span = db.transaction((from: number, to: number) => {
    for (let d = from; d < to; d++) {
      const dayStart = new Date(start);
      dayStart.setDate(start.getDate() + d);
      dayStart.setHours(8, 0, 0, 0);
      clock = Math.max(clock, dayStart.getTime());
      const date = localDate(dayStart);
      // People spread evenly over the days; a day of a big chain can bring more than one
      // statement's worth, so insertPersons gets at most 1000 at a time.
      let left = Math.floor(((d + 1) * o.persons) / o.days) - Math.floor((d * o.persons) / o.days);
      let first = true;
      do {
        const n = Math.min(left, 1000);
        day(d, date, n, first);
        first = false;
        left -= n;
      } while (left > 0);
    }
  });
  for (let d = 0; d < o.days; ) {
    let to = d + 1;
    while (to < o.days && Math.floor((to * o.persons) / o.days) - Math.floor((d * o.persons) / o.days) < 1000) to++;
    span.immediate(d, to);
    progress.update(Math.floor((to * o.persons) / o.days));
    d = to;
  }
  db.pragma('synchronous = FULL');
  checkpoint(db);
  const auditRows = (db.prepare('SELECT max(id) AS n FROM audit').get() as { n: number }).n;
  progress.done(`${stats.consentEvents} событий согласия, ${stats.requests} обращений, ${stats.blocks} блокировок, ${auditRows} записей журнала`);
  return { ...stats, auditRows, people };
}

// The open person card's data: the person, consents per purpose, requests, and a history. Loaded
// together, reloaded after every action so the card always shows what the register now says.
// Managers and administrators read the history from the audit log (permission 'audit.read');
// receptionists may not, so their history is put together from what they may read: the consent
// events, the blocks, the requests and the record's own dates.
import { create } from 'zustand';
import type { permissions, Role } from '../../db/roles.ts';
import type { OperationResult, RegisterClient } from '../api/client.ts';

export type PersonView = OperationResult<'person.get'>;
export type LivingPerson = Extract<PersonView, { destroyed: false }>;
export type ConsentList = OperationResult<'consent.list'>;
export type PurposeConsent = ConsentList['consents'][number];
export type SubjectRequest = OperationResult<'request.list'>[number];
export type Purpose = OperationResult<'purpose.list'>[number];

// Mirrors db/roles.ts; the type makes tsc fail if the role table changes and this does not.
export const auditReaders: (typeof permissions)['audit.read'] = ['manager', 'administrator'];
export const destroyers: (typeof permissions)['persons.destroy'] = ['manager'];

export function canReadAudit(role: Role): boolean {
  return (auditReaders as readonly Role[]).includes(role);
}

export function canDestroy(role: Role): boolean {
  return (destroyers as readonly Role[]).includes(role);
}

// One line of the card's history. `action` uses the audit log's action names, whichever source the
// line came from, so both read the same on screen.
export interface HistoryEntry {
  key: string;
  at: string;
  action: string;
  by: string | null;
  details: Record<string, unknown>;
}

export interface CardData {
  person: PersonView;
  consents: ConsentList;
  requests: SubjectRequest[];
  purposes: Purpose[];
  history: HistoryEntry[];
  historySource: 'audit' | 'derived';
  // For a destroyed person: the act that proves it.
  act: { number: string; date: string } | null;
}

type CardStatus = { status: 'idle' } | { status: 'loading'; id: number } | { status: 'ready'; id: number } | { status: 'failed'; id: number; error: unknown };

interface PersonCardState {
  card: CardStatus;
  data: CardData | null;
  load(client: RegisterClient, id: number, role: Role, options?: { quiet?: boolean }): Promise<void>;
  reset(): void;
}

let generation = 0;
let purposeCache: Purpose[] | null = null;

async function purposes(client: RegisterClient): Promise<Purpose[]> {
  if (!purposeCache) purposeCache = await client.call('purpose.list', { includeInactive: true });
  return purposeCache;
}

function requestEntries(requests: SubjectRequest[]): HistoryEntry[] {
  return requests.flatMap((r) => [
    { key: `r${r.id}`, at: r.createdAt, action: 'request.open', by: null, details: { type: r.type, requestId: r.id, receivedAt: r.receivedAt } },
    ...(r.closedAt ? [{ key: `rc${r.id}`, at: r.closedAt, action: 'request.close', by: null, details: { type: r.type, requestId: r.id } }] : []),
  ]);
}

function derivedHistory(person: LivingPerson, consents: ConsentList, blocks: OperationResult<'block.list'>, requests: SubjectRequest[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [{ key: 'created', at: person.createdAt, action: 'person.add', by: null, details: { source: person.source } }];
  for (const c of consents.consents) {
    for (const ev of c.history) {
      const action = ev.kind === 'withdrawn' ? 'consent.withdraw' : ev.kind === 'refused' ? 'consent.refuse' : 'consent.give';
      entries.push({
        key: `c${ev.id}`,
        at: ev.recordedAt,
        action,
        by: ev.recordedBy.fullName || null,
        details: { purpose: c.purpose.code, kind: ev.kind, date: ev.date, channel: ev.channel, formVersion: ev.formVersion },
      });
    }
  }
  for (const b of blocks) {
    entries.push({ key: `b${b.id}`, at: b.beganAt, action: 'person.block', by: null, details: { reason: b.reason, requestedBy: b.requestedBy } });
    if (b.endedAt) entries.push({ key: `be${b.id}`, at: b.endedAt, action: 'person.unblock', by: null, details: { outcome: b.outcome } });
  }
  if (person.verification)
    entries.push({ key: `v${person.verification.id}`, at: person.verification.since, action: 'person.mark_verify', by: null, details: {} });
  entries.push(...requestEntries(requests));
  return entries;
}

const byTimeDesc = (a: HistoryEntry, b: HistoryEntry) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.key < b.key ? 1 : -1);

async function loadCard(client: RegisterClient, id: number, role: Role): Promise<CardData> {
  const [person, consents, requests, purposeList] = await Promise.all([
    client.call('person.get', { id }),
    client.call('consent.list', { personId: id }),
    client.call('request.list', { status: 'all', person: id, limit: 500 }),
    purposes(client),
  ]);
  let history: HistoryEntry[] = [];
  let historySource: CardData['historySource'] = 'derived';
  if (canReadAudit(role)) {
    const rows = await client.call('audit.list', { entity: 'person', entityId: id, limit: 500 });
    history = [
      ...rows.map((r) => ({ key: `a${r.id}`, at: r.at, action: r.action, by: r.login, details: r.details })),
      // Requests are logged under their own entity; the card shows them with the person's events.
      ...requestEntries(requests),
    ];
    historySource = 'audit';
  } else if (!person.destroyed) {
    const blocks = await client.call('block.list', { personId: id });
    history = derivedHistory(person, consents, blocks, requests);
  }
  history.sort(byTimeDesc);
  let act: CardData['act'] = null;
  if (person.destroyed) {
    const found = await client.call('act.get', { id: person.destroyedActId });
    act = { number: found.number, date: found.date };
  }
  return { person, consents, requests, purposes: purposeList, history, historySource, act };
}

export const usePersonCard = create<PersonCardState>()((set, get) => ({
  card: { status: 'idle' },
  data: null,
  load: async (client, id, role, options) => {
    const mine = ++generation;
    const keep = options?.quiet && get().data?.person.id === id;
    if (!keep) set({ card: { status: 'loading', id }, data: null });
    try {
      const data = await loadCard(client, id, role);
      if (mine === generation) set({ card: { status: 'ready', id }, data });
    } catch (error) {
      if (mine === generation) set({ card: { status: 'failed', id, error }, ...(keep ? {} : { data: null }) });
    }
  },
  reset: () => {
    generation++;
    purposeCache = null;
    set({ card: { status: 'idle' }, data: null });
  },
}));

export function purposeTitle(p: Pick<Purpose, 'title'> | undefined, code: string, language: string): string {
  if (!p) return code;
  return language === 'kk' ? p.title.kk : language === 'en' ? p.title.en : p.title.ru;
}

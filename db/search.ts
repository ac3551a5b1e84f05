import type Database from 'better-sqlite3-multiple-ciphers';
import type { DB } from './connection.ts';
import { foldEmail } from './phones.ts';
import type { Jurisdiction } from './schemas.ts';

// Finding a person while they stand at the desk: by any word of the name (prefix), by three or
// more digits anywhere in the phone, by the start of the e-mail. Every path is driven by an index
// (the FTS5 tables of migration 0001 or persons_email_fold) and reads only the rows it returns:
// names and phones newest first straight from the FTS rowid order, e-mails in index order.
// SQLite's lower() and LIKE know only ASCII, so case is folded by FTS5's unicode61 tokenizer for
// names and by JavaScript for e-mails; ё is folded to е on both sides.
//
// person_names has prefix indexes up to 6 characters, so a word of up to 6 letters reads a single
// doclist whatever its length. A longer word would make FTS5 merge the doclists of every word it
// starts ("александр": Александр, Александра, Александрович, Александровна, ...), which grows with
// the register; such words are looked up by their first 6 letters instead and each candidate's
// name is checked here, newest first, until the page is full. Only when a long word is rare among
// the words sharing its first 6 letters (the check keeps rejecting) is it handed to FTS5 whole,
// and then its own doclists are short.

export interface PersonHit {
  id: number;
  fullName: string;
  phone: string | null;
  email: string | null;
  blocked: boolean;
  needsVerification: boolean;
}

// 'none': nothing searchable in the query (empty, punctuation only, fewer than 3 digits).
export type SearchMode = 'name' | 'phone' | 'email' | 'name_or_email' | 'none';

export interface SearchResult {
  mode: SearchMode;
  items: PersonHit[];
  // More people match than were returned: the desk should type more.
  more: boolean;
}

export interface SearchOptions {
  limit: number;
  jurisdiction: Jurisdiction;
}

export interface SearchPlan {
  mode: SearchMode;
  // FTS5 expression for names or phones; [from, to) key range for e-mails.
  nameMatch?: string;
  // Set when a word is longer than the prefix indexes: the same words cut to their length, and the
  // folded words each candidate's name must start.
  nameNarrow?: string;
  nameWords?: string[];
  phoneMatch?: string;
  emailRange?: [string, string];
}

const maxNameTokens = 8;
const maxTokenLength = 64;
// The longest prefix index of person_names (migration 0001).
export const indexedPrefixLength = 6;
// Candidates checked through the prefix index before a rare long word goes to FTS5 whole.
const candidateBudget = 1000;

export function foldYo(text: string): string {
  return text.replace(/ё/g, 'е').replace(/Ё/g, 'Е');
}

// The same split as unicode61 with its default categories (letters, numbers, private use); the
// rest separates words.
export function nameWords(text: string): string[] {
  return foldYo(text.normalize('NFC'))
    .split(/[^\p{L}\p{N}\p{Co}]+/u)
    .filter((t) => t.length > 0);
}

function queryWords(query: string): string[] {
  return nameWords(query)
    .slice(0, maxNameTokens)
    .map((t) => [...t].slice(0, maxTokenLength).join(''));
}

// Each word becomes a quoted prefix term, so nothing the desk types can be read as FTS5 syntax
// (AND, NEAR, *, ^, column filters, parentheses).
function prefixExpression(words: string[]): string {
  return words.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' AND ');
}

export function nameMatchExpression(query: string): string | null {
  const words = queryWords(query);
  return words.length === 0 ? null : prefixExpression(words);
}

function namePlan(query: string): Pick<SearchPlan, 'nameMatch' | 'nameNarrow' | 'nameWords'> | null {
  const words = queryWords(query);
  if (words.length === 0) return null;
  const nameMatch = prefixExpression(words);
  if (words.every((w) => [...w].length <= indexedPrefixLength)) return { nameMatch };
  return {
    nameMatch,
    nameNarrow: prefixExpression(words.map((w) => [...w].slice(0, indexedPrefixLength).join(''))),
    nameWords: words.map((w) => w.toLowerCase()),
  };
}

// The check FTS5 would make: every query word starts some word of the name (case folded).
export function nameHasWords(fullName: string, words: readonly string[]): boolean {
  const own = nameWords(fullName).map((w) => w.toLowerCase());
  return words.every((q) => own.some((w) => w.startsWith(q)));
}

// A number typed from its start at a Russian or Kazakh desk often begins with the trunk prefix 8
// where the stored E.164 digits begin with 7: such a fragment is looked up both ways.
export function phoneMatchExpression(digits: string, jurisdiction: Jurisdiction): string {
  const variants = [digits];
  if ((jurisdiction === 'RU' || jurisdiction === 'KZ') && digits.startsWith('8')) variants.push(`7${digits.slice(1)}`);
  return variants.map((d) => `"${d}"`).join(' OR ');
}

// U+10FFFF sorts after every other character in UTF-8 byte order (SQLite's BINARY collation), so
// [prefix, prefix + U+10FFFF) holds exactly the strings that start with the prefix (a valid
// address never contains that non-character).
export function emailRange(prefix: string): [string, string] {
  const from = foldEmail(prefix);
  return [from, `${from}\u{10FFFF}`];
}

export function planSearch(query: string, jurisdiction: Jurisdiction): SearchPlan {
  const q = query.normalize('NFC').trim();
  if (q === '') return { mode: 'none' };
  if (q.includes('@')) return { mode: 'email', emailRange: emailRange(q) };
  const compact = q.replace(/[\s()\-+.\u00a0]/g, '');
  if (/^\d+$/.test(compact)) {
    // E.164 holds at most 15 digits; a trunk-prefixed national number one more.
    if (compact.length < 3 || compact.length > 16) return { mode: 'none' };
    return { mode: 'phone', phoneMatch: phoneMatchExpression(compact, jurisdiction) };
  }
  if (/^[A-Za-z0-9._%+'-]+$/.test(q)) {
    // Digits, dots, underscores, % and + do not occur in names: this is the start of an address.
    if (/[0-9._%+]/.test(q)) return { mode: 'email', emailRange: emailRange(q) };
    // One Latin word may be a name or the start of an address: both are looked up.
    const name = namePlan(q);
    return name ? { mode: 'name_or_email', ...name, emailRange: emailRange(q) } : { mode: 'email', emailRange: emailRange(q) };
  }
  const name = namePlan(q);
  return name ? { mode: 'name', ...name } : { mode: 'none' };
}

const columns = `p.id AS id, p.full_name AS fullName, p.phone AS phone, p.email AS email,
  EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL) AS blocked,
  EXISTS (SELECT 1 FROM verifications v WHERE v.person_id = p.id AND v.cleared_at IS NULL) AS needsVerification`;

export const searchSql = {
  name: `SELECT ${columns} FROM person_names JOIN persons p ON p.id = person_names.rowid
    WHERE person_names MATCH ? AND p.destroyed_act_id IS NULL ORDER BY person_names.rowid DESC LIMIT ?`,
  phone: `SELECT ${columns} FROM person_phones JOIN persons p ON p.id = person_phones.rowid
    WHERE person_phones MATCH ? AND p.destroyed_act_id IS NULL ORDER BY person_phones.rowid DESC LIMIT ?`,
  email: `SELECT ${columns} FROM persons p
    WHERE p.email_fold >= ? AND p.email_fold < ? AND p.destroyed_act_id IS NULL ORDER BY p.email_fold LIMIT ?`,
  nameCandidates: `SELECT p.id AS id, p.full_name AS fullName FROM person_names JOIN persons p ON p.id = person_names.rowid
    WHERE person_names MATCH ? AND p.destroyed_act_id IS NULL ORDER BY person_names.rowid DESC LIMIT ?`,
  byIds: `SELECT ${columns} FROM persons p WHERE p.id IN (SELECT value FROM json_each(?)) AND p.destroyed_act_id IS NULL`,
} as const;

type Statements = { [K in keyof typeof searchSql]: Database.Statement<unknown[], HitRow> };
const statementCache = new WeakMap<DB, Statements>();

function statements(db: DB): Statements {
  let s = statementCache.get(db);
  if (!s) {
    s = {
      name: db.prepare<unknown[], HitRow>(searchSql.name),
      phone: db.prepare<unknown[], HitRow>(searchSql.phone),
      email: db.prepare<unknown[], HitRow>(searchSql.email),
      nameCandidates: db.prepare<unknown[], HitRow>(searchSql.nameCandidates),
      byIds: db.prepare<unknown[], HitRow>(searchSql.byIds),
    };
    statementCache.set(db, s);
  }
  return s;
}

interface HitRow {
  id: number;
  fullName: string;
  phone: string | null;
  email: string | null;
  blocked: number;
  needsVerification: number;
}

function toHit(r: HitRow): PersonHit {
  return { id: r.id, fullName: r.fullName, phone: r.phone, email: r.email, blocked: r.blocked === 1, needsVerification: r.needsVerification === 1 };
}

const collator = new Intl.Collator('ru', { sensitivity: 'base', numeric: true });
const byName = (a: PersonHit, b: PersonHit) => collator.compare(a.fullName, b.fullName) || a.id - b.id;

function searchNames(s: Statements, plan: SearchPlan, take: number): HitRow[] {
  if (!plan.nameNarrow || !plan.nameWords) return s.name.all(plan.nameMatch, take);
  const ids: number[] = [];
  let scanned = 0;
  for (const c of s.nameCandidates.iterate(plan.nameNarrow, candidateBudget)) {
    scanned++;
    if (nameHasWords(c.fullName, plan.nameWords)) ids.push(c.id);
    if (ids.length === take) break;
  }
  if (ids.length < take && scanned === candidateBudget) return s.name.all(plan.nameMatch, take);
  const rank = new Map(ids.map((id, i) => [id, i]));
  return s.byIds.all(JSON.stringify(ids)).sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
}

export function searchPersons(db: DB, query: string, options: SearchOptions): SearchResult {
  const plan = planSearch(query, options.jurisdiction);
  const s = statements(db);
  // One row beyond the limit tells whether there are more.
  const take = options.limit + 1;
  let rows: HitRow[] = [];
  switch (plan.mode) {
    case 'none':
      return { mode: 'none', items: [], more: false };
    case 'name':
      rows = searchNames(s, plan, take);
      break;
    case 'phone':
      rows = s.phone.all(plan.phoneMatch, take);
      break;
    case 'email':
      rows = s.email.all(plan.emailRange?.[0], plan.emailRange?.[1], take);
      break;
    case 'name_or_email': {
      const byNameRows = searchNames(s, plan, take);
      const seen = new Set(byNameRows.map((r) => r.id));
      const byEmail = s.email.all(plan.emailRange?.[0], plan.emailRange?.[1], take).filter((r) => !seen.has(r.id));
      rows = [...byNameRows, ...byEmail];
      break;
    }
  }
  const more = rows.length > options.limit;
  const items = rows.slice(0, options.limit).map(toHit);
  if (plan.mode !== 'email') items.sort(byName);
  return { mode: plan.mode, items, more };
}

// What the crash harness asks its child to do, and the made-up people it uses. Shared by the parent
// (test/crash/harness.ts) and the child (test/crash/child.ts).

export type ChildOp =
  | { n: number; kind: 'consent'; personId: number; purpose: 'marketing' | 'appointment'; note: string }
  | { n: number; kind: 'import'; contentBase64: string; sha256: string; rows: number; consents: number; phones: string[]; tags: string[] }
  | { n: number; kind: 'destroy'; actNumber: string; personIds: number[]; tags: string[]; phones: string[] }
  | { n: number; kind: 'backup'; path: string }
  | { n: number; kind: 'passwd'; login: string; newPassword: string }
  | { n: number; kind: 'failedLogin'; login: string; password: string };

export type OpKind = ChildOp['kind'];

// The harness's own test: an operation done the wrong way on purpose (not atomically), so a check
// that could never fail would show. The child does the first half, says so, and waits to be killed.
export type Sabotage = 'consent' | 'backup' | 'destroy';

export interface ChildPlan {
  dbPath: string;
  login: string;
  password: string;
  ops: ChildOp[];
  sabotage?: { n: number; kind: Sabotage };
}

// mulberry32: small, fast, and the same sequence for the same seed on every machine.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

export function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

const surnames = ['Иванова', 'Петров', 'Сидорова', 'Кузнецов', 'Смирнова', 'Попов', 'Васильева', 'Соколов', 'Михайлова', 'Новиков', 'Фёдорова', 'Морозов'];
const givenNames = ['Анна', 'Иван', 'Мария', 'Олег', 'Елена', 'Сергей', 'Ольга', 'Дмитрий', 'Татьяна', 'Павел', 'Наталья', 'Алексей'];
const consonants = 'бвгдзклмнпрст';
const vowels = 'аоуие';

// A word no real name contains, unique per person: it finds exactly that person in the name
// index (and proves their absence from it after destruction).
export function tagWord(n: number): string {
  let word = '';
  let rest = n;
  for (let i = 0; i < 4; i++) {
    const s = rest % (consonants.length * vowels.length);
    rest = Math.floor(rest / (consonants.length * vowels.length));
    word += consonants[Math.floor(s / vowels.length)]! + vowels[s % vowels.length]!;
  }
  return word[0]!.toUpperCase() + word.slice(1);
}

// +7 916 … is a Moscow mobile range, valid for libphonenumber; seven digits of a counter make it
// unique in the register.
export function phoneOf(n: number): string {
  return `+7916${String(n).padStart(7, '0')}`;
}

export interface Lead {
  tag: string;
  fullName: string;
  phone: string;
  marketing: boolean;
}

export function leads(r: () => number, first: number, count: number): Lead[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const tag = tagWord(n);
    return { tag, fullName: `${pick(r, surnames)} ${pick(r, givenNames)} ${tag}`, phone: phoneOf(n), marketing: r() < 0.3 };
  });
}

// A website export as Russian Excel writes it: BOM, «;», CRLF, phones as people type them.
export function leadsCsv(rows: Lead[]): Buffer {
  const lines = ['ФИО;Телефон;Согласие на рассылку;Дата согласия'];
  for (const l of rows) {
    const p = l.phone;
    lines.push(`${l.fullName};8 (${p.slice(2, 5)}) ${p.slice(5, 8)}-${p.slice(8, 10)}-${p.slice(10)};${l.marketing ? 'да' : 'нет'};01.11.2026`);
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

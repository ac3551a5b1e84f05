import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../db/phones.ts';
import { PeopleGenerator, Rng, searchQueries } from './people.ts';
import { percentile, summarize } from './stats.ts';

describe('bench people generator', () => {
  it('gives the same people for the same seed and others for another seed', () => {
    const a = new PeopleGenerator(42).take(200);
    const b = new PeopleGenerator(42).take(200);
    const c = new PeopleGenerator(43).take(200);
    expect(b).toEqual(a);
    expect(c.map((p) => p.fullName)).not.toEqual(a.map((p) => p.fullName));
  });

  it('types phones the desk way and they normalise to the stored E.164, never twice', () => {
    const people = new PeopleGenerator(7).take(1500);
    const phones = people.filter((p) => p.phone);
    // ~92 % have a phone; a unique phone per person.
    expect(phones.length).toBeGreaterThan(1300);
    expect(new Set(phones.map((p) => p.phone)).size).toBe(phones.length);
    for (const p of phones) expect(normalizePhone(p.phoneTyped as string, p.country).e164).toBe(p.phone);
    // Both countries' numbers are there.
    expect(phones.some((p) => p.phone?.startsWith('+77'))).toBe(true);
    expect(phones.some((p) => /^\+79/.test(p.phone as string))).toBe(true);
  });

  it('writes Russian and Kazakh names with feminine surnames and unique e-mails', () => {
    const people = new PeopleGenerator(9).take(1500);
    expect(people.some((p) => /[әғқңөұүһі]/i.test(p.fullName))).toBe(true);
    const women = people.filter((p) => p.female && p.country === 'RU');
    expect(women.length).toBeGreaterThan(250);
    // A Russian woman's surname of the -ов/-ев/-ин kind takes -а.
    for (const w of women) expect(w.fullName.split(' ')[0]).not.toMatch(/(ов|ев|ёв|ин)$/);
    const emails = people.filter((p) => p.email).map((p) => p.email);
    expect(new Set(emails).size).toBe(emails.length);
    for (const p of people) if (p.email) expect(p.emailFold).toBe(p.email.toLowerCase());
  });

  it('draws queries from the people: prefixes, phone digits, e-mail starts', () => {
    const people = new PeopleGenerator(11).take(500);
    const q = searchQueries(new Rng(5), people, 100);
    expect(q.namePrefix).toHaveLength(100);
    for (const x of q.namePrefix) expect(x.length).toBeGreaterThanOrEqual(2);
    for (const x of q.phoneFragment) {
      expect(x).toMatch(/^\d{3,6}$/);
      expect(people.some((p) => p.phone?.includes(x))).toBe(true);
    }
    for (const x of q.emailPrefix) expect(people.some((p) => p.email?.startsWith(x))).toBe(true);
  });
});

describe('bench statistics', () => {
  it('takes the nearest-rank percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile([3], 95)).toBe(3);
    expect(summarize([5, 1, 3])).toMatchObject({ n: 3, p50: 3, max: 5, mean: 3 });
  });
});

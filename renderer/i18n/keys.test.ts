import { describe, expect, it } from 'vitest';
import { en, kk, ru } from './index.ts';

function leaves(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) for (const [p, s] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, s);
  } else {
    out.set(prefix, String(value));
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  it('area files of one language never define the same top-level key', async () => {
    for (const lang of ['ru', 'kk', 'en']) {
      const files = await Promise.all(['', '.desk', '.office'].map((a) => import(`./${lang}${a}.json`, { with: { type: 'json' } })));
      const seen = new Map<string, number>();
      for (const [i, f] of files.entries()) {
        for (const k of Object.keys(f.default)) {
          expect(seen.has(k), `${lang}: "${k}" in two files`).toBe(false);
          seen.set(k, i);
        }
      }
    }
  });

  const ruKeys = leaves(ru);

  it('Russian has the keys the screens use', () => {
    expect(ruKeys.size).toBeGreaterThan(100);
    expect(ruKeys.get('firstStart.recovery.saved')).toBe('Я сохранил(а) код в надёжном месте');
    expect(ruKeys.get('unlock.submit')).toBe('Войти');
  });

  for (const [name, dict] of [
    ['kk', kk],
    ['en', en],
  ] as const) {
    it(`${name} has exactly the keys of ru`, () => {
      expect([...leaves(dict).keys()].sort()).toEqual([...ruKeys.keys()].sort());
    });

    it(`${name} uses the same {{placeholders}} as ru and leaves no string empty`, () => {
      for (const [key, text] of leaves(dict)) {
        expect(text.trim(), key).not.toBe('');
        expect(placeholders(text), key).toEqual(placeholders(ruKeys.get(key) ?? ''));
      }
    });
  }
});

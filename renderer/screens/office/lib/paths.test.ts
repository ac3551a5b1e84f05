import { describe, expect, it } from 'vitest';
import { baseName, formatBytes, joinPath, looksAbsolute, suggestedName, withExtension } from './paths.ts';

describe('paths typed in the page', () => {
  it('joins with the host OS separator', () => {
    expect(joinPath('/home/reg/Documents/PrivacyDesk', 'a.csv', '/')).toBe('/home/reg/Documents/PrivacyDesk/a.csv');
    expect(joinPath('/home/reg/', 'a.csv', '/')).toBe('/home/reg/a.csv');
    expect(joinPath('C:\\Users\\reg\\Documents\\PrivacyDesk', 'a.csv', '\\')).toBe('C:\\Users\\reg\\Documents\\PrivacyDesk\\a.csv');
  });

  it('knows an absolute path on either OS', () => {
    expect(looksAbsolute('/tmp/x.csv', '/')).toBe(true);
    expect(looksAbsolute('tmp/x.csv', '/')).toBe(false);
    expect(looksAbsolute('C:\\x.csv', '\\')).toBe(true);
    expect(looksAbsolute('\\\\server\\share\\x.csv', '\\')).toBe(true);
    expect(looksAbsolute('x.csv', '\\')).toBe(false);
  });

  it('swaps the extension when the format changes', () => {
    expect(withExtension('/a/persons_2026-11-21.csv', 'xlsx')).toBe('/a/persons_2026-11-21.xlsx');
    expect(withExtension('/a.b/persons', 'pdf')).toBe('/a.b/persons.pdf');
    expect(baseName('C:\\x\\y.pdf')).toBe('y.pdf');
  });

  it('suggests a name with the period', () => {
    expect(suggestedName('persons', { today: '2026-11-21', extension: 'xlsx' })).toBe('persons_2026-11-21.xlsx');
    expect(suggestedName('requests', { from: '2026-01-01', to: '2026-03-31', today: '2026-11-21', extension: 'csv' })).toBe(
      'requests_2026-01-01_2026-03-31.csv',
    );
    expect(suggestedName('pack', { from: '2026-01-01', today: '2026-11-21' })).toBe('pack_2026-01-01_2026-11-21');
  });

  it('shows sizes in readable units', () => {
    const u = ['B', 'KB', 'MB', 'GB'] as const;
    expect(formatBytes(512, u, 'en')).toBe('512 B');
    expect(formatBytes(2048, u, 'en')).toBe('2 KB');
    expect(formatBytes(1536, u, 'en')).toBe('1.5 KB');
    expect(formatBytes(1536, ['Б', 'КБ', 'МБ', 'ГБ'], 'ru')).toBe('1,5 КБ');
    expect(formatBytes(150.4 * 1024 * 1024, u, 'en')).toBe('150 MB');
  });
});

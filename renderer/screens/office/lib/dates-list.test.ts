import { describe, expect, it } from 'vitest';
import { formatDateList, misplaced, parseDateList } from './dates-list.ts';

describe('a typed list of dates', () => {
  it('reads one per line or comma-separated, sorted, without repeats, and lists what it cannot read', () => {
    expect(parseDateList('09.03.2026\n23.02.2026, 23.02.2026; 2026-01-02\n\n31.02.2026\nзавтра')).toEqual({
      dates: ['2026-01-02', '2026-02-23', '2026-03-09'],
      bad: ['31.02.2026', 'завтра'],
    });
    expect(formatDateList(['2026-01-02', '2026-02-23'])).toBe('02.01.2026\n23.02.2026');
  });

  it('finds holidays on weekends, working days on weekdays and dates of another year', () => {
    // 2026-02-21 is a Saturday, 2026-02-23 a Monday.
    expect(misplaced(['2026-02-21', '2026-02-23', '2025-12-31'], 2026, 'holidays')).toEqual(['2026-02-21', '2025-12-31']);
    expect(misplaced(['2026-02-21', '2026-02-23'], 2026, 'workdays')).toEqual(['2026-02-23']);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDate } from './date.ts';

describe('formatDate', () => {
  it('shows register dates as ДД.ММ.ГГГГ', () => {
    expect(formatDate('2026-02-16')).toBe('16.02.2026');
    expect(formatDate('2026-12-01')).toBe('01.12.2026');
  });
  it('shows a Date by its local calendar day', () => {
    expect(formatDate(new Date(2026, 0, 5, 23, 59))).toBe('05.01.2026');
  });
  it('reads ISO timestamps in local time', () => {
    const d = new Date(2026, 1, 16, 0, 30);
    expect(formatDate(d.toISOString())).toBe('16.02.2026');
  });
  it('leaves what is not a date as it is', () => {
    expect(formatDate('не дата')).toBe('не дата');
  });
});

import { describe, expect, it } from 'vitest';
import { displayToIso, isoToDisplay, todayIso } from './date-input.ts';

describe('date input', () => {
  it('reads the ways a desk types a date', () => {
    expect(displayToIso('16.02.2026')).toBe('2026-02-16');
    expect(displayToIso('5.3.2026')).toBe('2026-03-05');
    expect(displayToIso('05/03/26')).toBe('2026-03-05');
    expect(displayToIso(' 05-03-2026 ')).toBe('2026-03-05');
    expect(displayToIso('050326')).toBe('2026-03-05');
  });
  it('refuses what is not a calendar date', () => {
    expect(displayToIso('30.02.2026')).toBeNull();
    expect(displayToIso('29.02.2025')).toBeNull();
    expect(displayToIso('29.02.2024')).toBe('2024-02-29');
    expect(displayToIso('2026-02-16')).toBeNull();
    expect(displayToIso('')).toBeNull();
    expect(displayToIso('12.13.2026')).toBeNull();
  });
  it('shows register dates as ДД.ММ.ГГГГ', () => {
    expect(isoToDisplay('2026-02-16')).toBe('16.02.2026');
    expect(todayIso(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

import { describe, expect, it } from 'vitest';
import { checkPeriod } from './period.ts';

describe('a typed period', () => {
  it('accepts empty ends unless required', () => {
    expect(checkPeriod('', '')).toEqual({ from: null, to: null, fromError: null, toError: null });
    expect(checkPeriod('', '', true)).toMatchObject({ fromError: 'office.period.required', toError: 'office.period.required' });
  });

  it('reads ДД.ММ.ГГГГ and refuses impossible or reversed dates', () => {
    expect(checkPeriod('01.01.2026', '31.03.2026')).toEqual({ from: '2026-01-01', to: '2026-03-31', fromError: null, toError: null });
    expect(checkPeriod('31.02.2026', '')).toMatchObject({ fromError: 'office.period.badDate', toError: null });
    expect(checkPeriod('01.04.2026', '31.03.2026')).toMatchObject({ fromError: null, toError: 'office.period.reversed' });
  });
});

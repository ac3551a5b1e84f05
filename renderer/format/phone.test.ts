import { describe, expect, it } from 'vitest';
import { formatPhone } from './phone.ts';

describe('formatPhone', () => {
  it('groups Russian and Kazakh numbers', () => {
    expect(formatPhone('+79035551234')).toBe('+7 903 555 12 34');
    expect(formatPhone('+77011234567')).toBe('+7 701 123 4567');
  });
  it('leaves what it cannot read as it is', () => {
    expect(formatPhone('12')).toBe('12');
  });
});

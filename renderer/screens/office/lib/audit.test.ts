import { describe, expect, it } from 'vitest';
import { actionLabelKey, describeDetails, formatTime } from './audit.ts';

describe('event log on screen', () => {
  it('labels known actions and leaves others to their code', () => {
    expect(actionLabelKey('person.mark_verify')).toBe('office.audit.actions.person_mark_verify');
    expect(actionLabelKey('login')).toBe('office.audit.actions.login');
    expect(actionLabelKey('test.event')).toBeNull();
  });

  it('shows details as short pairs, hashes shortened', () => {
    const sha = 'a'.repeat(64);
    expect(describeDetails({ fields: ['phone', 'email'], rows: 12, ok: true, sha256: sha, personId: null, to: { days: 5 } })).toEqual([
      ['fields', 'phone, email'],
      ['rows', '12'],
      ['ok', 'true'],
      ['sha256', 'aaaaaaaaaaaaaaaa…'],
      ['personId', '—'],
      ['to', '{"days":5}'],
    ]);
    expect(describeDetails(null)).toEqual([]);
    expect(describeDetails({ a: 1, b: 2, c: 3 }, 2)).toHaveLength(2);
  });

  it('formats a UTC timestamp in local time', () => {
    const d = new Date(2026, 1, 16, 9, 5);
    expect(formatTime(d.toISOString(), (x) => `${x.getDate()}.${x.getMonth() + 1}.${x.getFullYear()}`)).toBe('16.2.2026 09:05');
    expect(formatTime('nonsense', () => 'x')).toBe('nonsense');
  });
});

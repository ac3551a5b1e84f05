import { describe, expect, it } from 'vitest';
import { byDeadline, countByUrgency, urgencyOf } from './urgency.ts';

const open = (workingDaysLeft: number, overdue = workingDaysLeft < 0) => ({ status: 'open' as const, workingDaysLeft, overdue });

describe('urgency of a request', () => {
  it('buckets by working days left: overdue, ≤ 2, ≤ 5, later', () => {
    expect([-3, -1, 0, 1, 2, 3, 5, 6, 40].map((d) => urgencyOf(open(d)))).toEqual([
      'overdue',
      'overdue',
      'urgent',
      'urgent',
      'urgent',
      'soon',
      'soon',
      'later',
      'later',
    ]);
  });

  it('trusts the register when it says overdue (a calendar-day deadline past today)', () => {
    expect(urgencyOf({ status: 'open', workingDaysLeft: 0, overdue: true })).toBe('overdue');
  });

  it('a closed request has none', () => {
    expect(urgencyOf({ status: 'closed', workingDaysLeft: null, overdue: false })).toBeNull();
    expect(urgencyOf({ status: 'closed', workingDaysLeft: 4, overdue: false })).toBeNull();
  });

  it('counts open requests per bucket', () => {
    const rows = [open(-1), open(0), open(2), open(4), open(9), open(12), { status: 'closed' as const, workingDaysLeft: null, overdue: false }];
    expect(countByUrgency(rows)).toEqual({ overdue: 1, urgent: 2, soon: 1, later: 2 });
  });

  it('orders open requests by due date, then closed ones newest first', () => {
    const rows = [
      { id: 1, status: 'closed' as const, due: '2026-01-01' },
      { id: 2, status: 'open' as const, due: '2026-03-03' },
      { id: 3, status: 'open' as const, due: '2026-02-20' },
      { id: 4, status: 'closed' as const, due: '2026-02-01' },
      { id: 5, status: 'open' as const, due: '2026-02-20' },
    ];
    expect(byDeadline(rows).map((r) => r.id)).toEqual([3, 5, 2, 4, 1]);
  });
});

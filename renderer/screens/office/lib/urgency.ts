// How pressing an open request is, as the desk reads its list: overdue; two working days or less
// (today included); five or less; later. The same thresholds as the person card's chip
// (components/DaysLeft.tsx), so both screens agree on what is urgent.

export const urgencies = ['overdue', 'urgent', 'soon', 'later'] as const;
export type Urgency = (typeof urgencies)[number];

export interface DeadlineInfo {
  status: 'open' | 'closed';
  workingDaysLeft: number | null;
  calendarDaysLeft: number | null;
  overdue: boolean;
  due: string;
  id: number;
}

export const urgentWithin = 2;
export const soonWithin = 5;

// null for a closed request: it has no urgency any more.
export function urgencyOf(r: Pick<DeadlineInfo, 'status' | 'workingDaysLeft' | 'overdue'>): Urgency | null {
  if (r.status !== 'open' || r.workingDaysLeft === null) return null;
  if (r.overdue || r.workingDaysLeft < 0) return 'overdue';
  if (r.workingDaysLeft <= urgentWithin) return 'urgent';
  if (r.workingDaysLeft <= soonWithin) return 'soon';
  return 'later';
}

export type UrgencyCounts = Record<Urgency, number>;

export function countByUrgency(rows: readonly Pick<DeadlineInfo, 'status' | 'workingDaysLeft' | 'overdue'>[]): UrgencyCounts {
  const counts: UrgencyCounts = { overdue: 0, urgent: 0, soon: 0, later: 0 };
  for (const r of rows) {
    const u = urgencyOf(r);
    if (u) counts[u]++;
  }
  return counts;
}

// Open requests soonest-due first (the order they are worked in), closed ones after, newest first.
export function byDeadline<T extends Pick<DeadlineInfo, 'status' | 'due' | 'id'>>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.status !== b.status) return a.status === 'open' ? -1 : 1;
    if (a.status === 'open') return a.due.localeCompare(b.due) || a.id - b.id;
    return b.id - a.id;
  });
}

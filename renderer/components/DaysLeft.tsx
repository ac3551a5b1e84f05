// Days left to answer a request, coloured by urgency as the desk reads it: overdue (red), two
// working days or less (red outline), five or less (amber), later (green). The text says it too.
import { useTranslation } from 'react-i18next';
import { urgencyOf as requestUrgency } from '../screens/office/lib/urgency.ts';
import { Chip, type ChipTone } from './Chip.tsx';

export interface DaysLeftInfo {
  workingDaysLeft: number | null;
  calendarDaysLeft: number | null;
  overdue: boolean;
  provisional?: boolean;
}

export type Urgency = 'overdue' | 'urgent' | 'soon' | 'later' | 'closed';

// One rule for both screens: the requests list's (office/lib/urgency.ts); no days left = closed.
export function urgencyOf(d: DaysLeftInfo): Urgency {
  return requestUrgency({ status: 'open', workingDaysLeft: d.workingDaysLeft, overdue: d.overdue }) ?? 'closed';
}

const tones: Record<Urgency, ChipTone> = { overdue: 'danger', urgent: 'danger', soon: 'warn', later: 'ok', closed: 'neutral' };

export function DaysLeft({ info }: { info: DaysLeftInfo }) {
  const { t } = useTranslation();
  const urgency = urgencyOf(info);
  if (urgency === 'closed') return null;
  const text =
    urgency === 'overdue'
      ? t('common.daysOverdue', { count: Math.abs(info.calendarDaysLeft ?? 0) })
      : t('common.workingDaysLeft', { count: info.workingDaysLeft ?? 0 });
  return (
    <Chip tone={tones[urgency]} className={`days-${urgency}`} title={info.provisional ? t('common.provisional') : undefined}>
      {text}
      {info.provisional ? ' *' : ''}
    </Chip>
  );
}

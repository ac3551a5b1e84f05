// A period typed as two optional dates (ДД.ММ.ГГГГ), checked before anything is sent.
import { displayToIso } from '../../../components/date-input.ts';

export type PeriodProblem = 'office.period.badDate' | 'office.period.reversed' | 'office.period.required';

export interface PeriodCheck {
  from: string | null;
  to: string | null;
  fromError: PeriodProblem | null;
  toError: PeriodProblem | null;
}

export function checkPeriod(fromText: string, toText: string, required = false): PeriodCheck {
  const from = fromText.trim() === '' ? null : displayToIso(fromText);
  const to = toText.trim() === '' ? null : displayToIso(toText);
  let fromError: PeriodProblem | null = fromText.trim() !== '' && from === null ? 'office.period.badDate' : null;
  let toError: PeriodProblem | null = toText.trim() !== '' && to === null ? 'office.period.badDate' : null;
  if (required) {
    if (fromText.trim() === '') fromError = 'office.period.required';
    if (toText.trim() === '') toError = 'office.period.required';
  }
  if (!fromError && !toError && from && to && from > to) toError = 'office.period.reversed';
  return { from, to, fromError, toError };
}

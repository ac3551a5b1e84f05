// A list of dates typed into a box (calendar holidays, transferred working days): one per line or
// separated by commas/semicolons, each ДД.ММ.ГГГГ (or what the desk's date field accepts).
import { displayToIso, isoToDisplay } from '../../../components/date-input.ts';

export interface DateList {
  dates: string[];
  bad: string[];
}

export function parseDateList(text: string): DateList {
  const dates = new Set<string>();
  const bad: string[] = [];
  for (const token of text.split(/[\n,;]+/)) {
    const s = token.trim();
    if (!s) continue;
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : displayToIso(s);
    if (iso) dates.add(iso);
    else bad.push(s);
  }
  return { dates: [...dates].sort(), bad };
}

export function formatDateList(dates: readonly string[]): string {
  return dates.map(isoToDisplay).join('\n');
}

// Days that are the wrong kind for their list: a holiday on a weekend changes nothing, a
// "working" weekday changes nothing either; the register refuses both, the page says so first.
export function misplaced(dates: readonly string[], year: number, kind: 'holidays' | 'workdays'): string[] {
  return dates.filter((d) => {
    if (Number(d.slice(0, 4)) !== year) return true;
    const day = new Date(`${d}T00:00:00Z`).getUTCDay();
    const weekend = day === 0 || day === 6;
    return kind === 'holidays' ? weekend : !weekend;
  });
}

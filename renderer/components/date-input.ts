// Dates are typed and shown as ДД.ММ.ГГГГ in every language; the register takes YYYY-MM-DD.
// Accepts what people type at a desk: 5.3.2026, 05.03.26, 05/03/2026, 05-03-2026, 050326.

const pad = (n: number) => String(n).padStart(2, '0');

export function isoToDisplay(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

// null when the text is not a real calendar date.
export function displayToIso(text: string): string | null {
  const s = text.trim();
  let m = /^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})$/.exec(s);
  if (!m) m = /^(\d{2})(\d{2})(\d{2}|\d{4})$/.exec(s);
  if (!m) return null;
  const day = Number(m[1]);
  const month = Number(m[2]);
  let year = Number(m[3]);
  // Two-digit years are this century: the desk records what happened recently.
  if (m[3]!.length === 2) year += 2000;
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1900 || year > 2999) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

// The clinic's local calendar day.
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

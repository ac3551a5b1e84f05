// Dates are shown as ДД.ММ.ГГГГ in every language: the forms, acts and registers the clinic prints
// use that format, and the desk must read the same thing on screen.

const isoDate = /^(\d{4})-(\d{2})-(\d{2})/;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// A register date (local 'YYYY-MM-DD', or an ISO timestamp read in local time) or a Date.
export function formatDate(value: string | Date): string {
  if (value instanceof Date) return `${pad(value.getDate())}.${pad(value.getMonth() + 1)}.${value.getFullYear()}`;
  // Timestamps are UTC: the local calendar day is what the user lived through.
  if (value.length > 10) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return formatDate(d);
  }
  const m = isoDate.exec(value);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : value;
}

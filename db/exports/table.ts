// The one shape every register takes on its way to a file: columns with a kind, and rows of plain
// cells. The row sources (registers.ts) know SQL and the law; the writers (csv.ts, xlsx.ts, pdf.ts)
// know only this, so a fourth format or a seventh register touches one side.

export type Cell = string | number | null;

// 'text' — free text, defused against formula injection in CSV and XLSX;
// 'phone' — E.164 from the register (the schema guarantees `+[1-9][0-9]*`): kept as text;
// 'ref' — identifiers that look like numbers or codes but are text (act numbers, subject refs);
// 'int' — whole numbers (ids, counts), a number cell in XLSX;
// 'date' — a local calendar date 'YYYY-MM-DD', 'datetime' — local 'YYYY-MM-DD HH:MM': both text,
// so they read the same in every locale and every program.
export type ColumnKind = 'text' | 'phone' | 'ref' | 'int' | 'date' | 'datetime';

export interface Column {
  header: string;
  kind: ColumnKind;
  // Relative width: characters in XLSX, a share of the page width in PDF.
  width: number;
}

// What the PDF prints above the table (and the XLSX keeps on its second sheet): who made the file,
// for whom, of what, for which period.
export interface TableMeta {
  title: string;
  operator: string;
  period: string;
  generatedAt: string;
  generatedBy: string;
  // Extra lines: the audit chain's verification result, what the period filters on.
  notes: string[];
}

export interface TableWriter {
  begin(meta: TableMeta, columns: readonly Column[]): Promise<void>;
  row(cells: readonly Cell[]): void;
  // Rows after the table (the audit chain's result in a CSV or XLSX register).
  trailer(cells: readonly Cell[]): void;
  // Gives the event loop a turn to move buffered output to the disk: called every ~1000 rows so
  // streams never pile up in memory.
  drain(): Promise<void>;
  // Completes the file; the caller hashes and renames it.
  finish(): Promise<void>;
  // Stops writing and releases the file; the caller deletes it.
  abort(): Promise<void>;
}

// A cell that starts like a formula would run as one when opened in Excel or LibreOffice (OWASP
// "CSV injection"): = + - @ TAB CR.
const formulaStarts = new Set([61, 43, 45, 64, 9, 13]);

export function startsLikeFormula(value: string): boolean {
  return value.length > 0 && formulaStarts.has(value.charCodeAt(0));
}

// A leading apostrophe makes a formula-like cell text. In a CSV it stays visible, which is the
// point: the reader sees exactly what was stored, after a mark that it was defused.
export function defuse(value: string): string {
  return startsLikeFormula(value) ? `'${value}` : value;
}

const pad = (n: number): string => String(n).padStart(2, '0');

// Stored timestamps are UTC; the inspector reads the clinic's local time.
export function localDateTime(iso: string | null): string | null {
  if (iso === null) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function localDateOf(iso: string | null): string | null {
  if (iso === null) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// A local calendar date as the UTC instant of its start, to compare with stored timestamps.
export function localDayStartIso(date: string, addDays = 0): string {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + addDays);
  return d.toISOString();
}

// 'YYYY-MM-DD' → 'DD.MM.YYYY', the way a Russian or Kazakh reader writes a date in prose.
export function humanDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : date;
}

export function periodText(from: string | null, to: string | null): string {
  if (from && to) return `с ${humanDate(from)} по ${humanDate(to)}`;
  if (from) return `с ${humanDate(from)}`;
  if (to) return `по ${humanDate(to)}`;
  return 'за всё время';
}

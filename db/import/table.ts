import { RegisterError } from '../errors.ts';

// What the CSV and XLSX readers hand to the import: a header, then rows with the line a person
// would look for in the file (the physical line of a CSV file, the sheet row of a workbook).

export type TableFormat = 'csv' | 'xlsx';
export type TableEncoding = 'utf-8' | 'windows-1251' | 'utf-16le' | 'utf-16be';
export type CsvDelimiter = ';' | ',' | '\t';

export interface TableHeader {
  format: TableFormat;
  encoding: TableEncoding;
  delimiter: CsvDelimiter | null;
  headerLine: number;
  // Header texts in file order; blank ones are named by position, repeats get a suffix, so every
  // column has a name a mapping can point at.
  columns: string[];
  // Rows expected after the header, for progress: the count of lines or the sheet's dimension.
  estimatedRows: number;
}

export interface TableRow {
  line: number;
  cells: string[];
  // Part of the row was not in the file's encoding (a UTF-8 file with lines pasted from cp1251).
  badEncoding?: boolean;
  // Indexes of cells longer than a spreadsheet cell can be, cut to maxCellChars (see capCells).
  longCells?: number[];
}

export interface TableSink {
  header: (h: TableHeader) => void;
  // May throw (cancellation): reading stops and the error propagates.
  row: (r: TableRow) => void;
}

// Rows above this are refused: one import is one transaction, and its valid rows are held in
// memory until the commit.
export const maxRows = 500_000;

// Excel's limit for one cell. A longer cell did not come from a spreadsheet; it is cut here so
// that nothing downstream (the preview's sample rows, messages) carries megabytes of it, and the
// row is refused if the cell is one the import reads (rows.ts).
export const maxCellChars = 32_767;

export function capCells(cells: string[]): { cells: string[]; long: number[] | null } {
  const long: number[] = [];
  for (let i = 0; i < cells.length; i++) {
    if (cells[i]!.length > maxCellChars) {
      long.push(i);
      cells[i] = cells[i]!.slice(0, maxCellChars);
    }
  }
  return { cells, long: long.length > 0 ? long : null };
}

// Excel's and LibreOffice's widest sheet. A header wider than that is a wrong separator or not a
// table, and its names would only fill the preview.
export const maxColumns = 16_384;

export function columnNames(cells: string[]): string[] {
  let last = cells.length;
  while (last > 0 && cells[last - 1]!.trim() === '') last--;
  if (last > maxColumns)
    throw new RegisterError(
      'invalid_input',
      `В строке заголовков больше ${maxColumns.toLocaleString('ru-RU')} столбцов — столько нет ни в Excel, ни в LibreOffice: проверьте разделитель или сохраните таблицу заново.`,
    );
  const seen = new Map<string, number>();
  return cells.slice(0, last).map((raw, i) => {
    const base = raw.replace(/\s+/g, ' ').trim() || `Столбец ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

export function isBlankRow(cells: string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

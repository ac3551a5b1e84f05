// CSV for an inspector's Excel: UTF-8 with BOM and `;` (what Russian-locale Excel expects, and
// LibreOffice detects), CRLF line ends, one header row and then the rows — nothing else, so a
// program can read it as well as a person.
//
// Phones: Excel and LibreOffice both read `+79161234567` in a CSV as the number 79161234567 (the
// plus is a sign, and Excel evaluates a leading + as a formula); there is no CSV syntax that says
// "text". The apostrophe that defuses formulas (`'+79161234567`) is what keeps the plus and the
// digits intact in both programs, at the price of a visible apostrophe. The alternatives were
// worse: a leading space or tab is trimmed or is itself a formula start, an invisible character
// travels on into every copy-paste, `="+7…"` is a formula, and dropping the plus changes the number.
// The XLSX export stores phones as typed text cells without the apostrophe.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Cell, Column, TableMeta, TableWriter } from './table.ts';
import { defuse } from './table.ts';

// Separator, quote, line breaks, or edge spaces (which Excel would otherwise trim).
const needsQuotes = /[";\r\n]|^\s|\s$/;

export function csvCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = defuse(value);
  return needsQuotes.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (Cell | undefined)[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += i === 0 ? csvCell(cells[i]) : `;${csvCell(cells[i])}`;
  return `${line}\r\n`;
}

// Identifiers that a spreadsheet would read as a number or a date (a paper form number 000123
// loses its zeros) take the same apostrophe as phones: it is the one mark both Excel and
// LibreOffice keep the characters behind.
const numberLike = /^[\d\s.,:/-]+$/;

export function csvRefCell(value: Cell | undefined): string {
  if (typeof value === 'string' && numberLike.test(value) && /\d/.test(value)) return csvCell(`'${value}`);
  return csvCell(value);
}

// Buffers output in chunks of a few hundred KB: one write per chunk, synchronous, so memory holds
// one chunk however many rows.
export class CsvWriter implements TableWriter {
  readonly #fd: number;
  #pending: string[] = [];
  #refs: boolean[] = [];
  #pendingChars = 0;
  #closed = false;

  constructor(path: string) {
    this.#fd = openSync(path, 'wx', 0o600);
  }

  async begin(_meta: TableMeta, columns: readonly Column[]): Promise<void> {
    this.#refs = columns.map((c) => c.kind === 'ref');
    this.#write(`\uFEFF${csvLine(columns.map((c) => c.header))}`);
  }

  row(cells: readonly Cell[]): void {
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      const cell = this.#refs[i] ? csvRefCell(cells[i]) : csvCell(cells[i]);
      line += i === 0 ? cell : `;${cell}`;
    }
    this.#write(`${line}\r\n`);
  }

  trailer(cells: readonly Cell[]): void {
    this.#write(csvLine(cells));
  }

  async drain(): Promise<void> {}

  async finish(): Promise<void> {
    this.#flush();
    fsyncSync(this.#fd);
    this.#close();
  }

  async abort(): Promise<void> {
    this.#close();
  }

  #write(text: string): void {
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (this.#pendingChars >= 256 * 1024) this.#flush();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const buf = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
  }

  #close(): void {
    // Once only: a closed descriptor number may already belong to another file.
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

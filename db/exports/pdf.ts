// PDF registers: A4 landscape, DejaVu Sans embedded (Cyrillic and the Kazakh letters ә ғ қ ң ө ұ ү
// һ і), a ruled table whose header row repeats on every page, a header block on the first page
// (operator, register, period, generated at and by), a running title and page number on every
// page. pdfkit is a stream: with bufferPages off each finished page is written out, so memory
// holds one page however many rows — which is also why the footer says "page N" without "of M".
import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { Cell, Column, ColumnKind, TableMeta, TableWriter } from './table.ts';

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
// The table uses the condensed cut of the same family: a register of fifteen columns needs the
// width, and it covers the same Cyrillic and Kazakh letters.
const fonts = {
  regular: join(fontDir, 'DejaVuSans.ttf'),
  bold: join(fontDir, 'DejaVuSans-Bold.ttf'),
  cell: join(fontDir, 'DejaVuSansCondensed.ttf'),
  cellBold: join(fontDir, 'DejaVuSansCondensed-Bold.ttf'),
};

// Columns whose content has a known shape are at least as wide as it.
const shapes: Partial<Record<ColumnKind, string>> = {
  date: '2026-12-31',
  datetime: '2026-12-31 23:59',
  phone: '+998901234567',
  int: '1000000',
};

const page = { width: 841.89, height: 595.28 };
const margin = { top: 30, bottom: 34, left: 28, right: 28 };
const contentWidth = page.width - margin.left - margin.right;
const size = { title: 13, meta: 8.5, table: 7, footer: 7 };
const pad = { x: 2.5, y: 2 };
// A single cell taller than this is cut with an ellipsis: the full text is in the CSV and XLSX.
const maxCellHeight = 180;
// How many rows decide the column widths; how wide one word or one line may make a column.
const sampleRows = 200;
const maxWord = 60;
const maxNatural = 260;
const colors = { text: '#000000', muted: '#555555', grid: '#888888', headerFill: '#e6e6e6' };

export class PdfWriter implements TableWriter {
  readonly #file: WriteStream;
  readonly #doc: PDFKit.PDFDocument;
  #columns: readonly Column[] = [];
  #widths: number[] = [];
  #meta: TableMeta | null = null;
  #y = 0;
  #pageNo = 0;
  #sample: string[][] | null = [];
  #failed: Error | null = null;

  constructor(path: string) {
    this.#file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.#file.on('error', (err) => {
      this.#failed = err;
    });
    this.#doc = new PDFDocument({
      size: 'A4',
      layout: 'landscape',
      margins: margin,
      autoFirstPage: false,
      bufferPages: false,
      compress: true,
      info: { Producer: 'Privacy Desk', Creator: 'Privacy Desk' },
    });
    this.#doc.registerFont('regular', fonts.regular);
    this.#doc.registerFont('bold', fonts.bold);
    this.#doc.registerFont('cell', fonts.cell);
    this.#doc.registerFont('cellBold', fonts.cellBold);
    this.#doc.pipe(this.#file);
  }

  async begin(meta: TableMeta, columns: readonly Column[]): Promise<void> {
    this.#meta = meta;
    this.#columns = columns;
    this.#doc.info.Title = meta.title;
    this.#doc.info.Author = meta.operator;
  }

  row(cells: readonly Cell[]): void {
    const values = this.#columns.map((_, i) => text(cells[i]));
    // The first rows decide the column widths, so they wait until there are enough of them.
    if (this.#sample) {
      this.#sample.push(values);
      if (this.#sample.length >= sampleRows) this.#start();
      return;
    }
    this.#row(values, 'cell');
  }

  trailer(cells: readonly Cell[]): void {
    this.#start();
    const line = cells.map(text).filter(Boolean).join(' ');
    this.#paragraph(line);
  }

  async drain(): Promise<void> {
    if (this.#failed) throw this.#failed;
    await new Promise((r) => setImmediate(r));
    const backlog = () => this.#doc.readableLength + this.#file.writableLength;
    while (backlog() > 4 * 1024 * 1024 && !this.#failed) await new Promise((r) => setImmediate(r));
  }

  async finish(): Promise<void> {
    this.#start();
    const closed = new Promise<void>((resolve, reject) => {
      this.#file.once('close', resolve);
      this.#file.once('error', reject);
    });
    this.#doc.end();
    await closed;
    if (this.#failed) throw this.#failed;
  }

  async abort(): Promise<void> {
    this.#doc.unpipe(this.#file);
    if (!this.#file.closed) {
      await new Promise<void>((resolve) => {
        this.#file.once('close', () => resolve());
        this.#file.destroy();
      });
    }
  }

  // ---- layout ----------------------------------------------------------------------------------

  #newPage(): void {
    const doc = this.#doc;
    doc.addPage();
    this.#pageNo++;
    const m = this.#meta!;
    // Running head and foot, drawn first so the table never covers them.
    doc.font('regular').fontSize(size.footer).fillColor(colors.muted);
    const head = `${m.operator} · ${m.title} · ${m.period}`;
    doc.text(head, margin.left, 14, { width: contentWidth - 80, lineBreak: false, ellipsis: true, height: size.footer * 1.3 });
    // Below the bottom margin pdfkit would start a new page for the text: lift the margin while
    // the footer is drawn.
    doc.page.margins.bottom = 0;
    const foot = `Сформировано ${m.generatedAt}, ${m.generatedBy}`;
    const footY = page.height - margin.bottom + 12;
    doc.text(foot, margin.left, footY, { width: contentWidth - 100, lineBreak: false, ellipsis: true, height: size.footer * 1.3 });
    doc.text(`Страница ${this.#pageNo}`, margin.left + contentWidth - 100, footY, { width: 100, align: 'right', lineBreak: false });
    doc.page.margins.bottom = margin.bottom;
    doc.fillColor(colors.text).lineWidth(0.4).strokeColor(colors.grid);
    this.#y = margin.top;
    this.#forgetLayouts();
  }

  // pdfkit caches the glyph layout of every word it has set, for the life of the document: with
  // ids, phones and names that is one entry per row, and memory grows with the register (measured:
  // 879 MB peak for 100k rows; emptied every 20 pages, still 369 MB). Emptied on every page, the
  // cache still serves the words that repeat within the page and memory stays flat.
  #forgetLayouts(): void {
    const families = (this.#doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies ?? {};
    for (const font of Object.values(families)) if (font.layoutCache) font.layoutCache = Object.create(null);
  }

  #headerBlock(): void {
    const doc = this.#doc;
    const m = this.#meta!;
    doc.font('bold').fontSize(size.title).text(m.title, margin.left, this.#y, { width: contentWidth });
    this.#y = doc.y + 4;
    doc.fontSize(size.meta);
    const lines: [string, string][] = [
      ['Оператор: ', m.operator],
      ['Период: ', m.period],
      ['Сформировано: ', `${m.generatedAt}, ${m.generatedBy}`],
    ];
    for (const [k, v] of lines) {
      doc.font('bold').text(k, margin.left, this.#y, { continued: true }).font('regular').text(v, { width: contentWidth });
      this.#y = doc.y + 1;
    }
    doc.font('regular');
    for (const n of m.notes) {
      doc.text(n, margin.left, this.#y, { width: contentWidth });
      this.#y = doc.y + 1;
    }
    this.#y += 6;
  }

  // Lays out the table from the sampled rows, then writes the first page and the sampled rows.
  #start(): void {
    if (!this.#sample) return;
    const sample = this.#sample;
    this.#sample = null;
    this.#widths = this.#layout(this.#columns, sample);
    this.#newPage();
    this.#headerBlock();
    this.#headerRow();
    for (const values of sample) this.#row(values, 'cell');
  }

  // Column widths from the header and the first rows: each column at least as wide as its
  // longest word (capped, so a 64-character hash wraps instead of taking the page) and the fixed
  // shapes (dates, phones, ids) whole; the rest of the width goes to the columns whose text is
  // longer than that, in proportion to how much longer.
  #layout(columns: readonly Column[], sample: string[][]): number[] {
    const doc = this.#doc;
    // Padding, plus slack: pdfkit wraps a word that fills its line exactly.
    const extra = 2 * pad.x + 3;
    const mins: number[] = [];
    const wants: number[] = [];
    columns.forEach((c, i) => {
      doc.font('cellBold').fontSize(size.table);
      let min = Math.max(...c.header.split(/\s+/).map((w) => doc.widthOfString(w)));
      let want = Math.min(maxNatural, doc.widthOfString(c.header) / 2);
      doc.font('cell');
      if (shapes[c.kind]) min = Math.max(min, doc.widthOfString(shapes[c.kind]!));
      for (const row of sample) {
        const v = row[i] ?? '';
        if (v === '') continue;
        const longestWord = Math.max(...v.split(/\s+/).map((w) => doc.widthOfString(w)));
        min = Math.max(min, Math.min(maxWord, longestWord));
        want = Math.max(want, Math.min(maxNatural, doc.widthOfString(v)));
      }
      mins.push(min + extra);
      wants.push(Math.max(min, want) + extra);
    });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    if (sum(wants) <= contentWidth) {
      // Everything fits on one line: spread the spare width in proportion to the natural widths.
      const scale = contentWidth / sum(wants);
      return wants.map((w) => w * scale);
    }
    if (sum(mins) <= contentWidth) {
      const spare = contentWidth - sum(mins);
      const wanted = sum(wants.map((w, i) => w - mins[i]!));
      return mins.map((m, i) => m + ((wants[i]! - m) / wanted) * spare);
    }
    const scale = contentWidth / sum(mins);
    return mins.map((m) => m * scale);
  }

  #headerRow(): void {
    this.#row(
      this.#columns.map((c) => c.header),
      'cellBold',
    );
  }

  // A cell's lines, broken at spaces and line breaks to fit its width; null when a single word is
  // wider than the column or the text is taller than a cell may be — pdfkit's own wrapping (which
  // breaks inside words and cuts with an ellipsis) takes those.
  #wrap(value: string, inner: number, lineHeight: number): string[] | null {
    const doc = this.#doc;
    if (value === '') return [];
    if (!value.includes('\n') && doc.widthOfString(value) <= inner) return [value];
    const lines: string[] = [];
    for (const paragraph of value.split(/\r?\n/)) {
      let current = '';
      for (const word of paragraph.split(/\s+/)) {
        if (word === '') continue;
        const candidate = current === '' ? word : `${current} ${word}`;
        if (doc.widthOfString(candidate) <= inner) {
          current = candidate;
          continue;
        }
        if (doc.widthOfString(word) > inner) return null;
        lines.push(current);
        current = word;
      }
      lines.push(current);
    }
    return lines.length * lineHeight <= maxCellHeight ? lines : null;
  }

  #row(values: string[], font: 'cell' | 'cellBold'): void {
    const doc = this.#doc;
    doc.font(font).fontSize(size.table);
    const lineHeight = doc.currentLineHeight(true);
    const wrapped = values.map((v, i) => this.#wrap(v, this.#widths[i]! - 2 * pad.x, lineHeight));
    let height = lineHeight;
    wrapped.forEach((lines, i) => {
      const h = lines ? lines.length * lineHeight : Math.min(maxCellHeight, doc.heightOfString(values[i]!, { width: this.#widths[i]! - 2 * pad.x }));
      height = Math.max(height, h);
    });
    height += 2 * pad.y;
    if (this.#y + height > page.height - margin.bottom && font === 'cell') {
      this.#newPage();
      this.#headerRow();
      doc.font(font).fontSize(size.table);
    }
    const y = this.#y;
    if (font === 'cellBold') doc.rect(margin.left, y, contentWidth, height).fill(colors.headerFill).fillColor(colors.text);
    let x = margin.left;
    const set: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const w = this.#widths[i]!;
      const lines = wrapped[i];
      const cell: string[] = [];
      const fast = lines?.every((l, k) => this.#setLine(cell, l, x + pad.x, y + pad.y + k * lineHeight));
      if (fast) set.push(...cell);
      else if (values[i] !== '') doc.text(values[i]!, x + pad.x, y + pad.y, { width: w - 2 * pad.x, height: height - 2 * pad.y, ellipsis: true });
      x += w;
    }
    if (set.length > 0) this.#flushLine(set);
    // The grid: the row's box and the rules between its cells, stroked as one path.
    doc.rect(margin.left, y, contentWidth, height);
    x = margin.left;
    for (let i = 0; i < values.length - 1; i++) {
      x += this.#widths[i]!;
      doc.moveTo(x, y).lineTo(x, y + height);
    }
    doc.stroke();
    this.#y = y + height;
  }

  // One-line cells of a row go into one PDF text object, set from the font's glyph encoding the
  // way pdfkit's own text() does (glyph ids, kerning in TJ), without its per-call wrapping,
  // measuring and state saving: 100k rows spend most of their time here. A cell whose glyphs
  // carry offsets (combining marks) is left to text().
  #setLine(line: string[], value: string, x: number, y: number): boolean {
    const font = (this.#doc as unknown as { _font: PdfFont })._font;
    const [encoded, positions] = font.encode(value);
    const parts: string[] = [];
    let last = 0;
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      if (p.xOffset || p.yOffset) return false;
      const kern = p.xAdvance - p.advanceWidth;
      if (kern !== 0) {
        parts.push(`<${encoded.slice(last, i + 1).join('')}> ${num(-kern)}`);
        last = i + 1;
      }
    }
    if (last < encoded.length) parts.push(`<${encoded.slice(last).join('')}> 0`);
    const baseline = page.height - y - (font.ascender / 1000) * size.table;
    line.push(`1 0 0 1 ${num(x)} ${num(baseline)} Tm [${parts.join(' ')}] TJ`);
    return true;
  }

  #flushLine(line: string[]): void {
    const doc = this.#doc as unknown as { _font: PdfFont; page: { fonts: Record<string, unknown> }; addContent(s: string): void };
    const font = doc._font;
    if (doc.page.fonts[font.id] == null) doc.page.fonts[font.id] = font.ref();
    // pdfkit's page space has its origin at the top left; text is set in PDF's own space.
    doc.addContent(`q 1 0 0 -1 0 ${num(page.height)} cm BT /${font.id} ${num(size.table)} Tf ${line.join(' ')} ET Q`);
  }

  #paragraph(value: string): void {
    const doc = this.#doc;
    doc.font('regular').fontSize(size.meta);
    const h = doc.heightOfString(value, { width: contentWidth }) + 8;
    if (this.#y + h > page.height - margin.bottom) this.#newPage();
    doc.text(value, margin.left, this.#y + 6, { width: contentWidth });
    this.#y = doc.y;
  }
}

// The parts of pdfkit's embedded font that setting a line needs.
interface PdfFont {
  id: string;
  ascender: number;
  ref(): unknown;
  encode(text: string): [string[], { xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }[]];
}

// Numbers in content streams: short, and never in exponent notation.
function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

function text(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

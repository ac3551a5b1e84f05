// PDF registers: A4 landscape, DejaVu Sans embedded (Cyrillic and the Kazakh letters ә ғ қ ң ө ұ ү
// һ і), a ruled table whose header row repeats on every page, a header block on the first page
// (operator, register, period, generated at and by), a running title and page number on every
// page. pdfkit is a stream: with bufferPages off each finished page is written out, so memory
// holds one page however many rows — which is also why the footer says "page N" without "of M".
import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { GlyphSetter, num, type PdfFont } from './pdf-glyphs.ts';
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
type FontName = keyof typeof fonts;
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
  readonly #setters = new Map<FontName, GlyphSetter>();

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
    this.#sealPage();
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

  // The setter of a font, made current in pdfkit at `fontSize` (so its fallbacks see the same font).
  #use(name: FontName, fontSize: number): GlyphSetter {
    const doc = this.#doc;
    doc.font(name).fontSize(fontSize);
    let setter = this.#setters.get(name);
    if (!setter) {
      setter = new GlyphSetter((doc as unknown as { _font: PdfFont })._font);
      this.#setters.set(name, setter);
    }
    return setter;
  }

  // Width in points of one line of text.
  #measure(name: FontName, fontSize: number, value: string): number {
    const setter = this.#use(name, fontSize);
    return setter.settable(value) ? (setter.width(value) * fontSize) / 1000 : this.#doc.widthOfString(value);
  }

  #newPage(): void {
    const doc = this.#doc;
    this.#sealPage();
    doc.addPage();
    this.#pageNo++;
    const m = this.#meta!;
    // Running head and foot, drawn first so the table never covers them.
    doc.fillColor(colors.muted);
    const footY = page.height - margin.bottom + 12;
    const number = `Страница ${this.#pageNo}`;
    const numberWidth = this.#measure('regular', size.footer, number);
    const parts = [
      { text: `${m.operator} · ${m.title} · ${m.period}`, x: margin.left, y: 14, width: contentWidth - 80 },
      { text: `Сформировано ${m.generatedAt}, ${m.generatedBy}`, x: margin.left, y: footY, width: contentWidth - 100 },
      { text: number, x: margin.left + contentWidth - numberWidth, y: footY, width: 100 },
    ];
    const setter = this.#use('regular', size.footer);
    const set: string[] = [];
    for (const part of parts) {
      if (setter.settable(part.text)) {
        set.push(this.#tm(setter, setter.fit(part.text, (part.width * 1000) / size.footer), part.x, part.y, size.footer));
        continue;
      }
      // Below the bottom margin pdfkit would start a new page for the text: lift the margin while
      // the footer is drawn.
      doc.page.margins.bottom = 0;
      doc.text(part.text, part.x, part.y, { width: part.width, lineBreak: false, ellipsis: true, height: size.footer * 1.3 });
      doc.page.margins.bottom = margin.bottom;
    }
    this.#emitText(setter, size.footer, set);
    doc.fillColor(colors.text).lineWidth(0.4).strokeColor(colors.grid);
    this.#y = margin.top;
    this.#forgetLayouts();
  }

  // pdfkit deflates each page's content when the page ends, at zlib's default level 6, and that
  // was a fifth of what was left of a register's CPU time. Level 1, measured on 20k consent rows:
  // 3.9 s of CPU instead of 5.1 s for a file 14% larger. The page is finished here (nothing is
  // drawn on it after), so its content is deflated once, at level 1, and pdfkit told it already is.
  #sealPage(): void {
    type Content = { buffer: Uint8Array[]; compress: boolean; data: { Filter?: string } };
    const content = (this.#doc as unknown as { page?: { content?: Content } }).page?.content;
    if (!content?.compress || content.buffer.length === 0) return;
    content.buffer = [deflateSync(Buffer.concat(content.buffer), { level: 1 })];
    content.compress = false;
    content.data.Filter = 'FlateDecode';
  }

  // pdfkit caches the glyph layout of every word it has set, for the life of the document: with
  // ids, phones and names that is one entry per row, and memory grows with the register (measured:
  // 879 MB peak for 100k rows; emptied every 20 pages, still 369 MB). Most cells no longer go
  // through pdfkit's layout (pdf-glyphs.ts), but those that do would still pile up: emptied on
  // every page, memory stays flat.
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
    // Padding, plus slack: a line that fills its cell exactly is not worth a rounding error.
    const extra = 2 * pad.x + 3;
    const mins: number[] = [];
    const wants: number[] = [];
    columns.forEach((c, i) => {
      let min = Math.max(...c.header.split(/\s+/).map((w) => this.#measure('cellBold', size.table, w)));
      let want = Math.min(maxNatural, this.#measure('cellBold', size.table, c.header) / 2);
      if (shapes[c.kind]) min = Math.max(min, this.#measure('cell', size.table, shapes[c.kind]!));
      for (const row of sample) {
        const v = row[i] ?? '';
        if (v === '') continue;
        const longestWord = Math.max(...v.split(/\s+/).map((w) => this.#measure('cell', size.table, w)));
        min = Math.max(min, Math.min(maxWord, longestWord));
        want = Math.max(want, Math.min(maxNatural, this.#measure('cell', size.table, v)));
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

  #row(values: string[], font: 'cell' | 'cellBold'): void {
    const doc = this.#doc;
    const setter = this.#use(font, size.table);
    const lineHeight = doc.currentLineHeight(true);
    const maxLines = Math.max(1, Math.floor(maxCellHeight / lineHeight));
    const n = values.length;
    // Each cell's lines, or null for a cell pdfkit's own text() sets (see pdf-glyphs.ts).
    const wrapped: (string[] | null)[] = new Array(n);
    let height = lineHeight;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      const inner = this.#widths[i]! - 2 * pad.x;
      const lines = v === '' ? [] : setter.lines(v, (inner * 1000) / size.table, maxLines);
      wrapped[i] = lines;
      const h = lines ? lines.length * lineHeight : Math.min(maxCellHeight, doc.heightOfString(v, { width: inner }));
      if (h > height) height = h;
    }
    height += 2 * pad.y;
    if (this.#y + height > page.height - margin.bottom && font === 'cell') {
      this.#newPage();
      this.#headerRow();
      this.#use(font, size.table);
    }
    const y = this.#y;
    if (font === 'cellBold') doc.rect(margin.left, y, contentWidth, height).fill(colors.headerFill).fillColor(colors.text);
    let x = margin.left;
    const set: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = this.#widths[i]!;
      const lines = wrapped[i];
      if (lines) {
        for (let k = 0; k < lines.length; k++) set.push(this.#tm(setter, lines[k]!, x + pad.x, y + pad.y + k * lineHeight, size.table));
      } else {
        doc.text(values[i]!, x + pad.x, y + pad.y, { width: w - 2 * pad.x, height: height - 2 * pad.y, ellipsis: true });
      }
      x += w;
    }
    // The grid: the row's box and the rules between its cells, stroked as one path.
    let grid = `${num(margin.left)} ${num(y)} ${num(contentWidth)} ${num(height)} re`;
    x = margin.left;
    for (let i = 0; i < n - 1; i++) {
      x += this.#widths[i]!;
      grid += ` ${num(x)} ${num(y)} m ${num(x)} ${num(y + height)} l`;
    }
    this.#emitText(setter, size.table, set, `${grid} S`);
    this.#y = y + height;
  }

  // One line of text placed with its top at (x, y) in pdfkit's page space, as text() would place it.
  #tm(setter: GlyphSetter, line: string, x: number, y: number, fontSize: number): string {
    const baseline = page.height - y - (setter.font.ascender / 1000) * fontSize;
    return `1 0 0 1 ${num(x)} ${num(baseline)} Tm ${setter.tj(line)}`;
  }

  // The lines of a row (or of the running head) as one PDF text object, then `after` (the grid),
  // written straight into the page's content: pdfkit's text() would measure, wrap and save state
  // per call, and its content writer copies every string character by character.
  #emitText(setter: GlyphSetter, fontSize: number, lines: string[], after = ''): void {
    const doc = this.#doc as unknown as { page: { fonts: Record<string, unknown> }; addContent(data: string | Uint8Array): void };
    let content = after;
    if (lines.length > 0) {
      const font = setter.font;
      if (doc.page.fonts[font.id] == null) doc.page.fonts[font.id] = font.ref();
      // pdfkit's page space has its origin at the top left; text is set in PDF's own space.
      content = `q 1 0 0 -1 0 ${num(page.height)} cm BT /${font.id} ${num(fontSize)} Tf ${lines.join(' ')} ET Q${after ? ` ${after}` : ''}`;
    }
    if (content !== '') doc.addContent(Buffer.from(`${content}\n`, 'latin1'));
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

function text(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

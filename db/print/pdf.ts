import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

// A thin layer over pdfkit for the printed documents: A4, DejaVu Sans embedded (Cyrillic and the
// Kazakh letters ә ғ қ ң ө ұ ү һ і), margins a clinic's printer will not clip, and the few building
// blocks the forms need — headings, justified paragraphs, fill-in lines, ruled tables that carry
// their header over a page break, signature rows, a vector QR code and a footer with page numbers.

export type PrintLanguage = 'ru' | 'kk';

const require = createRequire(import.meta.url);

// Resolved through the package rather than a fixed path, so it holds wherever node_modules is.
function fontPath(file: string): string {
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', file);
}

export const fonts = {
  regular: fontPath('DejaVuSans.ttf'),
  bold: fontPath('DejaVuSans-Bold.ttf'),
};

// 1 mm in PDF points.
export const mm = 72 / 25.4;

const pageSize = { width: 595.28, height: 841.89 };
// Left 25 mm leaves room for a binder's holes; the bottom keeps the footer off the printer's edge.
const margins = { top: 15 * mm, bottom: 20 * mm, left: 25 * mm, right: 15 * mm };

// The text area of every page, in points from the top left.
export const page = {
  left: margins.left,
  right: pageSize.width - margins.right,
  top: margins.top,
  bottom: pageSize.height - margins.bottom,
  width: pageSize.width,
  height: pageSize.height,
};

const colors = { text: '#000000', muted: '#444444', rule: '#000000', grid: '#777777', header: '#eeeeee' };

export const sizes = { body: 9, small: 8.5, tiny: 7, title: 13, heading: 10.5, table: 8.5 };

export interface DocMeta {
  title: string;
  language: PrintLanguage;
  // Fixed by the caller from the register's clock, so a document is reproducible in tests.
  createdAt: Date;
  // Printed at the foot of every page, left of the page number.
  footer: string;
  pageWord: (page: number, pages: number) => string;
}

export interface Column {
  title: string;
  // Share of the text width; the shares are normalised.
  width: number;
  align?: 'left' | 'center' | 'right';
}

export interface SignatureCell {
  // Printed above the line (a name, a position); empty for a line to be filled in by hand.
  text?: string;
  caption: string;
  width: number;
}

export interface QrBox {
  x: number;
  y: number;
  // Side of one module in points.
  module: number;
  size: number;
  matrix: boolean[][];
}

// The QR code as a matrix of dark modules. Error correction M survives a smudge or a staple hole
// while keeping the modules large at a small printed size.
export function qrMatrix(payload: string): boolean[][] {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const rows: boolean[][] = [];
  for (let r = 0; r < n; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < n; c++) row.push(Boolean(qr.modules.get(r, c)));
    rows.push(row);
  }
  return rows;
}

// Keeps "№ 152", "ст. 9", "г. Москва" and a dash together with what they belong to, so no line
// starts with a lone number or dash. Extracted text then carries U+00A0 there.
export function typeset(text: string): string {
  return text.replace(/(^|[\s(«])(№|ст\.|ч\.|п\.|г\.|д\.|ул\.|пр\.|л\.) (?=\S)/g, '$1$2\u00a0').replace(/ (—|–) /g, '\u00a0$1 ');
}

export class PrintDoc {
  readonly doc: PDFKit.PDFDocument;
  readonly left = page.left;
  readonly right = page.right;
  readonly width = page.right - page.left;
  readonly top = page.top;
  readonly bottom = page.bottom;
  readonly #meta: DocMeta;
  readonly #chunks: Buffer[] = [];
  readonly #done: Promise<Buffer>;

  constructor(meta: DocMeta) {
    this.#meta = meta;
    this.doc = new PDFDocument({
      size: 'A4',
      margins,
      // The default font would be Helvetica, read from pdfkit's own data files: start with ours.
      font: fonts.regular,
      bufferPages: true,
      lang: meta.language === 'kk' ? 'kk-KZ' : 'ru-RU',
      displayTitle: true,
      info: { Title: meta.title, Creator: 'Privacy Desk', Producer: 'Privacy Desk', CreationDate: meta.createdAt, ModDate: meta.createdAt },
    });
    // The regular face is the default font, named by its path: registering it under another name
    // would parse the file a second time.
    this.doc.registerFont('bold', fonts.bold);
    this.doc.fontSize(sizes.body).fillColor(colors.text);
    this.#done = new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => this.#chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(this.#chunks)));
      this.doc.on('error', reject);
    });
  }

  get y(): number {
    return this.doc.y;
  }

  set y(value: number) {
    this.doc.y = value;
  }

  space(points: number): void {
    if (this.doc.y + points > this.bottom) this.newPage();
    else this.doc.y += points;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = this.left;
    this.doc.y = this.top;
  }

  // Starts a new page unless `height` points still fit on this one.
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.newPage();
  }

  #font(bold: boolean, size: number, color = colors.text): PDFKit.PDFDocument {
    return this.doc
      .font(bold ? 'bold' : fonts.regular)
      .fontSize(size)
      .fillColor(color);
  }

  heightOf(text: string, o: { width?: number; size?: number; bold?: boolean; lineGap?: number } = {}): number {
    this.#font(o.bold ?? false, o.size ?? sizes.body);
    return this.doc.heightOfString(text, { width: o.width ?? this.width, lineGap: o.lineGap ?? 1.5 });
  }

  widthOf(text: string, o: { size?: number; bold?: boolean } = {}): number {
    this.#font(o.bold ?? false, o.size ?? sizes.body);
    return this.doc.widthOfString(text);
  }

  title(lines: string[], o: { size?: number } = {}): void {
    const size = o.size ?? sizes.title;
    const text = typeset(lines.join('\n'));
    this.ensure(this.heightOf(text, { size, bold: true }) + 30);
    this.#font(true, size).text(text, this.left, this.doc.y, { width: this.width, align: 'center', lineGap: 2 });
    this.doc.y += 6;
  }

  heading(raw: string, o: { size?: number; align?: 'left' | 'center'; keepWith?: number } = {}): void {
    const text = typeset(raw);
    const size = o.size ?? sizes.heading;
    // A heading never ends a page alone: it needs a couple of lines of what it heads below it.
    this.ensure(this.heightOf(text, { size, bold: true }) + (o.keepWith ?? 40));
    this.doc.y += 3;
    this.#font(true, size).text(text, this.left, this.doc.y, { width: this.width, align: o.align ?? 'left', lineGap: 1.5 });
    this.doc.y += 2;
  }

  paragraph(
    raw: string,
    o: {
      size?: number;
      bold?: boolean;
      align?: 'left' | 'justify' | 'center' | 'right';
      indent?: number;
      hanging?: string;
      color?: string;
      after?: number;
    } = {},
  ): void {
    const text = typeset(raw);
    const size = o.size ?? sizes.body;
    const indent = o.indent ?? 0;
    const x = this.left + indent;
    const width = this.width - indent;
    const firstLine = this.heightOf('Ag', { size });
    this.ensure(Math.min(this.heightOf(text, { size, width, bold: o.bold }), firstLine * 2 + 2));
    const y = this.doc.y;
    // A numbered item: the number hangs in the indent, the text wraps under itself.
    if (o.hanging) this.#font(o.bold ?? false, size, o.color).text(o.hanging, this.left, y, { width: indent, lineBreak: false });
    // Ragged right: without hyphenation, justified Russian text opens wide gaps around long words.
    this.#font(o.bold ?? false, size, o.color).text(text, x, y, { width, align: o.align ?? 'left', lineGap: 1.5 });
    this.doc.x = this.left;
    this.doc.y += o.after ?? 2;
  }

  // "Label: ______": the label, then a line to write on up to the right margin. A label too long
  // to leave room on its own line wraps, and the line to write on gets a line of its own.
  field(rawLabel: string, o: { indent?: number; size?: number; hanging?: string } = {}): void {
    const label = typeset(rawLabel);
    const size = o.size ?? sizes.body;
    const indent = o.indent ?? 0;
    const x = this.left + indent;
    const width = this.width - indent;
    const lineHeight = this.heightOf('Ag', { size });
    const writeRoom = 16;
    this.ensure(lineHeight + writeRoom);
    const labelWidth = label ? this.widthOf(label, { size }) : 0;
    // Room enough to write a name and a signature on the line, or the line goes below the label.
    if (labelWidth + 110 <= width) {
      // Room to write by hand above the baseline.
      const y = this.doc.y + writeRoom - lineHeight + 2;
      if (o.hanging) this.#font(false, size).text(o.hanging, this.left, y, { width: indent, lineBreak: false });
      if (label) this.#font(false, size).text(label, x, y, { width: labelWidth + 1, lineBreak: false });
      const baseline = y + lineHeight - 1;
      this.hline(x + labelWidth + (label ? 4 : 0), this.right, baseline);
      this.doc.x = this.left;
      this.doc.y = baseline + 3;
    } else {
      const y = this.doc.y + 3;
      if (o.hanging) this.#font(false, size).text(o.hanging, this.left, y, { width: indent, lineBreak: false });
      this.#font(false, size).text(label, x, y, { width, align: 'left', lineGap: 1.5 });
      this.ensure(writeRoom + 2);
      const baseline = this.doc.y + writeRoom;
      this.hline(x, this.right, baseline);
      this.doc.x = this.left;
      this.doc.y = baseline + 3;
    }
  }

  hline(x1: number, x2: number, y: number, o: { width?: number; color?: string } = {}): void {
    this.doc
      .save()
      .moveTo(x1, y)
      .lineTo(x2, y)
      .lineWidth(o.width ?? 0.6)
      .strokeColor(o.color ?? colors.rule)
      .stroke()
      .restore();
  }

  // A row of lines to sign on, each with a small caption under it ("(подпись)", "(дата)").
  signatureRow(cells: SignatureCell[], o: { gap?: number } = {}): void {
    const gap = o.gap ?? 12;
    const total = cells.reduce((s, c) => s + c.width, 0);
    const usable = this.width - gap * (cells.length - 1);
    const textHeight = Math.max(...cells.map((c) => (c.text ? this.heightOf(c.text, { size: sizes.body, width: (usable * c.width) / total }) : 0)));
    const lineY = this.doc.y + Math.max(textHeight, 10) + 12;
    this.ensure(lineY - this.doc.y + 14);
    const top = this.doc.y;
    const baseline = top + Math.max(textHeight, 10) + 12;
    let x = this.left;
    for (const c of cells) {
      const w = (usable * c.width) / total;
      if (c.text) this.#font(false, sizes.body).text(c.text, x, baseline - 2 - this.heightOf(c.text, { width: w }), { width: w, align: 'left', lineGap: 1.5 });
      this.hline(x, x + w, baseline);
      this.#font(false, sizes.tiny, colors.muted).text(c.caption, x, baseline + 2, { width: w, align: 'center', lineBreak: false });
      x += w + gap;
    }
    this.doc.x = this.left;
    this.doc.y = baseline + 2 + this.heightOf('Ag', { size: sizes.tiny }) + 6;
    this.#font(false, sizes.body);
  }

  // Two columns without a grid: a label on the left, its value on the right.
  keyValues(rows: [string, string][], o: { labelWidth?: number; size?: number } = {}): void {
    const size = o.size ?? sizes.body;
    const lw = o.labelWidth ?? 0.32 * this.width;
    const vw = this.width - lw - 8;
    for (const [label, raw] of rows) {
      const value = typeset(raw);
      const h = Math.max(this.heightOf(label, { size, width: lw }), this.heightOf(value || '—', { size, width: vw }));
      this.ensure(h + 3);
      const y = this.doc.y;
      this.#font(false, size, colors.muted).text(label, this.left, y, { width: lw, lineGap: 1.5 });
      this.#font(false, size).text(value || '—', this.left + lw + 8, y, { width: vw, lineGap: 1.5 });
      this.doc.x = this.left;
      this.doc.y = y + h + 3;
    }
  }

  // The requested shares, widened where a column's longest word would otherwise be cut in the
  // middle ("16.02.202|6"), the room taken from columns that have some to spare.
  #columnWidths(columns: Column[], rows: string[][], o: { size: number; headerSize: number; pad: number }): number[] {
    const share = columns.reduce((s, c) => s + c.width, 0);
    const wanted = columns.map((c) => (this.width * c.width) / share);
    const longest = (texts: string[], size: number, bold: boolean) =>
      Math.max(
        0,
        ...texts
          .flatMap((t) => t.split(/\s+/))
          .filter(Boolean)
          .map((w) => this.widthOf(w, { size, bold })),
      );
    const need = columns.map((c, i) =>
      Math.min(
        0.45 * this.width,
        // pdfkit measures a word with its trailing space, so that much more room is needed.
        Math.max(
          longest([c.title], o.headerSize, true),
          longest(
            rows.map((r) => r[i] ?? ''),
            o.size,
            false,
          ),
        ) +
          2 * o.pad +
          5,
      ),
    );
    const totalNeed = need.reduce((a, b) => a + b, 0);
    if (totalNeed >= this.width) return need.map((n) => (n * this.width) / totalNeed);
    const widths = wanted.map((w, i) => Math.max(w, need[i] ?? 0));
    const excess = widths.reduce((a, b) => a + b, 0) - this.width;
    if (excess <= 0) return widths;
    const slack = widths.map((w, i) => Math.max(0, w - (need[i] ?? 0)));
    const totalSlack = slack.reduce((a, b) => a + b, 0);
    return widths.map((w, i) => w - (excess * (slack[i] ?? 0)) / totalSlack);
  }

  // A ruled table. Rows never split across pages; the header row repeats on each new page.
  table(columns: Column[], rawRows: string[][], o: { size?: number; headerSize?: number } = {}): void {
    const rows = rawRows.map((r) => r.map(typeset));
    const size = o.size ?? sizes.table;
    const headerSize = o.headerSize ?? size;
    const pad = 3;
    const widths = this.#columnWidths(columns, rows, { size, headerSize, pad });
    const rowHeight = (cells: string[], bold: boolean, fs: number) =>
      Math.max(...cells.map((cell, i) => this.heightOf(cell, { size: fs, bold, width: (widths[i] ?? 0) - 2 * pad, lineGap: 1 }))) + 2 * pad;
    const drawRow = (cells: string[], header: boolean) => {
      const fs = header ? headerSize : size;
      const h = rowHeight(cells, header, fs);
      const y = this.doc.y;
      let x = this.left;
      if (header) this.doc.save().rect(this.left, y, this.width, h).fill(colors.header).restore();
      cells.forEach((cell, i) => {
        const w = widths[i] ?? 0;
        this.#font(header, fs).text(cell, x + pad, y + pad, { width: w - 2 * pad, align: columns[i]?.align ?? 'left', lineGap: 1 });
        x += w;
      });
      // Grid: the row's box and its column separators.
      this.doc.save().lineWidth(0.5).strokeColor(colors.grid).rect(this.left, y, this.width, h).stroke();
      let cx = this.left;
      for (const w of widths.slice(0, -1)) {
        cx += w;
        this.doc
          .moveTo(cx, y)
          .lineTo(cx, y + h)
          .stroke();
      }
      this.doc.restore();
      this.doc.x = this.left;
      this.doc.y = y + h;
    };
    const header = columns.map((c) => c.title);
    const headerHeight = rowHeight(header, true, headerSize);
    this.ensure(headerHeight + (rows[0] ? rowHeight(rows[0], false, size) : 0));
    drawRow(header, true);
    for (const row of rows) {
      const h = rowHeight(row, false, size);
      if (this.doc.y + h > this.bottom) {
        this.newPage();
        drawRow(header, true);
      }
      drawRow(row, false);
    }
    this.doc.y += 6;
    this.#font(false, sizes.body);
  }

  // The QR code as filled squares (vector, sharp at any printer resolution), runs of dark modules
  // merged into one rectangle each. Returns where it was drawn so tests can sample it back.
  qr(payload: string, x: number, y: number, size: number): QrBox {
    const matrix = qrMatrix(payload);
    const n = matrix.length;
    const module = size / n;
    this.doc.save().fillColor('#000000');
    matrix.forEach((row, r) => {
      let c = 0;
      while (c < n) {
        if (!row[c]) {
          c++;
          continue;
        }
        let end = c;
        while (end + 1 < n && row[end + 1]) end++;
        // A hair of overlap closes the seams some renderers leave between adjacent rectangles.
        this.doc.rect(x + c * module, y + r * module, (end - c + 1) * module + 0.05, module + 0.05);
        c = end + 1;
      }
    });
    this.doc.fill().restore();
    return { x, y, module, size, matrix };
  }

  // Text at an exact place, not moving the flow (headers, the QR caption).
  place(text: string, x: number, y: number, o: { width: number; size?: number; bold?: boolean; align?: 'left' | 'center' | 'right'; color?: string }): number {
    this.#font(o.bold ?? false, o.size ?? sizes.body, o.color).text(typeset(text), x, y, { width: o.width, align: o.align ?? 'left', lineGap: 1 });
    const h = this.doc.y - y;
    this.#font(false, sizes.body);
    return h;
  }

  muted(text: string, o: { size?: number; align?: 'left' | 'center' | 'justify' } = {}): void {
    this.paragraph(text, { size: o.size ?? sizes.small, color: colors.muted, align: o.align ?? 'left' });
  }

  // Footers go on last, once the page count is known. The bottom margin is lifted while writing
  // them, or pdfkit would start a new page for text below it.
  async finish(): Promise<Buffer> {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const current = this.doc.page;
      const saved = current.margins.bottom;
      current.margins.bottom = 0;
      const y = pageSize.height - margins.bottom + 8;
      this.hline(this.left, this.right, y - 3, { width: 0.4, color: colors.grid });
      const pageText = this.#meta.pageWord(i - range.start + 1, range.count);
      const pw = this.widthOf(pageText, { size: sizes.tiny }) + 2;
      this.#font(false, sizes.tiny, colors.muted).text(this.#meta.footer, this.left, y, { width: this.width - pw - 10, lineBreak: true, height: 20 });
      this.#font(false, sizes.tiny, colors.muted).text(pageText, this.right - pw, y, { width: pw, align: 'right', lineBreak: false });
      current.margins.bottom = saved;
    }
    this.doc.end();
    return this.#done;
  }
}

// A date the law counts in (YYYY-MM-DD) prints as it is; a stored UTC timestamp as its local date.
export function formatDate(date: string | null | undefined): string {
  if (!date) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m) return `${m[3]}.${m[2]}.${m[1]}`;
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) return date;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()}`;
}

// Stored timestamps are UTC; a printed document shows the clinic's local time.
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

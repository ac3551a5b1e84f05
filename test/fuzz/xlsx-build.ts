// Workbooks built by hand, part by part, for the import fuzz: whatever a hostile or broken file
// can hold (a sheet that inflates to hundreds of megabytes, a missing part, a zip that is no
// workbook at all) without exceljs's writer tidying it up.
import { Readable } from 'node:stream';
import yazl from 'yazl';

export type Part = string | Buffer | (() => Readable);

export async function zipOf(parts: Record<string, Part>, o: { level?: number } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(parts)) {
    if (typeof content === 'function') zip.addReadStream(content(), name, { compressionLevel: o.level ?? 6 });
    else zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), name, { compressionLevel: o.level ?? 6 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function columnName(n: number): string {
  let s = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}

// One inline-string cell, or a formula cell with a cached result when the text starts with '='.
export function cellXml(ref: string, value: string): string {
  if (value.startsWith('=')) return `<c r="${ref}" t="str"><f>${xmlEscape(value.slice(1))}</f><v>${xmlEscape(value)}</v></c>`;
  return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xmlEscape(value)}</t></is></c>`;
}

export function sheetXml(rows: string[][]): string {
  const body = rows.map((cells, r) => `<row r="${r + 1}">${cells.map((v, c) => cellXml(`${columnName(c + 1)}${r + 1}`, v)).join('')}</row>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
}

export function workbookParts(sheet: Part, extra: Record<string, Part> = {}): Record<string, Part> {
  return {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Лиды" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': sheet,
    ...extra,
  };
}

// A part of about `total` bytes streamed from a head, whole repeats of a filler and a tail, never
// held whole.
export function repeated(head: string, filler: string, total: number, tail: string): () => Readable {
  return () => {
    const one = Buffer.byteLength(filler);
    const block = Buffer.from(filler.repeat(Math.max(1, Math.floor((1 << 20) / one))), 'utf8');
    let left = Math.max(one, total - (total % one));
    return Readable.from(
      (function* () {
        yield Buffer.from(head, 'utf8');
        while (left > 0) {
          const n = Math.min(left, block.length - (block.length % one));
          left -= n;
          yield block.subarray(0, n);
        }
        yield Buffer.from(tail, 'utf8');
      })(),
    );
  };
}

import { parse } from 'csv-parse/sync';
import { RegisterError } from '../errors.ts';
import { type CsvDelimiter, capCells, columnNames, isBlankRow, maxRows, type TableEncoding, type TableSink } from './table.ts';

// CSV as people actually have it: saved by Russian Excel (cp1251, «;»), exported by a website
// (UTF-8, «,», sometimes a BOM) or as Excel's "Unicode text" (UTF-16 with tabs).

const notText =
  'Файл не похож на таблицу CSV: это не текст в кодировке UTF-8 или Windows-1251. Сохраните таблицу как «CSV UTF-8 (разделитель — запятая)» или как книгу Excel (XLSX).';

// Bytes of Windows-1251 that real Russian text uses above ASCII: letters А–я, Ёё, the Ukrainian
// and Belarusian letters, «» „“”‘’, dashes, №, …, °, §, ©, ®, ™, €, ±, •, no-break space.
const cp1251Plausible = new Set([
  0x84, 0x85, 0x88, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x99, 0xa0, 0xa1, 0xa2, 0xa5, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3,
  0xb4, 0xb8, 0xb9, 0xba, 0xbb, 0xbf,
]);

function isControl(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f;
}

// Control characters other than tab and line breaks do not occur in a spreadsheet saved as text;
// their presence means a binary file (a trailing DOS end-of-file mark is tolerated).
function looksBinary(bytes: Uint8Array): boolean {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x1a ? bytes.length - 1 : bytes.length;
  for (let i = 0; i < end; i++) if (isControl(bytes[i]!)) return true;
  return false;
}

function plausibleCp1251(bytes: Uint8Array): boolean {
  let high = 0;
  let odd = 0;
  for (const b of bytes) {
    if (b < 0x80) continue;
    high++;
    if (b < 0xc0 && !cp1251Plausible.has(b)) odd++;
  }
  return odd <= Math.max(2, high * 0.02);
}

export interface DecodedText {
  // The text as UTF-8 bytes: csv-parse counts record offsets in these, and the line numbers are
  // counted in the same bytes.
  utf8: Buffer;
  encoding: TableEncoding;
  // Physical lines (1-based) that were not valid UTF-8 in an otherwise UTF-8 file.
  badLines: Set<number>;
}

function lineStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) starts.push(i + 1);
    else if (b === 0x0d && bytes[i + 1] !== 0x0a) starts.push(i + 1);
  }
  return starts;
}

// A file that fails strict UTF-8 is Windows-1251, or one of the two with some lines pasted from
// the other. Line by line, among lines with non-ASCII bytes: those that decode as UTF-8 against
// those that do not (a cp1251 Russian word practically never forms valid UTF-8). The majority is
// the file's encoding; the minority lines are reported by number rather than imported as mojibake.
function splitByLine(bytes: Uint8Array): { utf8Lines: Set<number>; otherLines: Set<number>; other: Uint8Array[] } {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const starts = lineStarts(bytes);
  const utf8Lines = new Set<number>();
  const otherLines = new Set<number>();
  const other: Uint8Array[] = [];
  for (let n = 0; n < starts.length; n++) {
    const line = bytes.subarray(starts[n]!, starts[n + 1] ?? bytes.length);
    if (!line.some((b) => b >= 0x80)) continue;
    try {
      strict.decode(line);
      utf8Lines.add(n + 1);
    } catch {
      otherLines.add(n + 1);
      other.push(line);
    }
  }
  return { utf8Lines, otherLines, other };
}

export function decodeText(bytes: Buffer): DecodedText {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { utf8: Buffer.from(new TextDecoder('utf-16le').decode(bytes.subarray(2)), 'utf8'), encoding: 'utf-16le', badLines: new Set() };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { utf8: Buffer.from(new TextDecoder('utf-16be').decode(bytes.subarray(2)), 'utf8'), encoding: 'utf-16be', badLines: new Set() };
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (looksBinary(body)) throw new RegisterError('invalid_input', notText);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return { utf8: body, encoding: 'utf-8', badLines: new Set() };
  } catch {
    // Not all of it is UTF-8: see below.
  }
  const { utf8Lines, otherLines, other } = splitByLine(body);
  if (utf8Lines.size >= otherLines.size) return { utf8: Buffer.from(new TextDecoder('utf-8').decode(body), 'utf8'), encoding: 'utf-8', badLines: otherLines };
  if (!plausibleCp1251(Buffer.concat(other))) throw new RegisterError('invalid_input', notText);
  return { utf8: Buffer.from(new TextDecoder('windows-1251').decode(body), 'utf8'), encoding: 'windows-1251', badLines: utf8Lines };
}

// The separator is whichever of «;», TAB and «,» occurs most in the first line outside quotes;
// on a tie «;» wins (Russian Excel), then TAB (Excel's "Unicode text"), then «,».
export function detectDelimiter(text: Buffer): CsvDelimiter {
  const counts = { ';': 0, '\t': 0, ',': 0 };
  let quoted = false;
  let seenContent = false;
  for (let i = 0; i < text.length && i < 1_000_000; i++) {
    const b = text[i]!;
    if (b === 0x22) quoted = !quoted;
    else if (!quoted && (b === 0x0a || b === 0x0d)) {
      if (seenContent) break;
    } else if (!quoted && b === 0x3b) counts[';']++;
    else if (!quoted && b === 0x09) counts['\t']++;
    else if (!quoted && b === 0x2c) counts[',']++;
    if (b !== 0x0a && b !== 0x0d && b !== 0x20) seenContent = true;
  }
  const order: CsvDelimiter[] = [';', '\t', ','];
  return order.reduce((best, d) => (counts[d] > counts[best] ? d : best), ';');
}

function countLines(text: Buffer): number {
  let n = 0;
  let at = text.indexOf(0x0a);
  while (at !== -1) {
    n++;
    at = text.indexOf(0x0a, at + 1);
  }
  return n + 1;
}

interface CsvError {
  code?: string;
}

// Parses the whole text in one synchronous pass, handing each record to the sink as it is read
// (csv-parse's on_record), so nothing but the current record is held. Each record's physical
// line is counted from its byte offset: csv-parse's own line counter drifts on line breaks inside
// quoted fields.
export function readCsv(bytes: Buffer, sink: TableSink): void {
  const decoded = decodeText(bytes);
  const text = decoded.utf8;
  const delimiter = detectDelimiter(text);
  const estimated = countLines(text);
  let pos = 0;
  let line = 1;
  let header = false;
  let rows = 0;
  let recordStart = 0;
  const advance = (to: number) => {
    for (; pos < to; pos++) {
      const b = text[pos]!;
      if (b === 0x0a || (b === 0x0d && text[pos + 1] !== 0x0a)) line++;
    }
  };
  try {
    parse(text, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      on_record: (cells: string[], context: { bytes: number }) => {
        advance(recordStart);
        const recordLine = line;
        const end = context.bytes;
        advance(end);
        const last = text[end - 1];
        const spanEnd = line - (last === 0x0a || last === 0x0d ? 1 : 0);
        recordStart = end;
        if (isBlankRow(cells)) return null;
        if (!header) {
          header = true;
          sink.header({
            format: 'csv',
            encoding: decoded.encoding,
            delimiter,
            headerLine: recordLine,
            columns: columnNames(capCells(cells).cells),
            estimatedRows: Math.max(0, estimated - recordLine),
          });
          return null;
        }
        if (++rows > maxRows)
          throw new RegisterError('invalid_input', `В файле больше ${maxRows.toLocaleString('ru-RU')} строк: разделите его на несколько файлов.`);
        let badEncoding = false;
        for (let l = recordLine; l <= spanEnd && decoded.badLines.size > 0; l++) if (decoded.badLines.has(l)) badEncoding = true;
        const capped = capCells(cells);
        sink.row({ line: recordLine, cells: capped.cells, ...(badEncoding ? { badEncoding } : {}), ...(capped.long ? { longCells: capped.long } : {}) });
        return null;
      },
    });
  } catch (err) {
    const code = (err as CsvError).code;
    if (err instanceof RegisterError || !code?.startsWith('CSV_')) throw err;
    // The record that failed starts where the last good one ended.
    advance(recordStart);
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      throw new RegisterError('invalid_input', `Строка ${line}: кавычка открыта и не закрыта до конца файла — проверьте кавычки в этой строке.`, { line });
    }
    throw new RegisterError('invalid_input', `Строка ${line}: файл CSV не удалось разобрать (${code ?? 'ошибка формата'}).`, { line });
  }
  if (!header) throw new RegisterError('invalid_input', 'Файл пустой: в нём нет ни строки заголовков, ни данных.');
}

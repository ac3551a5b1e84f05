import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { RegisterError } from '../errors.ts';
import { readZipEntries, ZipDamaged } from '../zip.ts';

// Just enough of ZIP to read a workbook that is already in memory: the central directory names
// each part and where it is, so parts can be read in the order the reader needs them, and
// each one streams through inflate without ever being written to disk.

export interface ZipEntry {
  name: string;
  method: number;
  offset: number;
  compressedSize: number;
}

const damaged = 'Книга Excel повреждена: архив XLSX не читается. Откройте её в Excel или LibreOffice и сохраните заново.';

function fail(): never {
  throw new RegisterError('invalid_input', damaged);
}

export function readZipDirectory(buf: Buffer): Map<string, ZipEntry> {
  const readAt = (position: number, length: number) => {
    if (position < 0 || position + length > buf.length) throw new ZipDamaged('out of range');
    return buf.subarray(position, position + length);
  };
  try {
    const entries = new Map<string, ZipEntry>();
    for (const e of readZipEntries(readAt, buf.length)) {
      const local = readAt(e.localOffset, 30);
      if (local.readUInt32LE(0) !== 0x04034b50) fail();
      const offset = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (offset + e.compressedSize > buf.length) fail();
      entries.set(e.name.replace(/^\//, ''), { name: e.name, method: e.method, offset, compressedSize: e.compressedSize });
    }
    return entries;
  } catch (err) {
    if (err instanceof ZipDamaged) fail();
    throw err;
  }
}

export interface PartLimits {
  // Inflated bytes of the part: the ceiling against a "zip bomb".
  bytes: number;
  // Longest run of bytes between two '<': every XML token (a cell's text, an attribute, a name)
  // fits in one, and the XML parser holds a whole token in memory however it arrives. Without
  // this a 200 KB workbook whose one cell inflates to 200 MB of text took 640 MB of memory and
  // handed the whole cell back in the preview.
  run?: number;
}

const tooBig = 'Книга Excel слишком велика после распаковки: разделите её на несколько файлов.';
const tooLongValue =
  'В книге Excel есть значение длиннее, чем Excel вообще хранит в одной ячейке: файл повреждён или составлен не Excel. Откройте его в Excel или LibreOffice и сохраните заново.';

// A part as a stream of its uncompressed bytes, with its limits checked as the bytes arrive.
export function openEntry(buf: Buffer, entry: ZipEntry, limits: PartLimits, onCompressedRead?: (bytes: number) => void): Readable {
  const data = buf.subarray(entry.offset, entry.offset + entry.compressedSize);
  const chunks = (function* () {
    for (let i = 0; i < data.length; i += 64 * 1024) {
      onCompressedRead?.(Math.min(data.length, i + 64 * 1024));
      yield data.subarray(i, i + 64 * 1024);
    }
  })();
  const source = Readable.from(chunks, { objectMode: false });
  let total = 0;
  // Bytes since the last '<', carried from one chunk to the next.
  let run = 0;
  const maxRun = limits.run ?? Number.POSITIVE_INFINITY;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limits.bytes) return done(new RegisterError('invalid_input', tooBig));
      if (maxRun !== Number.POSITIVE_INFINITY) {
        // Only the runs that cross into this chunk and out of it need counting: one that starts
        // and ends inside is shorter than the chunk, and inflate's chunks are far below maxRun.
        const first = chunk.indexOf(0x3c);
        if (first === -1) run += chunk.length;
        else {
          if (run + first > maxRun) return done(new RegisterError('invalid_input', tooLongValue));
          if (chunk.length > maxRun) {
            for (let at = first, next = chunk.indexOf(0x3c, first + 1); next !== -1; at = next, next = chunk.indexOf(0x3c, next + 1)) {
              if (next - at - 1 > maxRun) return done(new RegisterError('invalid_input', tooLongValue));
            }
          }
          run = chunk.length - chunk.lastIndexOf(0x3c) - 1;
        }
        if (run > maxRun) return done(new RegisterError('invalid_input', tooLongValue));
      }
      done(null, chunk);
    },
  });
  if (entry.method === 0) return source.pipe(cap);
  if (entry.method !== 8) fail();
  const inflate = createInflateRaw();
  inflate.on('error', (err) => cap.destroy(err instanceof RegisterError ? err : new RegisterError('invalid_input', damaged)));
  return source.pipe(inflate).pipe(cap);
}

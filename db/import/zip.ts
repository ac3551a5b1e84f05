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

// A part as a stream of its uncompressed bytes, with a ceiling against a "zip bomb".
export function openEntry(buf: Buffer, entry: ZipEntry, limit: number, onCompressedRead?: (bytes: number) => void): Readable {
  const data = buf.subarray(entry.offset, entry.offset + entry.compressedSize);
  const chunks = (function* () {
    for (let i = 0; i < data.length; i += 64 * 1024) {
      onCompressedRead?.(Math.min(data.length, i + 64 * 1024));
      yield data.subarray(i, i + 64 * 1024);
    }
  })();
  const source = Readable.from(chunks, { objectMode: false });
  let total = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) done(new RegisterError('invalid_input', 'Книга Excel слишком велика после распаковки: разделите её на несколько файлов.'));
      else done(null, chunk);
    },
  });
  if (entry.method === 0) return source.pipe(cap);
  if (entry.method !== 8) fail();
  const inflate = createInflateRaw();
  inflate.on('error', (err) => cap.destroy(err instanceof RegisterError ? err : new RegisterError('invalid_input', damaged)));
  return source.pipe(inflate).pipe(cap);
}

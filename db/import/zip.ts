import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { RegisterError } from '../errors.ts';

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
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail();
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) fail();
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) fail();
    const offset = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (offset + compressedSize > buf.length) fail();
    entries.set(name.replace(/^\//, ''), { name, method, offset, compressedSize });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
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

// The central directory of a ZIP file (ZIP64 included), read through `readAt` so the same code
// serves a pack on disk (read by position) and a workbook already in memory. Any inconsistency is
// ZipDamaged; callers turn it into their own message.

export class ZipDamaged extends Error {}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export type ReadAt = (position: number, length: number) => Buffer;

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipDamaged('size');
  return Number(v);
}

export function readZipEntries(readAt: ReadAt, fileSize: number): ZipEntry[] {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  if (tailLen < 22) throw new ZipDamaged('too small');
  const tail = readAt(fileSize - tailLen, tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipDamaged('no end of central directory');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locAt = fileSize - tailLen + eocd - 20;
    if (locAt < 0) throw new ZipDamaged('no zip64 locator');
    const loc = readAt(locAt, 20);
    if (loc.readUInt32LE(0) !== 0x07064b50) throw new ZipDamaged('no zip64 locator');
    const z64 = readAt(u64(loc, 8), 56);
    if (z64.readUInt32LE(0) !== 0x06064b50) throw new ZipDamaged('bad zip64 record');
    count = u64(z64, 32);
    cdSize = u64(z64, 40);
    cdOffset = u64(z64, 48);
  }
  if (cdOffset + cdSize > fileSize) throw new ZipDamaged('central directory out of range');
  const cd = readAt(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new ZipDamaged('bad central directory');
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipDamaged('bad central directory');
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw new ZipDamaged('bad zip64 extra');
          const v = u64(extra, q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    entries.push({ name, method, flags, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

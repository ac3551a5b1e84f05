// The byte search behind the leak tests: every file under a folder, read whole, searched for each
// personal value in UTF-8 and UTF-16LE. A value is searched for as typed and as the register
// normalises it (lower case, ё folded, phone digits), because either form may be what leaks.
import { createHash } from 'node:crypto';
import { type Dirent, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Subject {
  name: string;
  typedPhone: string;
  e164: string;
  typedEmail: string;
}

export function needlesOf(s: Subject): string[] {
  const words = s.name.split(/\s+/).filter((w) => w.length >= 4);
  const folded = (w: string) => w.toLowerCase().replace(/ё/g, 'е');
  const digits = s.e164.slice(1);
  return [
    s.name,
    ...words,
    ...words.map((w) => w.toLowerCase()),
    ...words.map(folded),
    s.e164,
    digits, // what the phone index holds
    digits.slice(1), // the national number
    s.typedPhone,
    s.typedPhone.replace(/\D/g, ''),
    s.typedEmail,
    s.typedEmail.toLowerCase(),
  ];
}

// Symlinks are listed, not followed: a link out of the folder is not the folder's content.
export function filesUnder(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

export interface Hit {
  file: string;
  needle: string;
  encoding: string;
}

export function searchBytes(label: string, content: Buffer, values: string[]): Hit[] {
  const hits: Hit[] = [];
  for (const needle of values) {
    for (const encoding of ['utf8', 'utf16le'] as const) {
      if (content.includes(Buffer.from(needle, encoding))) hits.push({ file: label, needle, encoding });
    }
  }
  return hits;
}

export function findPlaintext(dir: string, values: string[]): { files: string[]; bytes: number; hits: Hit[] } {
  const files = filesUnder(dir);
  const hits: Hit[] = [];
  let bytes = 0;
  for (const file of files) {
    if (lstatSync(file).isSymbolicLink()) continue;
    const content = readFileSync(file);
    bytes += content.length;
    hits.push(...searchBytes(relative(dir, file), content, values));
  }
  return { files: files.map((f) => relative(dir, f)).sort(), bytes, hits };
}

// Every entry under a folder (folders too, so an empty folder the app made is seen), with a hash
// of each file's content: two snapshots tell what appeared, vanished or changed.
export type Snapshot = Map<string, string>;

export function snapshot(dir: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(`${relative(dir, p)}/`, 'dir');
        walk(p);
      } else if (e.isSymbolicLink()) {
        out.set(relative(dir, p), 'symlink');
      } else {
        out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
      }
    }
  };
  walk(dir);
  return out;
}

export function diffSnapshots(before: Snapshot, after: Snapshot): { added: string[]; removed: string[]; changed: string[] } {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
  return { added, removed, changed };
}

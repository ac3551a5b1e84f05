// Setting a register's cells without pdfkit's per-string shaping. pdfkit lays out every word with
// fontkit (OpenType feature lookups, for every word of every cell, twice: to measure and to draw):
// profiled, that was ~70% of a PDF register's CPU time, and pdfkit's own wrapping of a long word
// (an audit row's JSON) was slower still, ~2.3 ms a row. For the scripts a clinic's register holds
// (Latin, Cyrillic with the Kazakh letters, Greek, digits, punctuation, common symbols) DejaVu's
// shaping reduces to one glyph per character plus pair kerning, so each character and each pair is
// shaped once through pdfkit (which also puts the glyph into the embedded subset and its ToUnicode
// map) and then reused. Anything else — combining marks, right-to-left and complex scripts,
// characters outside the plain planes — is not "simple" here, and the caller hands that cell to
// pdfkit's own text() instead. pdf-glyphs.test.ts checks the result against pdfkit glyph for glyph.

import { createRequire } from 'node:module';

// The parts of pdfkit's embedded font that this needs.
export interface PdfFont {
  id: string;
  // The font's PostScript name: what the shared kerning tables are kept under.
  name: string;
  ascender: number;
  ref(): unknown;
  encode(text: string, features?: Record<string, boolean>): [string[], { xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }[]];
}

// Characters set one glyph each (line breaks only split lines): Latin (with IPA and spacing modifiers), Greek, Cyrillic and its
// supplement (not U+0483–U+0489, which combine), Latin and Greek extended, general punctuation
// (not the invisible and bidi controls U+200B–U+200F, U+2028–U+202F), super- and subscripts,
// currency, letterlike (№), number forms, arrows, mathematical and technical signs, box drawing,
// geometric shapes, miscellaneous symbols.
const simpleChars =
  /^[\n\r\u0020-\u007E\u00A0-\u02FF\u0370-\u0482\u048A-\u052F\u1E00-\u1FFF\u2010-\u2027\u2030-\u205E\u2070-\u209F\u20A0-\u20CF\u2100-\u23FF\u2500-\u26FF]*$/;

export function isSimple(text: string): boolean {
  return simpleChars.test(text);
}

const ellipsis = '…';

// fontkit shapes a word under one script, the first one any of its characters has (digits and
// punctuation have none), and a pair of Latin letters inside a Cyrillic word is not kerned as in a
// Latin one: kerning is looked up per script, with the same function fontkit itself uses.
const require = createRequire(createRequire(createRequire(import.meta.url).resolve('pdfkit')).resolve('fontkit'));
const { getScript } = require('unicode-properties') as { getScript(codePoint: number): string };
const noScript = new Set(['Common', 'Inherited', 'Unknown']);
// A letter of each script to set a pair after, so the pair is shaped under that script.
const scriptLetter: Record<string, string> = { Latin: 'a', Cyrillic: '\u0430', Greek: '\u03b1' };

const limit = 0x2700;

// Per code unit: 0 no script of its own, else 1 + index in `scripts`; 255 not looked up yet.
const charScript = new Uint8Array(limit).fill(255);
const scripts: string[] = [];

// Kerning belongs to the font, not to a document: kept per font for the life of the process, so
// the five PDFs of an inspection pack (and every later export in the worker) shape each pair once.
// Per script (index as above), the kerning of a pair (key a * limit + b, a small integer), in
// thousandths of the font size; NaN when the pair does not shape as two plain glyphs (then the
// whole string goes to pdfkit). Bounded: a table that grows past this is started afresh.
const kerningTables = new Map<string, Map<number, number>[]>();
const maxPairs = 200_000;

export class GlyphSetter {
  readonly font: PdfFont;
  // Per UTF-16 code unit: 0 not looked at yet, 1 one plain glyph, 2 not settable here. Glyph ids
  // are the document's own (its font subset numbers glyphs in the order they are first used).
  readonly #state = new Uint8Array(limit);
  readonly #hex: string[] = [];
  readonly #advance = new Float64Array(limit);
  readonly #kern: Map<number, number>[];

  constructor(font: PdfFont) {
    this.font = font;
    let kern = kerningTables.get(font.name);
    if (!kern) {
      kern = [];
      kerningTables.set(font.name, kern);
    }
    this.#kern = kern;
  }

  // Whether every character and every adjacent pair of `text` can be set here.
  settable(text: string): boolean {
    if (!isSimple(text) || text.includes('\n') || text.includes('\r')) return false;
    for (let i = 0; i < text.length; i++) if (!this.#char(text.charCodeAt(i))) return false;
    return !Number.isNaN(this.width(text));
  }

  // Width in thousandths of the font size; NaN when the text is not settable (a character outside
  // the simple set may also just be counted as zero: call settable() first).
  width(text: string): number {
    let w = 0;
    let prev = -1;
    let script = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.#state[c] !== 1 && (c >= limit || !this.#char(c))) return Number.NaN;
      w += this.#advance[c]!;
      if (prev >= 0) w += this.#pair(script, prev, c);
      else script = this.#wordScript(text, i);
      // pdfkit shapes each word with its trailing space on its own: no kerning across a space.
      prev = c === 32 ? -1 : c;
    }
    return w;
  }

  // The TJ operand for `text`: glyph ids in hex, with a kerning number wherever a pair has one.
  tj(text: string): string {
    let out = '[<';
    let prev = -1;
    let script = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (prev >= 0) {
        const k = this.#pair(script, prev, c);
        // A pair that only a split word brings together (wrap() has refused those lines).
        if (k !== 0 && !Number.isNaN(k)) out += `> ${num(-k)} <`;
      } else script = this.#wordScript(text, i);
      out += this.#hex[c];
      prev = c === 32 ? -1 : c;
    }
    return `${out}>] TJ`;
  }

  // The lines of a cell (see wrap), or null when pdfkit has to set it.
  lines(text: string, max: number, maxLines: number): string[] | null {
    if (!isSimple(text)) return null;
    if (text.includes('\n') || text.includes('\r')) return this.wrap(text, max, maxLines);
    const w = this.width(text);
    if (Number.isNaN(w)) return null;
    return w <= max ? [text] : this.wrap(text, max, maxLines);
  }

  // Lines of `text` no wider than `max` (thousandths of the font size), at most `maxLines` of them:
  // broken at spaces and line breaks, a word wider than a line broken after its last comma,
  // semicolon or slash that fits (JSON and lists stay readable), else between characters; text
  // beyond the last line is cut with an ellipsis. The text must be settable; null when a line made
  // by splitting a word is not (its first letter starts another script's word).
  wrap(text: string, max: number, maxLines: number): string[] | null {
    const lines: string[] = [];
    const paragraphs = text.includes('\n') || text.includes('\r') ? text.split(/\r\n|\r|\n/) : [text];
    // Lines past maxLines are never shown: stop there (a long audit detail would otherwise be
    // measured again after every break, quadratic in its length).
    layout: for (const paragraph of paragraphs) {
      if (lines.length > maxLines) break;
      if (this.width(paragraph) <= max) {
        lines.push(paragraph);
        continue;
      }
      let current = '';
      for (const word of paragraph.split(/ +/)) {
        if (word === '') continue;
        const candidate = current === '' ? word : `${current} ${word}`;
        if (this.width(candidate) <= max) {
          current = candidate;
          continue;
        }
        if (current !== '') lines.push(current);
        current = word;
        while (this.width(current) > max) {
          if (lines.length > maxLines) break layout;
          const cut = this.#breakWord(current, max);
          lines.push(current.slice(0, cut));
          current = current.slice(cut);
        }
        if (lines.length > maxLines) break layout;
      }
      lines.push(current);
    }
    const kept = lines.length <= maxLines ? lines : lines.slice(0, maxLines);
    if (lines.length > maxLines) kept[maxLines - 1] = this.fit(`${kept[maxLines - 1]}${ellipsis}`, max);
    for (const line of kept) if (Number.isNaN(this.width(line))) return null;
    return kept;
  }

  // `text` on one line no wider than `max`, cut with an ellipsis when it is wider. The text must be
  // settable.
  fit(text: string, max: number): string {
    if (this.width(text) <= max) return text;
    let body = text.endsWith(ellipsis) ? text.slice(0, -1) : text;
    // Whole characters off the end (a surrogate pair cannot be here: settable text is in the BMP).
    let lo = 0;
    let hi = body.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.width(`${body.slice(0, mid).trimEnd()}${ellipsis}`) <= max) lo = mid;
      else hi = mid - 1;
    }
    body = body.slice(0, lo).trimEnd();
    return `${body}${ellipsis}`;
  }

  // How many characters of a word wider than `max` go on the line: at least one.
  #breakWord(word: string, max: number): number {
    let w = 0;
    let prev = -1;
    let n = 0;
    let soft = 0;
    const script = this.#wordScript(word, 0);
    for (; n < word.length; n++) {
      const c = word.charCodeAt(n);
      const add = this.#advance[c]! + (prev >= 0 ? this.#pair(script, prev, c) || 0 : 0);
      if (w + add > max && n > 0) break;
      w += add;
      prev = c;
      // After , ; / — and only when that keeps at least half the line filled.
      if ((c === 44 || c === 59 || c === 47) && n + 1 < word.length) soft = n + 1;
    }
    return n < word.length && soft * 2 >= n ? soft : Math.max(1, n);
  }

  #char(c: number): boolean {
    const s = this.#state[c];
    if (s === 1) return true;
    if (s === 2) return false;
    const [hex, pos] = this.font.encode(String.fromCharCode(c));
    const p = pos[0];
    const ok = hex.length === 1 && p !== undefined && !p.xOffset && !p.yOffset && p.xAdvance === p.advanceWidth;
    this.#state[c] = ok ? 1 : 2;
    if (ok) {
      this.#hex[c] = hex[0]!;
      this.#advance[c] = p.xAdvance;
    }
    return ok;
  }

  // The script of the word (up to the next space) that starts at `start`: 0 for none.
  #wordScript(text: string, start: number): number {
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) return 0;
      let s = charScript[c]!;
      if (s === 255) {
        const name = getScript(c);
        if (noScript.has(name)) s = 0;
        else {
          let k = scripts.indexOf(name);
          if (k < 0) k = scripts.push(name) - 1;
          s = k + 1;
        }
        charScript[c] = s;
      }
      if (s !== 0) return s;
    }
    return 0;
  }

  #pair(script: number, a: number, b: number): number {
    let kerns = this.#kern[script];
    if (!kerns || kerns.size > maxPairs) {
      kerns = new Map();
      this.#kern[script] = kerns;
    }
    const key = a * limit + b;
    const known = kerns.get(key);
    if (known !== undefined) return known;
    // Shaped after a letter of the word's script (or alone when the word has none), as it is
    // shaped inside the word.
    const name = script === 0 ? null : scripts[script - 1]!;
    const lead = name === null ? '' : (scriptLetter[name] ?? null);
    let kern = Number.NaN;
    if (lead !== null) {
      const probe = `${lead}${String.fromCharCode(a, b)}`;
      // DejaVu joins f+i and f+l (Latin only) into one glyph; here they stay two, kerned as
      // without the ligature: the same letters, and a copied word is the word typed.
      kern = this.#probe(probe, lead.length, a, b, undefined);
      if (Number.isNaN(kern)) kern = this.#probe(probe, lead.length, a, b, { liga: false });
    }
    kerns.set(key, kern);
    return kern;
  }

  #probe(probe: string, at: number, a: number, b: number, features: Record<string, boolean> | undefined): number {
    const [hex, pos] = this.font.encode(probe, features);
    const p = pos[at];
    const q = pos[at + 1];
    const plain = (x: typeof p) => x !== undefined && !x.xOffset && !x.yOffset;
    if (hex.length === at + 2 && hex[at] === this.#hex[a] && hex[at + 1] === this.#hex[b] && plain(p) && plain(q) && q!.xAdvance === q!.advanceWidth) {
      return p!.xAdvance - p!.advanceWidth;
    }
    return Number.NaN;
  }
}

// Numbers in content streams: short, and never in exponent notation.
export function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { GlyphSetter, num, type PdfFont } from './pdf-glyphs.ts';

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

function fontOf(file: string): PdfFont {
  const doc = new PDFDocument({ autoFirstPage: false });
  doc.registerFont('f', join(fontDir, file));
  doc.font('f');
  return (doc as unknown as { _font: PdfFont })._font;
}

// What pdfkit itself sets for `text`: its glyphs and kerning as a TJ operand. pdfkit shapes each
// word (with its trailing space) on its own; a word where DejaVu would join f+i or f+l is shaped
// without ligatures, as the setter sets it.
function reference(font: PdfFont, text: string): { tj: string; width: number } {
  const hex: string[] = [];
  const kerns: number[] = [];
  let width = 0;
  for (const word of text.match(/[^ ]+ ?| /g) ?? []) {
    let [h, pos] = font.encode(word);
    if (h.length !== word.length) [h, pos] = font.encode(word, { liga: false });
    hex.push(...h);
    for (const p of pos) {
      kerns.push(p.xAdvance - p.advanceWidth);
      width += p.xAdvance;
    }
  }
  let tj = '[<';
  hex.forEach((h, i) => {
    if (i > 0 && kerns[i - 1] !== 0) tj += `> ${num(-kerns[i - 1]!)} <`;
    tj += h;
  });
  return { tj: `${tj}>] TJ`, width };
}

const letters = [
  ...'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯәғқңөұүһіӘҒҚҢӨҰҮҺІ',
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZfiflΑΒΓαβγ0123456789',
  ...' .,;:-–—«»"\'()[]{}/\\@#№%&*+=_!?<>|~^`$€₽₸…·→',
];

describe('GlyphSetter', () => {
  for (const file of ['DejaVuSansCondensed.ttf', 'DejaVuSansCondensed-Bold.ttf', 'DejaVuSans.ttf']) {
    it(`${file}: sets the same glyphs, kerning and widths as pdfkit for mixed Cyrillic, Kazakh, Latin and signs`, () => {
      const font = fontOf(file);
      const setter = new GlyphSetter(font);
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const samples = [
        'Жұмабаева Іңкәр Нұрланұлы',
        'Қасымов Ұлан Қанатқызы',
        'Әбдірахманов Өмір',
        'ТОО «Клиника Денсаулық» · Реестр согласий · за всё время',
        '{"source":"walk_in","fields":["fullName","phone"]}',
        'AVATAR Type Wolf, «Т-Банк», ТҮЙ VA',
        '+77010000001 Б-12 № 7/2026',
      ];
      for (let n = 0; n < 300; n++) {
        let s = '';
        const len = 1 + Math.floor(random() * 14);
        for (let i = 0; i < len; i++) s += letters[Math.floor(random() * letters.length)];
        samples.push(s);
      }
      for (const s of samples) {
        expect(setter.settable(s), s).toBe(true);
        const ref = reference(font, s);
        expect(setter.tj(s), s).toBe(ref.tj);
        expect(setter.width(s), s).toBeCloseTo(ref.width, 6);
      }
    });
  }

  it('leaves combining marks, right-to-left and complex scripts, emoji and control characters to pdfkit', () => {
    const setter = new GlyphSetter(fontOf('DejaVuSansCondensed.ttf'));
    for (const s of ['е\u0301', 'שלום', 'مرحبا', 'नमस्ते', 'ok 😀', 'a\tb', 'a\u200Bb', 'a\u202Eb']) expect(setter.settable(s), s).toBe(false);
    expect(setter.settable('Иванова Анна')).toBe(true);
  });

  it('wraps at spaces and line breaks, breaks a long JSON word after a comma, and cuts the rest with an ellipsis', () => {
    const setter = new GlyphSetter(fontOf('DejaVuSansCondensed.ttf'));
    const max = setter.width('Рекламные и информацио');
    expect(setter.wrap('Рекламные и информационные рассылки', max, 10)).toEqual(['Рекламные и', 'информационные', 'рассылки']);
    expect(setter.wrap('первая\nвторая', max, 10)).toEqual(['первая', 'вторая']);
    const json = '{"eventId":14,"purpose":"appointment","kind":"given"}';
    const lines = setter.wrap(json, setter.width('{"eventId":14,"purpose":"app'), 10)!;
    expect(lines.join('')).toBe(json);
    expect(lines[0]).toBe('{"eventId":14,');
    for (const l of lines) expect(setter.width(l)).toBeLessThanOrEqual(setter.width('{"eventId":14,"purpose":"app'));
    const cut = setter.wrap('один два три четыре пять шесть', setter.width('четыре'), 2)!;
    expect(cut).toHaveLength(2);
    expect(cut[1]!.endsWith('…')).toBe(true);
    expect(setter.width(cut[1]!)).toBeLessThanOrEqual(setter.width('четыре'));
    expect(setter.fit('Страница 12', setter.width('Страница 12'))).toBe('Страница 12');
  });
});

import type { PrintDoc } from './pdf.ts';
import { sizes } from './pdf.ts';

// The editable text of a consent form: plain text, one line per block, with placeholders.
//
//   # text          title line (bold, centred); consecutive # lines make one title
//   ## text         section heading (bold)
//   N. text         numbered item; the number hangs in the margin
//   - text          bullet item
//   {{signature}}   alone on a line: lines to sign on — signature, full name, date
//   {{blank}}       alone on a line: a full-width line to write on by hand
//   text {{blank}}  a label followed by a line to write on up to the right margin. A line that ends
//                   with a placeholder which has no value (a person without an e-mail) prints the
//                   same way, so the form can be completed by hand.
//   (empty line)    a gap
//   anything else   a justified paragraph
//
// Placeholders are {{name}} with a name from `placeholders` below; a template naming any other is
// refused when saved. Substitution is one pass over the template: a value is plain text and is
// never read as markup or as another placeholder, so a name such as "{{x}}" or "# А" prints as it
// was typed. Inside a line, a placeholder without a value prints as a short line of underscores.

export const placeholders = {
  'operator.name': 'наименование оператора (клиники)',
  'operator.address': 'адрес оператора',
  'operator.ids': 'регистрационные номера оператора: ИНН и ОГРН (Россия) или БИН (Казахстан)',
  'operator.taxId': 'ИНН или БИН оператора (только цифры)',
  'operator.ogrn': 'ОГРН оператора (если указан)',
  processor: 'лицо, обрабатывающее данные по поручению оператора, и его адрес, или «не привлекается»',
  system: 'название информационной системы',
  'person.id': 'номер субъекта в реестре',
  'person.fullName': 'фамилия, имя, отчество субъекта',
  'person.phone': 'телефон субъекта',
  'person.email': 'адрес электронной почты субъекта',
  'purpose.code': 'код цели обработки',
  'purpose.title': 'название цели обработки (на языке бланка)',
  'purpose.legalBasis': 'правовое основание цели',
  'data.list': 'перечень обрабатываемых данных для этой цели (на языке бланка)',
  term: 'срок действия согласия (из срока цели или «до достижения цели или отзыва»)',
  'form.version': 'редакция бланка, например ru-v2',
  date: 'дата печати (ДД.ММ.ГГГГ)',
  blank: 'линия для заполнения от руки',
  signature: 'строка подписи: подпись, фамилия и инициалы, дата (отдельной строкой)',
} as const;

export type PlaceholderName = keyof typeof placeholders;
export type PlaceholderValues = Record<Exclude<PlaceholderName, 'blank' | 'signature'>, string>;

const placeholderPattern = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}\}/g;

export function placeholdersIn(body: string): string[] {
  return [...new Set([...body.matchAll(placeholderPattern)].map((m) => m[1] as string))];
}

export function unknownPlaceholders(body: string): string[] {
  return placeholdersIn(body).filter((n) => !Object.hasOwn(placeholders, n));
}

const inlineBlank = '________________';

function fill(text: string, values: PlaceholderValues): string {
  return text.replace(placeholderPattern, (_m, name: string) => {
    if (name === 'blank') return inlineBlank;
    if (name === 'signature') return '';
    const v = Object.hasOwn(values, name) ? values[name as keyof PlaceholderValues] : '';
    return v === '' ? inlineBlank : v;
  });
}

// A line that ends in a place to write: {{blank}}, or a placeholder with nothing to print.
function trailingBlank(line: string, values: PlaceholderValues): string | null {
  const m = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}\}\s*$/.exec(line);
  if (!m) return null;
  const name = m[1] as string;
  const empty = name === 'blank' || (Object.hasOwn(values, name) && values[name as keyof PlaceholderValues] === '');
  return empty ? line.slice(0, m.index).trimEnd() : null;
}

const hangingWidth = 20;
// A signature row with its captions (PrintDoc.signatureRow).
const signatureHeight = 48;

export function renderTemplate(pdf: PrintDoc, body: string, values: PlaceholderValues, o: { signatureCaptions: [string, string, string] }): void {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let title: string[] = [];
  const flushTitle = () => {
    if (title.length > 0) pdf.title(title);
    title = [];
  };
  const isSignature = (l: string | undefined) => l !== undefined && /^\{\{\s*signature\s*\}\}$/.test(l.trim());
  for (const [index, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (line.startsWith('# ')) {
      title.push(fill(line.slice(2).trim(), values));
      continue;
    }
    flushTitle();
    const t = line.trim();
    if (t === '') {
      pdf.space(4);
      continue;
    }
    if (t.startsWith('## ')) {
      pdf.heading(fill(t.slice(3).trim(), values));
      continue;
    }
    if (isSignature(t)) {
      const [sig, name, date] = o.signatureCaptions;
      pdf.signatureRow([
        { caption: sig, width: 3 },
        { caption: name, width: 4 },
        { caption: date, width: 2.2 },
      ]);
      continue;
    }
    const numbered = /^(\d{1,3}[.)])\s+(.*)$/.exec(t);
    const bullet = /^[-–•]\s+(.*)$/.exec(t);
    const hanging = numbered ? numbered[1] : bullet ? '•' : undefined;
    const text = numbered ? (numbered[2] as string) : bullet ? (bullet[1] as string) : t;
    const indent = hanging ? hangingWidth : 0;
    // The line that introduces the signature ("Субъект персональных данных:") stays on its page.
    if (isSignature(lines[index + 1])) pdf.ensure(pdf.heightOf(fill(text, values), { width: pdf.width - indent }) + signatureHeight);
    const label = trailingBlank(text, values);
    if (label !== null) {
      pdf.field(fill(label, values), { indent, hanging });
      continue;
    }
    pdf.paragraph(fill(text, values), { indent, hanging, size: sizes.body });
  }
  flushTitle();
}

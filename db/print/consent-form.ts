import { type PlaceholderValues, renderTemplate } from './markup.ts';
import { mm, PrintDoc, type PrintLanguage, type QrBox, sizes } from './pdf.ts';
import { pageWord } from './words.ts';

// One purpose, one document (RU since 01.09.2025): the operator's details and the form's version
// at the top, the QR code that tells the desk whose form for which purpose and which text came
// back signed, then the template's text.

export interface ConsentFormInput {
  language: PrintLanguage;
  formVersion: string;
  // PD1:<personId>:<purposeCode>:<formVersion>
  payload: string;
  purposeCode: string;
  operator: { name: string; address: string; ids: string };
  body: string;
  values: PlaceholderValues;
  createdAt: Date;
  printedOn: string;
}

const labels = {
  ru: {
    title: 'Согласие на обработку персональных данных',
    form: (code: string, v: string) => `Бланк согласия «${code}», редакция ${v}`,
    printed: (d: string) => `Распечатан ${d}`,
    number: '№ бланка:',
    footer: (code: string, v: string, payload: string) => `Бланк согласия «${code}», редакция ${v} · ${payload}`,
    captions: ['(подпись)', '(фамилия, инициалы)', '(дата)'] as [string, string, string],
  },
  kk: {
    title: 'Дербес деректерді өңдеуге келісім',
    form: (code: string, v: string) => `«${code}» келісім бланкісі, ${v} редакциясы`,
    printed: (d: string) => `Басып шығарылған күні: ${d}`,
    number: 'Бланк нөмірі:',
    footer: (code: string, v: string, payload: string) => `«${code}» келісім бланкісі, ${v} редакциясы · ${payload}`,
    captions: ['(қолы)', '(тегі, аты-жөнінің бас әріптері)', '(күні)'] as [string, string, string],
  },
};

export const qrSide = 27 * mm;
const captionWidth = qrSide + 30;

// Where the code sits on the first page (points from the top left), for tests that read it back.
export function qrPlacement(pdf: { right: number; top: number }): { x: number; y: number; size: number } {
  return { x: pdf.right - qrSide - (captionWidth - qrSide) / 2, y: pdf.top, size: qrSide };
}

export async function renderConsentForm(d: ConsentFormInput): Promise<{ pdf: Buffer; qr: QrBox }> {
  const l = labels[d.language];
  const pdf = new PrintDoc({
    title: `${l.title} — ${d.purposeCode}, ${d.formVersion}`,
    language: d.language,
    createdAt: d.createdAt,
    footer: l.footer(d.purposeCode, d.formVersion, d.payload),
    pageWord: pageWord(d.language),
  });
  // Header: the operator on the left, the QR code with its text for typing by hand on the right.
  const at = qrPlacement(pdf);
  const qr = pdf.qr(d.payload, at.x, at.y, at.size);
  const captionY = pdf.top + qrSide + 2;
  // One line, to be typed by hand if the code will not scan. A long purpose code gets a slightly
  // smaller font and, if still too long, a wider line reaching left under the header.
  const fitSize = (sizes.tiny * (captionWidth - 2)) / pdf.widthOf(d.payload, { size: sizes.tiny });
  const captionSize = Math.min(sizes.tiny, Math.max(6, fitSize));
  const lineWidth = Math.max(captionWidth, pdf.widthOf(d.payload, { size: captionSize }) + 4);
  const captionHeight = pdf.place(d.payload, pdf.right - lineWidth, captionY, {
    width: lineWidth,
    size: captionSize,
    align: lineWidth > captionWidth ? 'right' : 'center',
  });
  const leftWidth = pdf.width - lineWidth - 12;
  let y = pdf.top;
  y += pdf.place(d.operator.name, pdf.left, y, { width: leftWidth, size: sizes.small + 0.5, bold: true });
  y += pdf.place(d.operator.address, pdf.left, y, { width: leftWidth, size: sizes.small });
  y += pdf.place(d.operator.ids, pdf.left, y, { width: leftWidth, size: sizes.small });
  y += 4;
  y += pdf.place(l.form(d.purposeCode, d.formVersion), pdf.left, y, { width: leftWidth, size: sizes.small, bold: true });
  y += pdf.place(l.printed(d.printedOn), pdf.left, y, { width: leftWidth, size: sizes.small, color: '#444444' });
  // The desk numbers the paper form by hand; the number is recorded with the consent.
  y += 8;
  const numberWidth = pdf.widthOf(l.number, { size: sizes.small, bold: true });
  pdf.place(l.number, pdf.left, y, { width: numberWidth + 2, size: sizes.small, bold: true });
  pdf.hline(pdf.left + numberWidth + 4, pdf.left + Math.min(leftWidth, numberWidth + 150), y + 9);
  y += 12;
  const headerBottom = Math.max(y, captionY + captionHeight) + 6;
  pdf.hline(pdf.left, pdf.right, headerBottom, { width: 0.4, color: '#777777' });
  pdf.y = headerBottom + 10;
  renderTemplate(pdf, d.body, d.values, { signatureCaptions: l.captions });
  return { pdf: await pdf.finish(), qr };
}

export function qrPayload(personId: number, purposeCode: string, formVersion: string): string {
  return `PD1:${personId}:${purposeCode}:${formVersion}`;
}

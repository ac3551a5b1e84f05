import type { DestructionAct } from '../destruction.ts';
import { formatDate, formatDateTime, PrintDoc, sizes } from './pdf.ts';
import { pageWord } from './words.ts';

// The act of destruction in the form Roskomnadzor Order No. 179 (28.10.2022) asks for when data
// are processed automatically: the ten fields of the act, numbered as in the Order, the extract
// from the event log (per subject: identifier, categories, information system, reason, date) and
// the signatures of the people who destroyed the data. Russian only: the Order is Russian law.

// Beyond this many subjects field 3 refers to the extract instead of listing them in one cell.
const maxInlineSubjects = 40;

// "Руководова Мария Петровна" → "Руководова М. П.", as a signature is deciphered under its line.
export function initials(fullName: string): string {
  const [family, ...rest] = fullName.trim().split(/\s+/);
  return [family, ...rest.map((w) => `${[...w][0] ?? ''}.`)].join(' ');
}

export async function renderAct(act: DestructionAct, o: { createdAt: Date }): Promise<Buffer> {
  const pdf = new PrintDoc({
    title: `Акт № ${act.number} об уничтожении персональных данных`,
    language: 'ru',
    createdAt: o.createdAt,
    footer: `Акт № ${act.number} от ${formatDate(act.date)} об уничтожении персональных данных · ${act.operator.name}`,
    pageWord: pageWord('ru'),
  });
  pdf.place(act.operator.name, pdf.left, pdf.y, { width: pdf.width, size: sizes.small, bold: true, align: 'center' });
  pdf.y += 14;
  pdf.title([`АКТ № ${act.number}`, 'об уничтожении персональных данных']);
  pdf.paragraph(`Дата составления: ${formatDate(act.date)}`, { align: 'right', size: sizes.body });
  pdf.muted(
    'Составлен в соответствии с Требованиями к подтверждению уничтожения персональных данных, утверждёнными приказом Роскомнадзора от 28.10.2022 № 179 (обработка с использованием средств автоматизации: акт и выписка из журнала регистрации событий в информационной системе).',
  );
  pdf.space(4);

  const refs = act.subjects.map((s) => s.subjectRef);
  const subjects =
    refs.length <= maxInlineSubjects
      ? `${refs.join(', ')}\n(идентификаторы субъектов в реестре; ФИО и контакты уничтожены, сведения о каждом — в выписке из журнала ниже)`
      : `${refs.length} субъектов: ${refs.slice(0, 10).join(', ')} … ${refs.at(-1)}\n(полный перечень идентификаторов — в выписке из журнала ниже)`;
  const people = act.destroyedBy.map((p) => `${p.fullName}, ${p.position}`).join('\n');
  const paper = act.paperMedia.length === 0 ? 'бумажные носители не уничтожались' : act.paperMedia.map((m) => `${m.name} — ${m.sheets} л.`).join('\n');
  pdf.table(
    [
      { title: '№', width: 0.06, align: 'center' },
      { title: 'Сведения (приказ № 179)', width: 0.4 },
      { title: 'Значение', width: 0.54 },
    ],
    [
      ['1', 'Наименование оператора и его адрес', `${act.operator.name}\n${act.operator.address}`],
      [
        '2',
        'Наименование и адрес лица, осуществляющего обработку персональных данных по поручению оператора',
        act.processor ? `${act.processor.name}\n${act.processor.address}` : 'не привлекалось',
      ],
      ['3', 'Фамилия, имя, отчество субъекта (субъектов) или иная информация, относящаяся к определённому физическому лицу', subjects],
      ['4', 'Фамилия, имя, отчество и должность лиц, уничтоживших персональные данные, их подписи', `${people}\n(подписи — в конце акта)`],
      ['5', 'Перечень категорий уничтоженных персональных данных', act.categoryTitles.join('; ')],
      ['6', 'Наименование уничтоженного материального (бумажного) носителя и количество листов', paper],
      ['7', 'Наименование информационной системы, из которой уничтожены персональные данные', act.informationSystem],
      ['8', 'Способ уничтожения персональных данных', act.method],
      ['9', 'Причина уничтожения персональных данных', act.reason],
      ['10', 'Дата уничтожения персональных данных', formatDate(act.date)],
    ],
    { size: sizes.table, headerSize: sizes.small },
  );
  pdf.muted(`Акт и выписка из журнала хранятся 3 года с даты уничтожения — до ${formatDate(act.retainUntil)}.`);

  pdf.heading(`Выписка из журнала регистрации событий в информационной системе «${act.informationSystem}»`);
  pdf.table(
    [
      { title: '№', width: 0.05, align: 'center' },
      { title: 'Идентификатор субъекта', width: 0.13 },
      { title: 'Категории уничтоженных персональных данных', width: 0.26 },
      { title: 'Информационная система', width: 0.22 },
      { title: 'Причина уничтожения', width: 0.16 },
      { title: 'Дата и время уничтожения (запись журнала)', width: 0.18 },
    ],
    act.logExtract.map((e, i) => [
      String(i + 1),
      e.subjectRef,
      e.categoryTitles.join('; '),
      e.informationSystem,
      e.reason,
      `${formatDateTime(e.at).replace(' ', '\u00a0')}\n(№ ${e.auditId})`,
    ]),
    { size: sizes.table - 0.5, headerSize: sizes.tiny + 0.5 },
  );

  // The heading and the lines to sign stay together on a page (up to four signers).
  pdf.heading('Подписи лиц, уничтоживших персональные данные', { keepWith: 46 * Math.min(act.destroyedBy.length, 4) + 10 });
  for (const p of act.destroyedBy) {
    pdf.signatureRow([
      { text: p.position, caption: '(должность)', width: 3.4 },
      { caption: '(подпись)', width: 2.4 },
      { text: initials(p.fullName), caption: '(фамилия, инициалы)', width: 3.2 },
      { caption: '(дата)', width: 1.8 },
    ]);
  }
  pdf.space(4);
  pdf.muted(`Акт составлен в реестре: ${act.createdBy.fullName}, ${formatDateTime(act.createdAt)}.`);
  return pdf.finish();
}

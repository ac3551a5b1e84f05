import type { Jurisdiction } from '../schemas.ts';
import { formatDate, PrintDoc, type PrintLanguage, sizes } from './pdf.ts';
import { pageWord } from './words.ts';

// The answer to a subject's access request (RU 152-FZ art. 14 part 7; KZ 94-V art. 24): who the
// operator is, what it holds about the person and where it came from, on what basis and consent
// for each purpose (with dates and the evidence), blocks, the person's requests including this
// one, how and how long the data are processed, and the person's rights. The law cited follows
// the jurisdiction the request was received under; the language is the person's.

export interface AnswerInput {
  language: PrintLanguage;
  jurisdiction: Jurisdiction;
  operator: { name: string; address: string; ids: string };
  processor: string;
  informationSystem: string;
  request: { id: number; receivedAt: string; channel: string; requester: string | null; viaRepresentative: boolean };
  person:
    | {
        destroyed: false;
        id: number;
        fullName: string;
        data: [string, string][];
        registeredOn: string;
        source: string;
        block: { since: string; reason: string } | null;
        verificationSince: string | null;
      }
    | { destroyed: true; id: number; actNumber: string; actDate: string };
  consents: { purpose: string; legalBasis: string; state: string; since: string; evidence: string; validUntil: string }[];
  blocks: { began: string; ended: string; reason: string; requestedBy: string; outcome: string }[];
  requests: { id: number; receivedAt: string; type: string; due: string; status: string; current: boolean }[];
  preparedBy: string;
  printedOn: string;
  createdAt: Date;
}

const text = {
  ru: {
    docTitle: 'Ответ на запрос субъекта персональных данных',
    title: ['ОТВЕТ', 'на запрос субъекта персональных данных'],
    to: 'Кому:',
    via: (r: string) => `через представителя: ${r}`,
    outgoing: (d: string, id: number, received: string, channel: string) => `Исх. от ${d} на запрос № ${id} от ${received} (поступил ${channel})`,
    intro: (received: string, law: string) =>
      `На Ваш запрос от ${received} ${law} сообщаем сведения о Ваших персональных данных, которые обрабатывает оператор, и об основаниях их обработки.`,
    law: {
      RU: 'в соответствии с частью 7 статьи 14 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»',
      KZ: 'в соответствии со статьёй 24 Закона Республики Казахстан от 21 мая 2013 года № 94-V «О персональных данных и их защите»',
    },
    sOperator: '1. Оператор',
    opName: 'Наименование',
    opAddress: 'Адрес',
    opIds: 'Регистрационные номера',
    sData: '2. Обрабатываемые персональные данные и источник их получения',
    fact: (d: string, source: string) => `Оператор обрабатывает Ваши персональные данные. Они внесены в реестр ${d}; источник получения: ${source}.`,
    dataCols: ['Персональные данные', 'Значение'],
    blocked: (d: string, reason: string) => `Обработка Ваших персональных данных заблокирована с ${d} (${reason}): на время блокирования они только хранятся.`,
    verification: (d: string) => `С ${d} данные отмечены как требующие проверки (актуализации).`,
    destroyed: (d: string, n: string) =>
      `Ваши персональные данные уничтожены ${d} (акт об уничтожении № ${n}). Оператор хранит только запись о факте уничтожения, которая не содержит Ваших персональных данных.`,
    sConsents: '3. Цели обработки, правовые основания и согласия',
    consentCols: ['Цель обработки', 'Правовое основание', 'Согласие', 'С даты', 'Чем подтверждено', 'Действует до'],
    noConsents: 'Согласия на обработку Ваших персональных данных не регистрировались.',
    sBlocks: '4. Блокирование',
    blockCols: ['Начало', 'Окончание', 'Причина', 'Кто потребовал', 'Результат'],
    noBlocks: 'Ваши персональные данные не блокировались.',
    sRequests: '5. Ваши обращения к оператору',
    requestCols: ['№', 'Получено', 'Вид', 'Срок ответа', 'Состояние'],
    thisRequest: '(настоящий запрос)',
    sProcessing: '6. Способы и сроки обработки, передача',
    processing: (system: string) =>
      `Обработка ведётся с использованием средств автоматизации в информационной системе «${system}» (данные хранятся на компьютере оператора в зашифрованном виде) и без них (подписанные бланки согласий). Персональные данные обрабатываются до достижения цели обработки или до отзыва согласия; срок по каждой цели указан в таблице выше. Трансграничная передача не осуществляется.`,
    processor: (p: string) => `Лицо, осуществляющее обработку по поручению оператора: ${p}.`,
    sRights: '7. Ваши права',
    rights: {
      RU: 'Вы вправе требовать от оператора уточнения своих персональных данных, их блокирования или уничтожения, если они являются неполными, устаревшими, неточными, незаконно полученными или не являются необходимыми для заявленной цели обработки (ч. 1 ст. 14 Федерального закона № 152-ФЗ), в любой момент отозвать согласие на обработку по любой из целей (ч. 2 ст. 9), а также обжаловать действия или бездействие оператора в уполномоченный орган по защите прав субъектов персональных данных (Роскомнадзор) или в суд (ст. 17).',
      KZ: 'Вы вправе знать о наличии у оператора своих персональных данных и получать сведения об их обработке, требовать изменения и дополнения своих персональных данных при наличии оснований, их блокирования и уничтожения, если они собраны и обрабатываются с нарушением законодательства Республики Казахстан, отозвать согласие на сбор и обработку, кроме случаев, предусмотренных статьёй 8 Закона № 94-V, а также обжаловать действия оператора в уполномоченный орган или в суд (ст. 24 Закона № 94-V).',
    },
    signer: 'Ответственный за организацию обработки персональных данных:',
    captions: ['(должность)', '(подпись)', '(фамилия, инициалы)'],
    prepared: (n: string, d: string) => `Подготовил(а): ${n}, ${d}.`,
    footer: (id: number) => `Ответ на запрос субъекта персональных данных № ${id}`,
  },
  kk: {
    docTitle: 'Дербес деректер субъектісінің сұрау салуына жауап',
    title: ['Дербес деректер субъектісінің сұрау салуына', 'ЖАУАП'],
    to: 'Кімге:',
    via: (r: string) => `өкіл арқылы: ${r}`,
    outgoing: (d: string, id: number, received: string, channel: string) => `Шығыс күні ${d}; ${received} түскен № ${id} сұрау салуға (${channel})`,
    intro: (received: string, law: string) =>
      `Сіздің ${received} сұрау салуыңызға ${law} оператор өңдейтін Сіздің дербес деректеріңіз және оларды өңдеу негіздері туралы мәліметтерді хабарлаймыз.`,
    law: {
      RU: '«Дербес деректер туралы» 2006 жылғы 27 шілдедегі № 152-ФЗ Федералдық заңның 14-бабының 7-бөлігіне сәйкес',
      KZ: '«Дербес деректер және оларды қорғау туралы» Қазақстан Республикасының 2013 жылғы 21 мамырдағы № 94-V Заңының 24-бабына сәйкес',
    },
    sOperator: '1. Оператор',
    opName: 'Атауы',
    opAddress: 'Мекенжайы',
    opIds: 'Тіркеу нөмірлері',
    sData: '2. Өңделетін дербес деректер және оларды алу көзі',
    fact: (d: string, source: string) => `Оператор Сіздің дербес деректеріңізді өңдейді. Олар тізілімге ${d} енгізілген; алу көзі: ${source}.`,
    dataCols: ['Дербес деректер', 'Мәні'],
    blocked: (d: string, reason: string) => `Сіздің дербес деректеріңізді өңдеу ${d} бастап бұғатталған (${reason}): бұғаттау кезінде олар тек сақталады.`,
    verification: (d: string) => `${d} бастап деректер тексеруді (өзектендіруді) қажет ететін деп белгіленген.`,
    destroyed: (d: string, n: string) =>
      `Сіздің дербес деректеріңіз ${d} жойылды (жою туралы № ${n} акт). Оператор тек жою фактісі туралы жазбаны сақтайды, онда Сіздің дербес деректеріңіз жоқ.`,
    sConsents: '3. Өңдеу мақсаттары, құқықтық негіздері және келісімдер',
    consentCols: ['Өңдеу мақсаты', 'Құқықтық негіз', 'Келісім', 'Күнінен бастап', 'Немен расталған', 'Қолданылу мерзімі'],
    noConsents: 'Сіздің дербес деректеріңізді өңдеуге келісімдер тіркелмеген.',
    sBlocks: '4. Бұғаттау',
    blockCols: ['Басталуы', 'Аяқталуы', 'Себебі', 'Кім талап етті', 'Нәтижесі'],
    noBlocks: 'Сіздің дербес деректеріңіз бұғатталмаған.',
    sRequests: '5. Сіздің операторға өтініштеріңіз',
    requestCols: ['№', 'Түскен күні', 'Түрі', 'Жауап беру мерзімі', 'Жағдайы'],
    thisRequest: '(осы сұрау салу)',
    sProcessing: '6. Өңдеу тәсілдері мен мерзімдері, беру',
    processing: (system: string) =>
      `Өңдеу «${system}» ақпараттық жүйесінде автоматтандыру құралдарын пайдалана отырып (деректер оператордың компьютерінде шифрланған түрде сақталады) және оларсыз (қол қойылған келісім бланкілері) жүргізіледі. Дербес деректер өңдеу мақсатына қол жеткізілгенге дейін немесе келісім кері қайтарылып алынғанға дейін өңделеді; әр мақсат бойынша мерзім жоғарыдағы кестеде көрсетілген. Трансшекаралық беру жүзеге асырылмайды.`,
    processor: (p: string) => `Оператордың тапсырмасы бойынша өңдейтін тұлға: ${p}.`,
    sRights: '7. Сіздің құқықтарыңыз',
    rights: {
      RU: 'Сіз дербес деректеріңіз толық емес, ескірген, дәл емес, заңсыз алынған немесе мәлімделген өңдеу мақсаты үшін қажет емес болса, оларды нақтылауды, бұғаттауды немесе жоюды талап етуге (№ 152-ФЗ Федералдық заңның 14-бабының 1-бөлігі), кез келген мақсат бойынша өңдеуге берілген келісімді кез келген уақытта кері қайтарып алуға (9-баптың 2-бөлігі), сондай-ақ оператордың әрекетіне немесе әрекетсіздігіне дербес деректер субъектілерінің құқықтарын қорғау жөніндегі уәкілетті органға (Роскомнадзор) немесе сотқа шағым жасауға (17-бап) құқылысыз.',
      KZ: 'Сіз оператордағы өз дербес деректеріңіздің бар-жоғын білуге және оларды өңдеу туралы мәліметтер алуға, негіздер болған кезде өз дербес деректеріңізді өзгертуді және толықтыруды талап етуге, олар Қазақстан Республикасының заңнамасын бұза отырып жиналған және өңделген жағдайда оларды бұғаттауды және жоюды талап етуге, № 94-V Заңның 8-бабында көзделген жағдайларды қоспағанда, жинауға және өңдеуге берілген келісімді кері қайтарып алуға, сондай-ақ оператордың әрекеттеріне уәкілетті органға немесе сотқа шағым жасауға құқылысыз (№ 94-V Заңның 24-бабы).',
    },
    signer: 'Дербес деректерді өңдеуді ұйымдастыруға жауапты адам:',
    captions: ['(лауазымы)', '(қолы)', '(тегі, аты-жөнінің бас әріптері)'],
    prepared: (n: string, d: string) => `Дайындаған: ${n}, ${d}.`,
    footer: (id: number) => `Дербес деректер субъектісінің № ${id} сұрау салуына жауап`,
  },
};

export async function renderAnswer(d: AnswerInput): Promise<Buffer> {
  const t = text[d.language];
  const pdf = new PrintDoc({
    title: t.docTitle,
    language: d.language,
    createdAt: d.createdAt,
    footer: `${t.footer(d.request.id)} · ${d.operator.name}`,
    pageWord: pageWord(d.language),
  });
  // Letterhead: the operator on the left, the addressee on the right.
  const half = pdf.width / 2 - 8;
  const top = pdf.y;
  let left = top;
  left += pdf.place(d.operator.name, pdf.left, left, { width: half, size: sizes.small + 0.5, bold: true });
  left += pdf.place(d.operator.address, pdf.left, left, { width: half, size: sizes.small });
  left += pdf.place(d.operator.ids, pdf.left, left, { width: half, size: sizes.small });
  const rx = pdf.left + pdf.width / 2 + 8;
  let right = top;
  right += pdf.place(t.to, rx, right, { width: half, size: sizes.small, color: '#444444' });
  if (!d.person.destroyed) right += pdf.place(d.person.fullName, rx, right, { width: half, size: sizes.body, bold: true });
  else if (d.request.requester) right += pdf.place(d.request.requester, rx, right, { width: half, size: sizes.body, bold: true });
  else right += 18;
  if (d.request.viaRepresentative && d.request.requester && !d.person.destroyed) {
    right += pdf.place(t.via(d.request.requester), rx, right, { width: half, size: sizes.small });
  }
  pdf.y = Math.max(left, right) + 8;
  pdf.muted(t.outgoing(d.printedOn, d.request.id, formatDate(d.request.receivedAt), d.request.channel));
  pdf.space(4);
  pdf.title(t.title);
  pdf.paragraph(t.intro(formatDate(d.request.receivedAt), t.law[d.jurisdiction]));

  pdf.heading(t.sOperator);
  pdf.keyValues([
    [t.opName, d.operator.name],
    [t.opAddress, d.operator.address],
    [t.opIds, d.operator.ids],
  ]);

  pdf.heading(t.sData);
  if (d.person.destroyed) {
    pdf.paragraph(t.destroyed(formatDate(d.person.actDate), d.person.actNumber));
  } else {
    pdf.paragraph(t.fact(formatDate(d.person.registeredOn), d.person.source));
    pdf.table(
      [
        { title: t.dataCols[0] as string, width: 0.4 },
        { title: t.dataCols[1] as string, width: 0.6 },
      ],
      d.person.data.map(([k, v]) => [k, v]),
      { size: sizes.body - 0.5 },
    );
    if (d.person.block) pdf.paragraph(t.blocked(formatDate(d.person.block.since), d.person.block.reason));
    if (d.person.verificationSince) pdf.paragraph(t.verification(formatDate(d.person.verificationSince)));
  }

  pdf.heading(t.sConsents);
  if (d.consents.length === 0) pdf.paragraph(t.noConsents);
  else {
    const c = t.consentCols;
    pdf.table(
      [
        { title: c[0] as string, width: 0.22 },
        { title: c[1] as string, width: 0.2 },
        { title: c[2] as string, width: 0.12 },
        { title: c[3] as string, width: 0.11 },
        { title: c[4] as string, width: 0.22 },
        { title: c[5] as string, width: 0.13 },
      ],
      d.consents.map((x) => [x.purpose, x.legalBasis, x.state, x.since, x.evidence, x.validUntil]),
      { headerSize: sizes.tiny + 0.5 },
    );
  }

  pdf.heading(t.sBlocks);
  if (d.blocks.length === 0) pdf.paragraph(t.noBlocks);
  else {
    const c = t.blockCols;
    pdf.table(
      [
        { title: c[0] as string, width: 0.14 },
        { title: c[1] as string, width: 0.14 },
        { title: c[2] as string, width: 0.28 },
        { title: c[3] as string, width: 0.2 },
        { title: c[4] as string, width: 0.24 },
      ],
      d.blocks.map((b) => [b.began, b.ended, b.reason, b.requestedBy, b.outcome]),
    );
  }

  pdf.heading(t.sRequests);
  const rc = t.requestCols;
  pdf.table(
    [
      { title: rc[0] as string, width: 0.08, align: 'center' },
      { title: rc[1] as string, width: 0.16 },
      { title: rc[2] as string, width: 0.34 },
      { title: rc[3] as string, width: 0.18 },
      { title: rc[4] as string, width: 0.24 },
    ],
    d.requests.map((r) => [String(r.id), r.receivedAt, r.current ? `${r.type}\n${t.thisRequest}` : r.type, r.due, r.status]),
  );

  pdf.heading(t.sProcessing);
  pdf.paragraph(t.processing(d.informationSystem));
  pdf.paragraph(t.processor(d.processor));

  pdf.heading(t.sRights);
  pdf.paragraph(t.rights[d.jurisdiction]);

  pdf.space(10);
  pdf.ensure(70);
  pdf.paragraph(t.signer, { align: 'left' });
  const [position, signature, name] = t.captions;
  pdf.signatureRow([
    { caption: position as string, width: 3.4 },
    { caption: signature as string, width: 2.4 },
    { caption: name as string, width: 3.4 },
  ]);
  pdf.muted(t.prepared(d.preparedBy, d.printedOn));
  return pdf.finish();
}

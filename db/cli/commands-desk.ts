import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Command, Option } from 'commander';
import { blockReasons, blockRequesters, unblockOutcomes } from '../blocks.ts';
import { consentChannels } from '../consents.ts';
import { personSourceSchema } from '../schemas.ts';
import { humanDate, humanTime, parseDate, parseId, parseLimit, purposeRef, table, UsageError } from './io.ts';
import type { Runtime } from './program.ts';

// Everyday desk work: people, consents, blocks and verification marks. Each command maps its
// flags onto one operation's input and prints the result; the rules live in the operations.

const sourceHelp =
  'источник: website_form — форма на сайте, callback — обратный звонок, appointment — запись на приём, walk_in — пришёл в регистратуру, phone_call — звонок, import, other';
const channelHelp = 'канал: paper — бумажный бланк, website — форма на сайте, electronic — электронный документ, phone, email, in_person — лично, other';

const stateWords: Record<string, string> = {
  active: 'действует',
  withdrawn: 'отозвано',
  refused: 'отказ',
  expired: 'срок истёк',
  none: 'не давалось',
};

const blockReasonWords: Record<string, string> = {
  inaccurate_data: 'недостоверные данные',
  unlawful_processing: 'неправомерная обработка',
  subject_request: 'требование субъекта',
  representative_request: 'требование представителя',
  regulator_request: 'требование уполномоченного органа',
  destruction_pending: 'до уничтожения',
  other: 'иное',
};

const sourceWords: Record<string, string> = {
  website_form: 'форма на сайте',
  callback: 'обратный звонок',
  appointment: 'запись на приём',
  walk_in: 'обратился в регистратуру',
  phone_call: 'телефонный звонок',
  import: 'импорт',
  other: 'иное',
};

const outcomeWords: Record<string, string> = {
  corrected: 'данные исправлены',
  unblocked_unconfirmed: 'сведения не подтвердились',
  unblocked_lawful: 'обработка правомерна',
  destroyed: 'данные уничтожены',
  other: 'иное',
};

const scanTypes: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

function readScan(path: string): { content: string; mime: string } {
  const mime = scanTypes[extname(path).toLowerCase()];
  if (!mime) throw new UsageError('скан: поддерживаются файлы PDF, JPEG, PNG и TIFF');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`не удалось прочитать файл скана: ${(err as Error).message}`);
  }
  return { content: bytes.toString('base64'), mime };
}

interface PersonLike {
  id: number;
  destroyed: boolean;
  fullName?: string;
  phone?: string | null;
  phoneNational?: string | null;
  email?: string | null;
  source?: string;
  createdAt: string;
  updatedAt?: string;
  blocked?: boolean;
  block?: { id: number; since: string; reason: string } | null;
  needsVerification?: boolean;
  verification?: { since: string; reason: string | null } | null;
  destroyedActId?: number;
}

function personLines(p: PersonLike): string[] {
  if (p.destroyed) return [`Субъект №${p.id}: персональные данные уничтожены (акт уничтожения №${p.destroyedActId}); осталась только запись об уничтожении.`];
  return [
    `Субъект №${p.id}`,
    `ФИО:      ${p.fullName}`,
    `Телефон:  ${p.phone ?? '—'}`,
    `E-mail:   ${p.email ?? '—'}`,
    `Источник: ${sourceWords[p.source ?? ''] ?? p.source}`,
    `Добавлен: ${humanTime(p.createdAt)}; изменён: ${humanTime(p.updatedAt)}`,
    ...(p.block
      ? [`ЗАБЛОКИРОВАН с ${humanTime(p.block.since)} (${blockReasonWords[p.block.reason] ?? p.block.reason}): изменение, новые согласия и рассылки запрещены.`]
      : []),
    ...(p.verification ? [`На проверке с ${humanTime(p.verification.since)}${p.verification.reason ? ` — ${p.verification.reason}` : ''}.`] : []),
  ];
}

function flags(p: { blocked?: boolean; needsVerification?: boolean }): string {
  return [p.blocked ? 'заблокирован' : '', p.needsVerification ? 'на проверке' : ''].filter(Boolean).join(', ');
}

export function registerDeskCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  const person = program.command('person').description('Субъекты персональных данных: добавить, найти, показать, изменить');
  person
    .command('add')
    .description('Добавить субъекта; при совпадении телефона или e-mail указывает на существующую запись')
    .requiredOption('--name <ФИО>', 'фамилия, имя, отчество')
    .option('--phone <телефон>', 'телефон как продиктовали: 8 912 345-67-89, +7…')
    .option('--email <адрес>', 'адрес электронной почты')
    .addOption(new Option('--source <источник>', sourceHelp).choices(personSourceSchema.options).makeOptionMandatory())
    .option('--shared-contact', 'подтвердить, что телефон или e-mail общий (например, семьи)')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const p = await r.call('person.add', {
        fullName: o.name,
        phone: o.phone,
        email: o.email,
        source: o.source,
        allowSharedContact: o.sharedContact === true,
      });
      r.out.result(p, () => `Добавлен субъект №${p.id}: ${p.fullName}${p.phone ? `, ${p.phone}` : ''}${p.email ? `, ${p.email}` : ''}.`);
    });
  person
    .command('find')
    .description('Найти по слову из ФИО (начало слова), по 3+ цифрам телефона или по началу e-mail')
    .argument('<запрос>', 'что искать')
    .option('--limit <n>', 'сколько показать', parseLimit)
    .action(async (query: string, o: { limit?: number }, cmd: Command) => {
      const r = rt(cmd);
      const found = await r.call('person.find', { query, ...(o.limit ? { limit: o.limit } : {}) });
      r.out.result(found, () => {
        if (found.mode === 'none') return 'Уточните запрос: слово из ФИО, не меньше 3 цифр телефона или начало e-mail.';
        if (found.items.length === 0) return 'Никого не найдено.';
        return [
          ...table([
            ['№', 'ФИО', 'Телефон', 'E-mail', 'Отметки'],
            ...found.items.map((p) => [String(p.id), p.fullName, p.phone ?? '—', p.email ?? '—', flags(p)]),
          ]),
          ...(found.more ? [`Показаны первые ${found.items.length}: уточните запрос.`] : []),
        ];
      });
    });
  person
    .command('show')
    .description('Показать запись субъекта')
    .argument('<номер>', 'номер субъекта', parseId)
    .action(async (id: number, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const p = await r.call('person.get', { id });
      r.out.result(p, () => personLines(p as PersonLike));
    });
  person
    .command('edit')
    .description('Изменить ФИО, телефон, e-mail или источник (заблокированную запись изменить нельзя)')
    .argument('<номер>', 'номер субъекта', parseId)
    .option('--name <ФИО>', 'новое ФИО')
    .option('--phone <телефон>', 'новый телефон; пустая строка удаляет')
    .option('--email <адрес>', 'новый e-mail; пустая строка удаляет')
    .addOption(new Option('--source <источник>', sourceHelp).choices(personSourceSchema.options))
    .option('--shared-contact', 'подтвердить, что новый телефон или e-mail общий')
    .action(async (id: number, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const r = rt(cmd);
      if (o.name === undefined && o.phone === undefined && o.email === undefined && o.source === undefined) {
        throw new UsageError('укажите, что изменить: --name, --phone, --email или --source');
      }
      const p = await r.call('person.edit', {
        id,
        fullName: o.name,
        phone: o.phone,
        email: o.email,
        source: o.source,
        allowSharedContact: o.sharedContact === true,
      });
      r.out.result(p, () => `Запись субъекта №${p.id} изменена.`);
    });

  const consent = program.command('consent').description('Согласия на обработку: записать, отозвать, показать');
  consent
    .command('give')
    .description('Записать согласие на одну цель с доказательствами (бумажный бланк — с версией и номером)')
    .argument('<субъект>', 'номер субъекта', parseId)
    .argument('<цель>', 'код цели (appointment, marketing, partners, health) или её номер')
    .addOption(new Option('--channel <канал>', channelHelp).choices(consentChannels).makeOptionMandatory())
    .option('--date <дата>', 'дата подписи (ДД.ММ.ГГГГ); по умолчанию сегодня', parseDate)
    .option('--form-version <версия>', 'версия бланка согласия')
    .option('--form-number <номер>', 'номер бумажного бланка')
    .option('--received-by <номер>', 'номер сотрудника, принявшего согласие; по умолчанию вы', parseId)
    .option('--valid-until <дата>', 'срок действия (ДД.ММ.ГГГГ); по умолчанию — срок цели', parseDate)
    .option('--representative <ФИО>', 'представитель, подписавший за субъекта')
    .option('--authority <документ>', 'документ, подтверждающий полномочия представителя')
    .option('--scan <файл>', 'скан подписанного бланка (PDF, JPEG, PNG, TIFF); хранится зашифрованным')
    .option('--note <текст>', 'примечание')
    .action(async (personId: number, purpose: string, o: Record<string, string | number | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const representative =
        o.representative !== undefined || o.authority !== undefined ? { name: o.representative ?? '', authority: o.authority ?? '' } : undefined;
      const res = await r.call('consent.give', {
        personId,
        purpose: purposeRef(purpose),
        channel: o.channel,
        date: o.date,
        formVersion: o.formVersion,
        paperFormNumber: o.formNumber,
        receivedBy: o.receivedBy,
        validUntil: o.validUntil,
        representative,
        scan: typeof o.scan === 'string' ? readScan(o.scan) : undefined,
        note: o.note,
      });
      r.out.result(res, () => {
        const c = res.consent;
        return `Согласие записано (событие №${res.eventId}${res.kind === 'renewed' ? ', продление' : ''}): «${c.purpose.title}» — ${stateWords[c.state] ?? c.state}${c.validUntil ? ` до ${humanDate(c.validUntil)}` : ''}.`;
      });
    });
  for (const [name, op, what] of [
    ['withdraw', 'consent.withdraw', 'Записать отзыв согласия по одной цели (остальные цели не затрагиваются)'],
    ['refuse', 'consent.refuse', 'Записать отказ субъекта дать согласие на цель'],
  ] as const) {
    consent
      .command(name)
      .description(what)
      .argument('<субъект>', 'номер субъекта', parseId)
      .argument('<цель>', 'код цели или её номер')
      .addOption(new Option('--channel <канал>', channelHelp).choices(consentChannels).makeOptionMandatory())
      .option('--date <дата>', 'дата получения (ДД.ММ.ГГГГ); по умолчанию сегодня', parseDate)
      .option('--note <текст>', 'примечание')
      .action(async (personId: number, purpose: string, o: Record<string, string | undefined>, cmd: Command) => {
        const r = rt(cmd);
        const res = await r.call(op, { personId, purpose: purposeRef(purpose), channel: o.channel, date: o.date, note: o.note });
        r.out.result(res, () => {
          const c = res.consent;
          return name === 'withdraw'
            ? `Отзыв записан (событие №${res.eventId}): «${c.purpose.title}» — отозвано с ${humanDate(c.since)}. Согласия на другие цели не затронуты.`
            : `Отказ записан (событие №${res.eventId}): «${c.purpose.title}».`;
        });
      });
  }
  consent
    .command('list')
    .description('Согласия субъекта по всем целям: состояние, с какого числа, до какого')
    .argument('<субъект>', 'номер субъекта', parseId)
    .action(async (personId: number, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('consent.list', { personId });
      r.out.result(res, () => [
        `Согласия субъекта №${res.personId} на ${humanDate(res.asOf)}${res.destroyed ? ' (данные субъекта уничтожены)' : ''}:`,
        ...table([
          ['Код', 'Цель', 'Состояние', 'С', 'До', 'Доказательство'],
          ...res.consents.map((c) => [
            c.purpose.code,
            c.purpose.title,
            stateWords[c.state] ?? c.state,
            humanDate(c.since),
            humanDate(c.validUntil),
            c.evidence
              ? [
                  c.evidence.channel,
                  c.evidence.formVersion && `бланк ${c.evidence.formVersion}`,
                  c.evidence.paperFormNumber && `№${c.evidence.paperFormNumber}`,
                  c.evidence.scans.length ? 'скан' : '',
                ]
                  .filter(Boolean)
                  .join(', ')
              : '—',
          ]),
        ]),
      ]);
    });

  program
    .command('block')
    .description('Заблокировать запись субъекта: обработка прекращается, кроме хранения')
    .argument('<субъект>', 'номер субъекта', parseId)
    .addOption(
      new Option(
        '--reason <причина>',
        'причина: inaccurate_data, unlawful_processing, subject_request, representative_request, regulator_request, destruction_pending, other',
      )
        .choices(blockReasons)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--requested-by <кто>', 'кто потребовал: subject, representative, regulator, operator').choices(blockRequesters).makeOptionMandatory(),
    )
    .option('--request <номер>', 'номер обращения, по которому блокируется', parseId)
    .option('--note <текст>', 'примечание')
    .action(async (personId: number, o: Record<string, string | number | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const b = await r.call('person.block', { personId, reason: o.reason, requestedBy: o.requestedBy, requestId: o.request, note: o.note });
      r.out.result(
        b,
        () => `Запись субъекта №${b.personId} заблокирована (блокировка №${b.id} с ${humanTime(b.beganAt)}, ${blockReasonWords[b.reason] ?? b.reason}).`,
      );
    });
  program
    .command('unblock')
    .description('Снять блокировку с исходом; при исходе corrected — вместе с исправленными данными')
    .argument('<субъект>', 'номер субъекта', parseId)
    .addOption(
      new Option('--outcome <исход>', 'исход: corrected — исправлено, unblocked_unconfirmed — не подтвердилось, unblocked_lawful — обработка правомерна, other')
        .choices(unblockOutcomes)
        .makeOptionMandatory(),
    )
    .option('--name <ФИО>', 'исправленное ФИО (для corrected)')
    .option('--phone <телефон>', 'исправленный телефон (для corrected); пустая строка удаляет')
    .option('--email <адрес>', 'исправленный e-mail (для corrected); пустая строка удаляет')
    .option('--shared-contact', 'подтвердить, что исправленный телефон или e-mail общий')
    .option('--note <текст>', 'примечание к исходу')
    .action(async (personId: number, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const corrected = o.name !== undefined || o.phone !== undefined || o.email !== undefined;
      const b = await r.call('person.unblock', {
        personId,
        outcome: o.outcome,
        note: o.note,
        ...(corrected ? { corrections: { fullName: o.name, phone: o.phone, email: o.email } } : {}),
        allowSharedContact: o.sharedContact === true,
      });
      r.out.result(b, () => `Блокировка №${b.id} субъекта №${b.personId} снята ${humanTime(b.endedAt)} (${outcomeWords[b.outcome ?? ''] ?? b.outcome}).`);
    });

  program
    .command('mark-verify')
    .description('Пометить данные субъекта «на проверке» (запись остаётся доступной для оказания услуг)')
    .argument('<субъект>', 'номер субъекта', parseId)
    .option('--reason <текст>', 'почему данные под сомнением')
    .action(async (personId: number, o: { reason?: string }, cmd: Command) => {
      const r = rt(cmd);
      const v = await r.call('person.markVerify', { personId, reason: o.reason });
      r.out.result(v, () => `Данные субъекта №${v.personId} помечены «на проверке» (${humanTime(v.markedAt)}).`);
    });
  program
    .command('clear-verify')
    .description('Снять пометку «на проверке»: данные подтверждены или исправлены')
    .argument('<субъект>', 'номер субъекта', parseId)
    .addOption(new Option('--outcome <исход>', 'confirmed — подтверждены, corrected — исправлены').choices(['confirmed', 'corrected']).makeOptionMandatory())
    .action(async (personId: number, o: { outcome: string }, cmd: Command) => {
      const r = rt(cmd);
      const v = await r.call('person.clearVerify', { personId, outcome: o.outcome });
      r.out.result(
        v,
        () => `Пометка «на проверке» снята с субъекта №${v.personId} (${v.outcome === 'confirmed' ? 'данные подтверждены' : 'данные исправлены'}).`,
      );
    });
}

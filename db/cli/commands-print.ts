import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { parseId, purposeRef } from './io.ts';
import type { Runtime } from './program.ts';

// Printed documents as PDF files: a consent form per purpose, the act of destruction, the answer to
// an access request. --out may be relative: it is resolved against the current folder here,
// because the register accepts only a full path.

const langHelp = 'язык бланка: ru — русский, kk — казахский; по умолчанию — язык юрисдикции реестра (RU → ru, KZ → kk)';

export function registerPrintCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  const print = program.command('print').description('Напечатать документ в PDF (A4): бланк согласия по цели, акт об уничтожении, ответ на запрос субъекта');

  print
    .command('consent')
    .description('Бланк согласия на обработку ПДн по одной цели (отдельный документ на каждую цель), с данными оператора и субъекта и QR-кодом')
    .requiredOption('--person <номер>', 'номер субъекта', parseId)
    .requiredOption('--purpose <цель>', 'код цели (appointment, marketing, partners, health) или её номер')
    .addOption(new Option('--lang <язык>', langHelp).choices(['ru', 'kk']))
    .requiredOption('--out <файл>', 'куда записать PDF')
    .action(async (o: { person: number; purpose: string; lang?: string; out: string }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('print.consent', { personId: o.person, purpose: purposeRef(o.purpose), language: o.lang, outPath: resolve(o.out) });
      r.out.result(res, () => [
        `Бланк согласия «${res.purpose}» (редакция ${res.formVersion}) для субъекта №${o.person} записан: ${res.path}`,
        `Код на бланке: ${res.payload}`,
      ]);
    });

  print
    .command('act')
    .description('Акт об уничтожении ПДн с выпиской из журнала событий (приказ РКН № 179); только руководитель')
    .requiredOption('--act <номер>', 'номер записи акта (id), как его показывает destroy --json', parseId)
    .requiredOption('--out <файл>', 'куда записать PDF')
    .action(async (o: { act: number; out: string }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('print.act', { actId: o.act, outPath: resolve(o.out) });
      r.out.result(res, () => `Акт об уничтожении № ${res.number} записан: ${res.path}`);
    });

  print
    .command('answer')
    .description('Ответ на запрос субъекта о его персональных данных: что хранится и на каком основании (152-ФЗ ст. 14, 94-V ст. 24)')
    .requiredOption('--request <номер>', 'номер обращения (вид access)', parseId)
    .addOption(new Option('--lang <язык>', 'язык ответа: ru или kk; по умолчанию — язык юрисдикции обращения').choices(['ru', 'kk']))
    .requiredOption('--out <файл>', 'куда записать PDF')
    .action(async (o: { request: number; lang?: string; out: string }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('print.answer', { requestId: o.request, language: o.lang, outPath: resolve(o.out) });
      r.out.result(res, () => `Ответ на обращение №${o.request} записан: ${res.path}`);
    });
}

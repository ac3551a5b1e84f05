import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { exportFormats, registerNames } from '../export.ts';
import { humanDate, parseDate, parseId } from './io.ts';
import type { Runtime } from './program.ts';

// Registers for an inspection, the marketing list and machine-readable consent records, each
// written to the file named by --out (a relative path is taken from the current folder).

const registerWords: Record<string, string> = {
  persons: 'субъектов',
  consents: 'согласий',
  requests: 'обращений',
  blocks: 'блокирований',
  acts: 'актов об уничтожении',
  audit: 'журнала событий (выписка)',
};

const collectIds = (value: string, previous: number[] = []) => [...previous, parseId(value)];

function periodWords(from?: string, to?: string): string {
  if (from && to) return ` за период ${humanDate(from)} — ${humanDate(to)}`;
  if (from) return ` с ${humanDate(from)}`;
  if (to) return ` по ${humanDate(to)}`;
  return '';
}

export function registerExportCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  program
    .command('export')
    .description('Выгрузить реестр за период в CSV, XLSX или PDF (только руководитель; действие записывается в журнал)')
    .addOption(
      new Option(
        '--register <реестр>',
        'persons — субъекты, consents — согласия, requests — обращения, blocks — блокирования, acts — акты об уничтожении, audit — журнал событий',
      )
        .choices(registerNames)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--format <формат>', 'формат файла').choices(exportFormats).makeOptionMandatory())
    .option('--from <дата>', 'начало периода (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)', parseDate)
    .option('--to <дата>', 'конец периода включительно', parseDate)
    .requiredOption('--out <файл>', 'куда записать файл')
    .action(async (o: { register: string; format: string; from?: string; to?: string; out: string }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('register.export', { register: o.register, format: o.format, from: o.from, to: o.to, outPath: resolve(o.out) });
      r.out.result(
        { register: o.register, format: o.format, ...res },
        () =>
          `Реестр ${registerWords[o.register] ?? o.register}${periodWords(o.from, o.to)} выгружен в ${o.format.toUpperCase()}: ${res.rows} строк, ${res.path}\nSHA-256: ${res.sha256}`,
      );
    });

  program
    .command('marketing-list')
    .description('Выгрузить список для маркетинговых рассылок на сегодня: действующее согласие, без заблокированных (записывается в журнал)')
    .addOption(new Option('--format <формат>', 'формат файла').choices(['csv', 'xlsx']).default('csv'))
    .requiredOption('--out <файл>', 'куда записать файл')
    .action(async (o: { format: string; out: string }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('marketing.export', { format: o.format, outPath: resolve(o.out) });
      r.out.result({ format: o.format, ...res }, () => `Список для рассылок выгружен: ${res.rows} контактов, ${res.path}\nSHA-256: ${res.sha256}`);
    });

  program
    .command('consent-records')
    .description('Выгрузить машиночитаемые записи о согласиях (JSON по Kantara Consent Receipt v1.1 / ISO/IEC TS 27560)')
    .requiredOption('--out <файл>', 'куда записать файл JSON')
    .option('--person <номер>', 'только этот субъект (можно повторить); без опции — все, у кого есть согласия', collectIds)
    .action(async (o: { out: string; person?: number[] }, cmd: Command) => {
      const r = rt(cmd);
      const res = await r.call('consent.exportRecords', { outPath: resolve(o.out), ...(o.person ? { personIds: o.person } : {}) });
      r.out.result(res, () => `Записи о согласиях выгружены: ${res.count} субъектов, ${res.path}\nSHA-256: ${res.sha256}`);
    });
}

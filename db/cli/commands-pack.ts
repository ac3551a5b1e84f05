import { resolve } from 'node:path';
import type { Command } from 'commander';
import { dispatch } from '../api.ts';
import type { Ctx } from '../context.ts';
import { RegisterError } from '../errors.ts';
import { type PackVerifyResult, plural, verifyPack } from '../pack.ts';
import { humanDate, humanTime, parseDate, UsageError } from './io.ts';
import type { Runtime } from './program.ts';

// The inspection pack: `pack --out DIR` makes it, `pack verify PATH` checks it. Verification reads
// only the pack, so it needs no register, user or password: an inspector can run it too.

const problemWords: Record<string, string> = {
  altered: 'ИЗМЕНЁН',
  missing: 'ОТСУТСТВУЕТ',
  unexpected: 'ЛИШНИЙ',
  damaged: 'ПОВРЕЖДЁН',
};

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} МБ`;
}

function verifyLines(v: PackVerifyResult): string[] {
  const lines: string[] = [];
  if (v.manifest) {
    const m = v.manifest;
    lines.push(
      `Пакет: ${m.operator.name} (ИНН/БИН ${m.operator.taxId}), период ${humanDate(m.period.from)} — ${humanDate(m.period.to)}, сформирован ${humanTime(m.createdAt)}, ${m.createdBy.fullName} (${m.createdBy.login}).`,
    );
    lines.push(`Журнал событий на момент создания: ${plural(m.auditChain.rows, 'запись', 'записи', 'записей')}, хеш последней ${m.auditChain.head}.`);
  }
  if (v.manifestSha256) lines.push(`SHA-256 manifest.json: ${v.manifestSha256}`);
  if (v.ok) lines.push(v.summary);
  else for (const p of v.problems) lines.push(`${problemWords[p.problem] ?? p.problem}: ${p.file} — ${p.message}`);
  return lines;
}

export function registerPackCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  const pack = program
    .command('pack')
    .description('Пакет для проверки: все реестры за период (XLSX, CSV, PDF), акты об уничтожении, проверка журнала событий и опись manifest.json с SHA-256')
    .usage('--out ПАПКА [--from ДАТА] [--to ДАТА] [--zip] | verify ПУТЬ')
    .option('--out <папка>', 'папка, в которой создать пакет (в ней появится новая папка или ZIP-архив)')
    .option('--from <дата>', 'начало периода (ДД.ММ.ГГГГ); по умолчанию — день создания реестра', parseDate)
    .option('--to <дата>', 'конец периода включительно (ДД.ММ.ГГГГ); по умолчанию сегодня', parseDate)
    .option('--zip', 'упаковать пакет в один ZIP-архив (папка тогда не сохраняется)')
    .action(async (o: { out?: string; from?: string; to?: string; zip?: boolean }, cmd: Command) => {
      const r = rt(cmd);
      if (!o.out) throw new UsageError('не указана папка для пакета: --out ПАПКА');
      // Ctrl+C cancels through the same flag the desktop app uses, so the half-made pack is removed.
      let cancelled = false;
      const onSigint = () => {
        // A second Ctrl+C while a long step runs: leave at once (the hidden partial folder may stay).
        if (cancelled) process.exit(130);
        cancelled = true;
      };
      process.on('SIGINT', onSigint);
      const tty = process.stderr.isTTY === true && !r.out.json;
      try {
        const result = await r.session((ctx) => {
          const withJob: Ctx = {
            ...ctx,
            job: {
              checkpoint: () => {
                if (cancelled) throw new RegisterError('cancelled', 'Создание пакета прервано; незавершённая папка удалена.');
              },
              progress: (done, total) => {
                if (tty && total) process.stderr.write(`\rФайлов готово: ${done} из ${total}`);
              },
            },
          };
          return dispatch(withJob, 'pack.create', { outDir: resolve(o.out as string), from: o.from, to: o.to, zip: o.zip === true });
        });
        if (tty) process.stderr.write('\r\x1b[K');
        r.out.result(result, () => [
          `Пакет для проверки создан: ${result.path}`,
          `Период: ${humanDate(result.period.from)} — ${humanDate(result.period.to)}; файлов: ${result.files} (${megabytes(result.bytes)}).`,
          `SHA-256 manifest.json: ${result.manifestSha256} — записан в журнал событий; сообщите его проверяющему отдельно.`,
          ...(result.zipSha256 ? [`SHA-256 ZIP-архива: ${result.zipSha256}`] : []),
          result.auditChain.ok
            ? `Журнал событий цел: ${plural(result.auditChain.rows, 'запись', 'записи', 'записей')}, хеш последней ${result.auditChain.head}.`
            : `ВНИМАНИЕ: журнал событий повреждён — ${result.auditChain.message ?? ''} Результат проверки включён в пакет.`,
        ]);
        if (!result.auditChain.ok && !r.out.json) r.out.note('privacy-desk: журнал событий повреждён; пакет создан, результат проверки в нём указан.');
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  pack
    .command('verify')
    .description('Проверить пакет (папку или ZIP) по его описи manifest.json; пароль не нужен')
    .argument('<путь>', 'папка пакета или ZIP-архив')
    .action(async (path: string, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const v = await verifyPack(resolve(path));
      if (v.ok) {
        r.out.result(v, () => verifyLines(v));
        return;
      }
      // Like `verify`: the per-file list on stdout, one line on stderr, exit code 1; with --json the
      // whole result is the error's details (one JSON object, as for every other failure).
      if (!r.out.json) r.out.result(v, () => verifyLines(v));
      throw new RegisterError('pack_altered', v.summary, v);
    });
}

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { dispatch } from '../api.ts';
import type { Ctx } from '../context.ts';
import { RegisterError } from '../errors.ts';
import { fieldTitles, type ImportField, importFields } from '../import/mapping.ts';
import { type ImportCommitResult, type ImportPreview, maxFileBytes } from '../import.ts';
import { personSourceSchema } from '../schemas.ts';
import { UsageError } from './io.ts';
import type { Runtime } from './program.ts';

// `privacy-desk import FILE`: website and spreadsheet leads from CSV or XLSX. Always previews
// first; writes only after a "да" at the terminal or --yes, all valid rows in one transaction.

type MapValue = string | number | null;

// "fullName=ФИО,phone=Телефон" (or the flag repeated); "#3" is the third column, an empty value
// unmaps a field the program suggested.
export function parseMap(value: string, previous: Record<string, MapValue> = {}): Record<string, MapValue> {
  const out = { ...previous };
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`ожидается поле=столбец через запятую, например fullName=ФИО,phone=Телефон (в «${pair.trim()}» нет «=»).`);
    const field = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (!(importFields as readonly string[]).includes(field)) throw new InvalidArgumentError(`неизвестное поле «${field}»; поля: ${importFields.join(', ')}.`);
    out[field] = column === '' ? null : /^#\d+$/.test(column) ? Number(column.slice(1)) : column;
  }
  return out;
}

const encodingWords: Record<string, string> = { 'utf-8': 'UTF-8', 'windows-1251': 'Windows-1251', 'utf-16le': 'UTF-16 LE', 'utf-16be': 'UTF-16 BE' };
const delimiterWords: Record<string, string> = { ';': '«;»', ',': '«,»', '\t': 'табуляция' };

function count(n: number): string {
  return n.toLocaleString('ru-RU');
}

export function previewLines(p: ImportPreview): string[] {
  const lines = [
    p.format === 'xlsx'
      ? `Файл: книга Excel (XLSX), первый лист, заголовки в строке ${p.headerLine}.`
      : `Файл: CSV, кодировка ${encodingWords[p.encoding] ?? p.encoding}, разделитель ${delimiterWords[p.delimiter ?? ';']}, заголовки в строке ${p.headerLine}.`,
    `SHA-256: ${p.sha256}`,
    `Сопоставление: ${
      (Object.entries(p.mapping) as [ImportField, string][]).map(([field, column]) => `${fieldTitles[field]} (${field}) ← «${column}»`).join('; ') || 'нет'
    }.`,
  ];
  if (p.mappingProblems.length > 0) {
    lines.push(...p.mappingProblems.map((m) => `Не готово к импорту: ${m}`));
    lines.push(`Столбцы файла: ${p.columns.map((c, i) => `#${i + 1} «${c}»`).join(', ')}. Укажите сопоставление опцией --map поле=столбец.`);
    lines.push(`Строк данных: ${count(p.total)}.`);
    return lines;
  }
  lines.push(`Строк данных: ${count(p.total)}; будут добавлены: ${count(p.valid)}; с ошибками: ${count(p.invalid)}; дубликаты: ${count(p.duplicates)}.`);
  if (p.consents.marketing + p.consents.appointment > 0) {
    lines.push(`Согласия с сайта: на рассылку — ${count(p.consents.marketing)}, на связь по записи — ${count(p.consents.appointment)}.`);
  }
  if (p.errors.length > 0) {
    lines.push('Строки, которые не будут добавлены:');
    for (const e of p.errors) lines.push(`  строка ${e.line}${e.column ? `, «${e.column}»` : ''}: ${e.message}`);
    if (p.errorsOmitted > 0) lines.push(`  …и ещё ${count(p.errorsOmitted)} (не показаны).`);
  }
  return lines;
}

export function commitLines(c: ImportCommitResult): string[] {
  const range = c.firstPersonId === null ? '' : c.firstPersonId === c.lastPersonId ? ` (№${c.firstPersonId})` : ` (№${c.firstPersonId}–№${c.lastPersonId})`;
  const lines = [
    `Импорт завершён: добавлено субъектов ${count(c.inserted)}${range}; пропущено строк ${count(c.skipped)} (с ошибками ${count(c.invalid)}, дубликаты ${count(c.duplicates)}).`,
  ];
  if (c.consents > 0) lines.push(`Записано согласий: ${count(c.consents)}.`);
  return lines;
}

const phaseWords = { preview: 'Проверка строк', commit: 'Импорт' } as const;

// Progress on the terminal only: a pipe or a log gets the result, not a running counter.
function withProgress(ctx: Ctx, r: Runtime, phase: keyof typeof phaseWords): { ctx: Ctx; done: () => void } {
  const tty = (r.cli.prompt as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true && !r.out.json;
  if (!tty) return { ctx, done: () => {} };
  let last = 0;
  let shown = false;
  const job = {
    progress: (done: number, total?: number) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const pct = total ? ` (${Math.min(100, Math.floor((done / total) * 100))} %)` : '';
      r.cli.prompt.write(`\r${phaseWords[phase]}: ${count(done)}${total ? ` из ${count(total)}` : ''}${pct}\u001b[K`);
    },
    checkpoint: () => {},
  };
  return {
    ctx: { ...ctx, job },
    done: () => {
      if (shown) r.cli.prompt.write('\r\u001b[K');
    },
  };
}

async function confirm(r: Runtime, question: string): Promise<boolean> {
  const rl = createInterface({ input: r.cli.stdin, output: r.cli.prompt, terminal: true });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.on('SIGINT', () => reject(new UsageError('ввод прерван', { hint: false })));
      rl.on('close', () => resolve(''));
      rl.question(question, resolve);
    });
    return /^(да|д|yes|y)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function readInput(file: string): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`файл не найден или недоступен: ${file}`);
  }
  if (size > maxFileBytes) {
    throw new RegisterError('invalid_input', `Файл больше ${maxFileBytes / 1024 / 1024} МБ: разделите его на несколько и импортируйте по очереди.`);
  }
  try {
    return readFileSync(file);
  } catch {
    throw new UsageError(`файл не читается: ${file}`);
  }
}

export function registerImportCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  program
    .command('import')
    .description('Импорт заявок с сайта и таблиц (CSV или XLSX): просмотр с ошибками по строкам, затем запись всех верных строк одной транзакцией')
    .argument('<файл>', 'файл CSV (UTF-8 или Windows-1251; разделитель «;», «,» или табуляция) или XLSX (первый лист)')
    .option(
      '--map <поле=столбец,...>',
      `сопоставление столбцов, если предложенное не подходит: ${importFields.join(', ')}; столбец — по заголовку или #номер; пустое значение снимает поле (можно несколько раз)`,
      parseMap,
    )
    .addOption(new Option('--source <источник>', 'источник сбора для строк без своего источника (по умолчанию import)').choices(personSourceSchema.options))
    .option('--dry-run', 'только показать просмотр: сколько строк будет добавлено и все ошибки с номерами строк; ничего не записывать')
    .option('--yes', 'записать без вопроса (для сценариев; без терминала обязателен)')
    .addHelpText(
      'after',
      [
        '',
        'Номера строк — строки файла (для CSV — физические строки, для XLSX — строки листа).',
        'Дубликаты (тот же телефон или e-mail в файле или у живого субъекта реестра) не добавляются.',
        'Столбцы согласий (consentMarketing, consentAppointment) с «да»/«нет» и датой (consentDate) записывают согласие',
        'с канала «сайт» для новых субъектов.',
      ].join('\n'),
    )
    .action(async (file: string, o: { map?: Record<string, MapValue>; source?: string; dryRun?: boolean; yes?: boolean }, cmd: Command) => {
      const r = rt(cmd);
      const bytes = readInput(file);
      const input = { fileName: basename(file), contentBase64: bytes.toString('base64'), mapping: o.map ?? {}, ...(o.source ? { source: o.source } : {}) };
      const interactive = r.cli.stdin.isTTY === true;
      await r.session(async (ctx) => {
        const checking = withProgress(ctx, r, 'preview');
        let preview: ImportPreview;
        try {
          preview = await dispatch(checking.ctx, 'import.preview', input);
        } finally {
          checking.done();
        }
        if (o.dryRun) {
          r.out.result(preview, () => previewLines(preview));
          return;
        }
        if (preview.mappingProblems.length > 0) {
          if (!r.out.json) r.out.result(preview, () => previewLines(preview));
          throw new RegisterError('invalid_input', `Импорт невозможен: ${preview.mappingProblems.join(' ')}`, {
            mappingProblems: preview.mappingProblems,
            columns: preview.columns,
            suggestedMapping: preview.suggestedMapping,
          });
        }
        if (!r.out.json) r.out.result(preview, () => previewLines(preview));
        if (preview.valid === 0) {
          if (r.out.json) r.out.result({ preview, commit: null }, () => []);
          else r.out.note('Нечего импортировать: верных строк без дубликатов в файле нет. Реестр не изменён.');
          return;
        }
        if (!o.yes) {
          if (!interactive) {
            throw new UsageError(
              `для записи подтвердите импорт: запустите команду в терминале или добавьте --yes (будут добавлены ${count(preview.valid)} субъектов); для просмотра без записи — --dry-run`,
            );
          }
          if (!(await confirm(r, `Добавить в реестр ${count(preview.valid)} субъектов одной транзакцией? [да/нет] `))) {
            throw new RegisterError('cancelled', 'Импорт отменён: ничего не записано.');
          }
        }
        const importing = withProgress(ctx, r, 'commit');
        let result: ImportCommitResult;
        try {
          result = await dispatch(importing.ctx, 'import.commit', { ...input, mapping: input.mapping, sha256: preview.sha256 });
        } finally {
          importing.done();
        }
        r.out.result({ preview, commit: result }, () => commitLines(result));
      });
    });
}

import { type Command, Option } from 'commander';
import { dispatch } from '../api.ts';
import { requestTypes } from '../deadlines.ts';
import { requestChannels, requesterKinds } from '../requests.ts';
import { humanDate, humanTime, parseDate, parseId, parseLimit, table, UsageError } from './io.ts';
import type { Runtime } from './program.ts';

// The request journal (обращения) and destruction with its act.

const typeWords: Record<string, string> = {
  access: 'запрос сведений',
  correction: 'уточнение данных',
  withdrawal: 'отзыв согласия',
  stop_processing: 'прекратить обработку',
  block: 'блокирование',
  destroy: 'уничтожение',
  regulator_demand: 'запрос органа',
};

interface RequestLike {
  id: number;
  type: string;
  status: string;
  personId: number | null;
  receivedAt: string;
  due: string;
  extended: boolean;
  legalRef: string;
  workingDaysLeft: number | null;
  calendarDaysLeft: number | null;
  overdue: boolean;
  provisional: boolean;
  missingYears: number[];
  answeredLate: boolean | null;
  closedAt: string | null;
}

function dueText(r: RequestLike): string {
  const parts = [`срок ответа ${humanDate(r.due)}${r.extended ? ' (продлён)' : ''}`];
  if (r.status === 'open' && r.workingDaysLeft !== null) {
    parts.push(r.overdue ? `ПРОСРОЧЕНО на ${-(r.calendarDaysLeft ?? 0)} дн.` : `осталось ${r.workingDaysLeft} раб. дн.`);
  }
  if (r.status === 'closed') parts.push(`закрыто ${humanTime(r.closedAt)}${r.answeredLate ? ', с опозданием' : ''}`);
  if (r.provisional) parts.push(`срок предварительный: не загружен производственный календарь на ${r.missingYears.join(', ')}`);
  return `${parts.join('; ')} — ${r.legalRef}`;
}

// "ФИО;должность" and "название;листов" keep one repeatable flag per act line.
function splitPair(value: string, what: string): [string, string] {
  const i = value.lastIndexOf(';');
  if (i < 0) throw new UsageError(`${what}: ожидается «…;…» через точку с запятой`);
  return [value.slice(0, i).trim(), value.slice(i + 1).trim()];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerRequestCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  const request = program.command('request').description('Журнал обращений субъектов и запросов органов: зарегистрировать, продлить, закрыть, список');
  request
    .command('open')
    .description('Зарегистрировать обращение; срок ответа считается по профилю юрисдикции и производственному календарю')
    .addOption(
      new Option(
        '--type <вид>',
        'вид: access — сведения, correction — уточнение, withdrawal — отзыв согласия, stop_processing, block, destroy, regulator_demand',
      )
        .choices(requestTypes)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--channel <канал>', 'как поступило: in_person, post, email, phone, website, regulator, other').choices(requestChannels).makeOptionMandatory(),
    )
    .option('--person <номер>', 'номер субъекта, если он есть в реестре', parseId)
    .option('--received <дата>', 'дата получения (ДД.ММ.ГГГГ); по умолчанию сегодня', parseDate)
    .addOption(new Option('--requester-kind <кто>', 'кто обратился').choices(requesterKinds).default('subject'))
    .option('--requester <текст>', 'кто обратился и как с ним связаться (в журнал событий не попадает)')
    .action(async (o: Record<string, string | number | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const req = await r.call('request.open', {
        type: o.type,
        channel: o.channel,
        person: o.person,
        receivedAt: o.received,
        requesterKind: o.requesterKind,
        requester: o.requester,
      });
      r.out.result(req, () => `Обращение №${req.id} (${typeWords[req.type] ?? req.type}) зарегистрировано: ${dueText(req)}.`);
    });
  request
    .command('extend')
    .description('Продлить срок ответа с мотивированным уведомлением (один раз, до истечения срока)')
    .argument('<номер>', 'номер обращения', parseId)
    .requiredOption('--notice <текст>', 'текст мотивированного уведомления')
    .action(async (id: number, o: { notice: string }, cmd: Command) => {
      const r = rt(cmd);
      const req = await r.call('request.extend', { id, notice: o.notice });
      r.out.result(req, () => `Срок по обращению №${req.id} продлён: ${dueText(req)}.`);
    });
  request
    .command('close')
    .description('Закрыть обращение с ответом')
    .argument('<номер>', 'номер обращения', parseId)
    .requiredOption('--answer <текст>', 'ответ или принятые меры')
    .action(async (id: number, o: { answer: string }, cmd: Command) => {
      const r = rt(cmd);
      const req = await r.call('request.close', { id, answer: o.answer });
      r.out.result(req, () => `Обращение №${req.id} закрыто: ${dueText(req)}.`);
    });
  request
    .command('list')
    .description('Обращения: открытые — по сроку, ближайшие первыми')
    .addOption(new Option('--status <состояние>', 'какие показать').choices(['open', 'closed', 'all']).default('open'))
    .option('--person <номер>', 'только обращения этого субъекта', parseId)
    .option('--limit <n>', 'сколько показать', parseLimit)
    .action(async (o: { status: string; person?: number; limit?: number }, cmd: Command) => {
      const r = rt(cmd);
      const requests = await r.call('request.list', { status: o.status, person: o.person, ...(o.limit ? { limit: o.limit } : {}) });
      r.out.result({ requests }, () =>
        requests.length === 0
          ? 'Обращений нет.'
          : table([
              ['№', 'Вид', 'Субъект', 'Получено', 'Срок', 'Состояние'],
              ...requests.map((q) => [
                String(q.id),
                typeWords[q.type] ?? q.type,
                q.personId ? `№${q.personId}` : '—',
                humanDate(q.receivedAt),
                `${humanDate(q.due)}${q.extended ? ' (продл.)' : ''}${q.provisional ? ' (предв.)' : ''}`,
                q.status === 'open' ? (q.overdue ? 'ПРОСРОЧЕНО' : `открыто, ${q.workingDaysLeft} раб. дн.`) : `закрыто ${humanTime(q.closedAt)}`,
              ]),
            ]),
      );
    });

  program
    .command('destroy')
    .description('Уничтожить персональные данные субъектов безвозвратно и составить акт (приказ РКН № 179); только руководитель')
    .argument('<субъекты...>', 'номера субъектов', (v: string, prev: number[] = []) => [...prev, parseId(v)])
    .requiredOption('--act-number <номер>', 'номер акта уничтожения')
    .requiredOption('--reason <основание>', 'основание уничтожения (например, отзыв согласия)')
    .requiredOption('--method <способ>', 'способ уничтожения (например, удаление из БД с перезаписью страниц)')
    .option('--act-date <дата>', 'дата акта (ДД.ММ.ГГГГ); по умолчанию сегодня', parseDate)
    .option('--destroyed-by <ФИО;должность>', 'кто уничтожил (можно несколько раз); по умолчанию вы', collect)
    .option('--category <категория>', 'категория уничтоженных данных (можно несколько раз); по умолчанию — фактически хранившиеся', collect)
    .option('--paper <название;листов>', 'бумажный носитель и число листов (можно несколько раз)', collect)
    .option('--yes', 'подтвердить безвозвратное уничтожение без вопроса')
    .action(async (personIds: number[], o: Record<string, string | string[] | boolean | undefined>, cmd: Command) => {
      const r = rt(cmd);
      if (o.yes !== true) throw new UsageError('уничтожение необратимо: подтвердите его флагом --yes');
      const act = await r.session(async (ctx) => {
        let destroyedBy = ((o.destroyedBy as string[] | undefined) ?? []).map((v) => {
          const [fullName, position] = splitPair(v, '--destroyed-by');
          return { fullName, position };
        });
        if (destroyedBy.length === 0) {
          const me = await dispatch(ctx, 'user.me', {});
          destroyedBy = [{ fullName: me.fullName, position: me.position }];
        }
        const paperMedia = ((o.paper as string[] | undefined) ?? []).map((v) => {
          const [name, sheets] = splitPair(v, '--paper');
          return { name, sheets: Number(sheets) };
        });
        return dispatch(ctx, 'person.destroy', {
          personIds,
          act: {
            number: o.actNumber,
            date: o.actDate,
            reason: o.reason,
            method: o.method,
            categories: o.category,
            destroyedBy,
            paperMedia,
          },
        });
      });
      r.out.result(act, () => [
        `Акт уничтожения №${act.number} от ${humanDate(act.date)}: данные ${act.subjects.length} субъект(ов) уничтожены — ${act.subjects.map((s) => s.subjectRef).join(', ')}.`,
        `Уничтожено: ${act.categoryTitles.join('; ')}.`,
        `Акт и выписку из журнала хранить до ${humanDate(act.retainUntil)}.`,
      ]);
    });
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Help, Option } from 'commander';
import { dispatch, type OperationName, type OperationResult } from '../api.ts';
import type { Ctx } from '../context.ts';
import { defaultDbPath } from '../paths.ts';
import { openRegister, type Session } from '../register.ts';
import { Output, oneLine, type Streams, UsageError } from './io.ts';
import { Secrets } from './secrets.ts';

export interface CliEnv {
  env: NodeJS.ProcessEnv;
  streams: Streams;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  // Where prompts are written (the terminal, not stdout).
  prompt: NodeJS.WritableStream;
}

export interface Globals {
  db?: string;
  user?: string;
  json?: boolean;
  passwordStdin?: boolean;
}

// Everything an action needs, built from the options the user gave on any level.
export interface Runtime {
  out: Output;
  secrets: Secrets;
  dbPath: string;
  env: NodeJS.ProcessEnv;
  login(): string;
  // Opens a session as --user, runs fn, and always closes it (the WAL is checkpointed on close).
  session<T>(fn: (ctx: Ctx, session: Session, password: string) => Promise<T>): Promise<T>;
  // One operation through the operation table: the CLI re-implements no rule.
  call<N extends OperationName>(name: N, input: unknown): Promise<OperationResult<N>>;
  // The terminal, for a command that asks before it acts (import's confirmation).
  cli: CliEnv;
}

const titles: Record<string, string> = {
  'Usage:': 'Использование:',
  'Options:': 'Опции:',
  'Arguments:': 'Аргументы:',
  'Commands:': 'Команды:',
  'Global Options:': 'Общие опции:',
};

function russianExtras(text: string): string {
  return text
    .replace(/\(choices: /, '(варианты: ')
    .replace(/, default: |\(default: /, (m) => (m.startsWith('(') ? '(по умолчанию: ' : ', по умолчанию: '))
    .replace(/(\(|, )env: /, (_m, lead: string) => `${lead}переменная окружения: `);
}

function russianUsage(text: string): string {
  return text.replace(/\[options\]/g, '[опции]').replace(/\[command\]/g, '[команда]');
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

// Commander speaks English; the desk reads Russian. Its messages have a fixed shape, so they are
// translated here, on one line, with a pointer to the help.
export function translateCommanderError(message: string): string {
  const m = message.replace(/^error:\s*/, '').trim();
  const did = /\n?\(Did you mean (?:one of )?(.+)\?\)$/.exec(m);
  const body = did ? m.slice(0, did.index).trim() : m;
  const hint = did ? ` (возможно, имелось в виду: ${did[1]})` : '';
  const rules: [RegExp, (...g: string[]) => string][] = [
    [/^unknown command '(.+)'$/, (c) => `неизвестная команда «${c}»`],
    [/^unknown option '(.+)'$/, (o) => `неизвестная опция «${o}»`],
    [/^missing required argument '(.+)'$/, (a) => `не указан обязательный аргумент «${a}»`],
    [/^option '(.+)' argument missing$/, (o) => `у опции «${o}» не указано значение`],
    [/^required option '(.+)' not specified$/, (o) => `не указана обязательная опция «${o}»`],
    [/^too many arguments(?: for '(.+)')?\..*$/s, (c) => (c ? `лишние аргументы у команды «${c}»` : 'лишние аргументы')],
    [/^option '(.+)' argument '(.*)' is invalid\. Allowed choices are (.+)\.$/s, (o, v, c) => `недопустимое значение «${v}» у опции «${o}»; допустимо: ${c}`],
    [/^option '(.+)' argument '(.*)' is invalid\. (.*)$/s, (o, v, r) => `неверное значение «${v}» у опции «${o}»: ${r}`],
    [
      /^command-argument value '(.*)' is invalid for argument '(.+)'\. Allowed choices are (.+)\.$/s,
      (v, a, c) => `недопустимое значение «${v}» аргумента «${a}»; допустимо: ${c}`,
    ],
    [/^command-argument value '(.*)' is invalid for argument '(.+)'\. (.*)$/s, (v, a, r) => `неверное значение «${v}» аргумента «${a}»: ${r}`],
    [/^(.+) cannot be used with (.+)$/, (a, b) => `${a} нельзя указывать вместе с ${b}`],
  ];
  for (const [re, fmt] of rules) {
    const g = re.exec(body);
    if (g) return oneLine(`${fmt(...g.slice(1).map((s) => s ?? ''))}${hint}`);
  }
  return oneLine(`${body}${hint}`);
}

export function buildProgram(cli: CliEnv, register: ((program: Command, rt: (cmd: Command) => Runtime) => void)[]): Command {
  const program = new Command('privacy-desk');
  program
    .description(
      'Privacy Desk — реестр персональных данных регистратуры клиники: субъекты, согласия, обращения, блокировки, уничтожение, журнал событий (152-ФЗ, 94-V).',
    )
    .version(version(), '-V, --version', 'показать версию программы')
    .helpOption('-h, --help', 'показать справку')
    .helpCommand('help [команда]', 'показать справку по команде')
    .configureHelp({
      showGlobalOptions: true,
      styleTitle: (str) => titles[str] ?? str,
      styleUsage: (str) => russianUsage(str),
      subcommandTerm: (cmd) => russianUsage(Help.prototype.subcommandTerm.call(new Help(), cmd)),
      optionDescription: (option) => russianExtras(Help.prototype.optionDescription.call(new Help(), option)),
      argumentDescription: (arg) => russianExtras(Help.prototype.argumentDescription.call(new Help(), arg)),
    })
    .configureOutput({
      writeOut: (str) => cli.streams.stdout(str),
      writeErr: (str) => cli.streams.stderr(str),
      outputError: (str, write) => write(`privacy-desk: ${translateCommanderError(str).replace(/\.$/, '')}. Справка: privacy-desk --help\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addOption(new Option('--db <файл>', 'файл реестра').env('PRIVACY_DESK_DB'))
    .addOption(new Option('--user <логин>', 'пользователь, от имени которого выполняется команда').env('PRIVACY_DESK_USER'))
    .option('--json', 'вывести результат одним JSON-объектом (даты ГГГГ-ММ-ДД)')
    .option('--password-stdin', 'читать пароль (и новые пароли, код восстановления) строками со стандартного ввода')
    .addHelpText(
      'after',
      [
        '',
        'Пароль берётся из --password-stdin, переменной PRIVACY_DESK_PASSWORD или запрашивается без отображения.',
        'Новый пароль (init, user add, user passwd, recover) — следующей строкой стандартного ввода, из PRIVACY_DESK_NEW_PASSWORD',
        '(для init — PRIVACY_DESK_PASSWORD) или дважды с клавиатуры; код восстановления — из PRIVACY_DESK_RECOVERY_CODE.',
        `Файл реестра по умолчанию: ${defaultDbPath({ env: { ...cli.env, PRIVACY_DESK_DB: undefined } })}`,
        'Коды выхода: 0 — успешно, 1 — реестр отказал (причина одной строкой), 2 — ошибка в вызове команды.',
      ].join('\n'),
    );

  const rt = (cmd: Command): Runtime => {
    const g = cmd.optsWithGlobals<Globals>();
    const out = new Output(g.json === true, cli.streams);
    const secrets = new Secrets({ stdin: g.passwordStdin === true, env: cli.env, input: cli.stdin, prompt: cli.prompt });
    const dbPath = resolve(g.db || defaultDbPath({ env: cli.env }));
    const login = () => {
      const l = g.user?.trim();
      if (!l) throw new UsageError('не указан пользователь: --user ЛОГИН или переменная PRIVACY_DESK_USER');
      return l;
    };
    const session = async <T>(fn: (ctx: Ctx, session: Session, password: string) => Promise<T>): Promise<T> => {
      const user = login();
      const password = await secrets.password(user);
      const s = await openRegister({ dbPath, login: user, password });
      for (const w of s.warnings) cli.streams.stderr(`privacy-desk: внимание: ${w}\n`);
      try {
        return await fn(s.ctx, s, password);
      } finally {
        s.close();
      }
    };
    return {
      out,
      secrets,
      dbPath,
      env: cli.env,
      login,
      session,
      call: (name, input) => session((ctx) => dispatch(ctx, name, input)),
      cli,
    };
  };

  for (const add of register) add(program, rt);
  return program;
}

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { dispatch } from '../api.ts';
import { type BackupResult, restoreBackup, unlockForRestore } from '../backup.ts';
import { RegisterError } from '../errors.ts';
import { normalizeLogin } from '../keyring.ts';
import { createRegister, openRegister, recoverAccess, restoreKeyring, type Session } from '../register.ts';
import { roles } from '../roles.ts';
import { humanTime, table, UsageError } from './io.ts';
import type { Runtime } from './program.ts';
import { envNames } from './secrets.ts';

// Setting up and running the installation: the register itself, users, keys, backups.

export const roleTitles: Record<string, string> = {
  receptionist: 'регистратор',
  manager: 'руководитель',
  administrator: 'администратор',
};

const recoveryInstruction = [
  'Распечатайте этот код (или перепишите от руки) и уберите в сейф или запирающийся шкаф.',
  'Он показан один раз и больше нигде не хранится в читаемом виде: только он откроет реестр, если все пароли будут утеряны.',
  'Не сохраняйте его в файле на этом компьютере и не пересылайте по почте или в мессенджере.',
];

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} МБ`;
}

export function registerAdminCommands(program: Command, rt: (cmd: Command) => Runtime): void {
  program
    .command('init')
    .description('Создать новый зашифрованный реестр и его первого пользователя; показать код восстановления')
    .requiredOption('--operator-name <название>', 'наименование оператора (клиники)')
    .requiredOption('--operator-address <адрес>', 'адрес оператора')
    .requiredOption('--tax-id <номер>', 'ИНН (10 или 12 цифр) или БИН (12 цифр)')
    .option('--ogrn <номер>', 'ОГРН (13 или 15 цифр)')
    .addOption(new Option('--jurisdiction <код>', 'юрисдикция: RU — 152-ФЗ, KZ — 94-V').choices(['RU', 'KZ']).default('RU'))
    .option('--admin-login <логин>', 'логин первого пользователя (по умолчанию — из --user)')
    .requiredOption('--admin-name <ФИО>', 'ФИО первого пользователя')
    .option('--admin-position <должность>', 'должность первого пользователя', '')
    .addOption(new Option('--admin-role <роль>', 'роль первого пользователя').choices(['administrator', 'manager']).default('administrator'))
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const r = rt(cmd);
      const login = o.adminLogin ?? cmd.optsWithGlobals<{ user?: string }>().user;
      if (!login) throw new UsageError('укажите логин первого пользователя: --admin-login ЛОГИН');
      const password = await r.secrets.newPassword(`Пароль пользователя ${login}`, envNames.password);
      mkdirSync(dirname(r.dbPath), { recursive: true, mode: 0o700 });
      const created = await createRegister({
        dbPath: r.dbPath,
        operator: { name: o.operatorName ?? '', address: o.operatorAddress ?? '', taxId: o.taxId ?? '', ...(o.ogrn ? { ogrn: o.ogrn } : {}) },
        jurisdiction: o.jurisdiction as 'RU' | 'KZ',
        admin: { login, fullName: o.adminName ?? '', position: o.adminPosition ?? '', password, role: o.adminRole as 'administrator' | 'manager' },
      });
      r.out.result({ dbPath: r.dbPath, registerId: created.registerId, adminLogin: normalizeLogin(login), recoveryCode: created.recoveryCode }, () => [
        `Реестр создан: ${r.dbPath}`,
        `Пользователь «${normalizeLogin(login)}» (${roleTitles[o.adminRole ?? ''] ?? o.adminRole}) может войти.`,
        '',
        `КОД ВОССТАНОВЛЕНИЯ:  ${created.recoveryCode}`,
        '',
        ...recoveryInstruction,
      ]);
    });

  const user = program.command('user').description('Пользователи программы: добавить, сменить пароль, отключить, список');
  user
    .command('add')
    .description('Добавить пользователя (руководитель или администратор)')
    .argument('<логин>', 'логин нового пользователя')
    .requiredOption('--name <ФИО>', 'ФИО сотрудника')
    .addOption(
      new Option('--role <роль>', 'роль: receptionist — регистратор, manager — руководитель, administrator — администратор')
        .choices(roles)
        .makeOptionMandatory(),
    )
    .option('--position <должность>', 'должность', '')
    .addOption(new Option('--language <язык>', 'язык интерфейса').choices(['ru', 'kk', 'en']).default('ru'))
    .action(async (login: string, o: Record<string, string>, cmd: Command) => {
      const r = rt(cmd);
      const added = await r.session(async (ctx) => {
        const password = await r.secrets.newPassword(`Пароль нового пользователя ${login}`);
        return dispatch(ctx, 'user.add', { login, fullName: o.name, role: o.role, position: o.position, language: o.language, password });
      });
      r.out.result(added, () => `Пользователь «${added.login}» добавлен (№${added.id}, ${roleTitles[added.role]}).`);
    });
  user
    .command('passwd')
    .description('Сменить пароль: свой (без логина) или чужой (руководитель, администратор)')
    .argument('[логин]', 'чей пароль сменить; по умолчанию свой')
    .action(async (target: string | undefined, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const result = await r.session(async (ctx, _s, password) => {
        const login = target ?? ctx.actor.login;
        const self = normalizeLogin(login) === ctx.actor.login;
        const newPassword = await r.secrets.newPassword(`Новый пароль пользователя ${login}`);
        await dispatch(ctx, 'user.passwd', { login, newPassword, ...(self ? { oldPassword: password } : {}) });
        return { ok: true, login: normalizeLogin(login), self };
      });
      r.out.result(result, () => `Пароль пользователя «${result.login}» изменён.`);
    });
  user
    .command('disable')
    .description('Отключить пользователя: его пароль больше не открывает реестр')
    .argument('<логин>', 'логин пользователя')
    .action(async (login: string, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      await r.call('user.disable', { login });
      r.out.result({ ok: true, login: normalizeLogin(login) }, () => `Пользователь «${normalizeLogin(login)}» отключён.`);
    });
  user
    .command('list')
    .description('Список пользователей')
    .action(async (_o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const users = await r.call('user.list', {});
      r.out.result({ users }, () =>
        table([
          ['№', 'Логин', 'ФИО', 'Должность', 'Роль', 'Состояние'],
          ...users.map((u) => [String(u.id), u.login, u.fullName, u.position || '—', roleTitles[u.role] ?? u.role, u.disabled ? 'отключён' : 'активен']),
        ]),
      );
    });

  program
    .command('recover')
    .description('Задать пользователю новый пароль по коду восстановления (когда пароли утеряны)')
    .argument('[логин]', 'чей пароль задать; по умолчанию из --user')
    .action(async (target: string | undefined, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const login = target ?? r.login();
      const code = await r.secrets.recoveryCode();
      const newPassword = await r.secrets.newPassword(`Новый пароль пользователя ${login}`);
      await recoverAccess({ dbPath: r.dbPath, code, login, newPassword });
      r.out.result({ ok: true, login: normalizeLogin(login) }, () => [
        `Пароль пользователя «${normalizeLogin(login)}» задан заново; использование кода записано в журнал.`,
        'Код восстановления продолжает действовать. Если он мог попасть в чужие руки, выпустите новый: privacy-desk recovery regenerate',
      ]);
    });

  program
    .command('recovery')
    .description('Код восстановления')
    .command('regenerate')
    .description('Выпустить новый код восстановления; старый перестаёт действовать')
    .action(async (_o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const { recoveryCode } = await r.call('recovery.regenerate', {});
      r.out.result({ recoveryCode }, () => [`НОВЫЙ КОД ВОССТАНОВЛЕНИЯ:  ${recoveryCode}`, '', 'Прежний код больше не действует.', ...recoveryInstruction]);
    });

  program
    .command('key')
    .description('Ключ шифрования реестра')
    .command('export-raw')
    .description('Показать сырой 256-битный ключ (64 hex) для штатного SQLCipher 4; только руководитель, записывается в журнал')
    .action(async (_o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const k = await r.call('key.exportRaw', {});
      r.out.result(k, () => [
        k.key,
        '',
        'Этот ключ открывает все данные реестра без пароля: храните его так же, как код восстановления.',
        `Штатный SQLCipher 4 (настройки по умолчанию): откройте файл и выполните ${k.pragma}`,
      ]);
    });

  program
    .command('keyring')
    .description('Файл ключей реестра')
    .command('restore')
    .description(
      'Заменить повреждённый или утерянный файл ключей копией (файл *.keyring рядом с резервной копией); копия проверяется: она от этого реестра, пароль открывает её ключ, ключ открывает реестр. Прежний файл сохраняется рядом',
    )
    .argument('<копия>', 'копия файла ключей (обычно backups/<имя копии>.keyring)')
    .addHelpText('after', '\nПароль — тот, что действовал на момент копии.')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const login = r.login();
      const password = await r.secrets.password(login);
      const result = await restoreKeyring({ dbPath: r.dbPath, copyPath: resolve(file), login, password });
      r.out.result({ ok: true, ...result, restoredFrom: resolve(file) }, () => [
        `Файл ключей восстановлен из копии ${resolve(file)} и проверен: он открывает этот реестр.`,
        result.damagedKeptAs ? `Прежний (повреждённый) файл ключей сохранён как ${result.damagedKeptAs}` : 'Прежнего файла ключей не было.',
        'Пароли и пользователи теперь такие, какими были на момент копии: если с тех пор их меняли, повторите изменения.',
      ]);
    });

  program
    .command('verify')
    .description('Проверить цепочку хешей журнала событий; при повреждении назвать первую испорченную запись')
    .action(async (_o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const v = await r.call('audit.verify', {});
      if (v.ok) {
        r.out.result(v, () => [`Журнал событий цел: ${v.rows} записей.`, `Хеш последней записи: ${v.head}`]);
        return;
      }
      throw new RegisterError('audit_broken', `Журнал событий повреждён: ${v.message}`, v);
    });

  program
    .command('backup')
    .description('Создать зашифрованную резервную копию (тем же ключом) с копией файла ключей; по умолчанию в папку backups рядом с реестром')
    .argument('[путь]', 'папка или имя файла копии')
    .action(async (path: string | undefined, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      // By name through the string overload: the backup operation lives in db/backup.ts.
      const b = (await r.session((ctx) => dispatch(ctx, 'backup.create' as string, path ? { path: resolve(path) } : {}))) as BackupResult;
      r.out.result(b, () => [
        `Резервная копия создана: ${b.path} (${megabytes(b.size)}, зашифрована ключом реестра)`,
        `Копия файла ключей: ${b.keyringPath}`,
        `Журнал событий в копии: ${b.auditRows} записей, хеш последней ${b.auditHead}`,
        `SHA-256 файла: ${b.sha256}`,
      ]);
    });

  program
    .command('restore')
    .description('Заменить реестр проверенной резервной копией (руководитель или администратор); прежний файл сохраняется рядом')
    .argument('<файл>', 'файл резервной копии')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const r = rt(cmd);
      const login = r.login();
      const password = await r.secrets.password(login);
      const backupPath = resolve(file);
      let session: Session | null = null;
      try {
        session = await openRegister({ dbPath: r.dbPath, login, password });
      } catch (err) {
        // A lost or damaged register is the usual reason to restore: the key then comes from the
        // keyring alone, and the role is checked in the backup.
        const code = (err as { code?: string }).code ?? '';
        if (!['register_missing', 'not_a_register', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes(code)) throw err;
      }
      let result: Awaited<ReturnType<typeof restoreBackup>>;
      if (session) {
        try {
          result = await restoreBackup({ dbPath: r.dbPath, backupPath, auth: { session } });
        } finally {
          session.close();
        }
      } else {
        const rawKey = await unlockForRestore({ dbPath: r.dbPath, backupPath, login, password });
        try {
          result = await restoreBackup({ dbPath: r.dbPath, backupPath, auth: { rawKey, login } });
        } finally {
          rawKey.fill(0);
        }
      }
      r.out.result(result, () => [
        `Реестр восстановлен из копии ${result.restoredFrom} (${result.auditRows} записей журнала, цепочка цела).`,
        result.replacedPath ? `Прежний файл сохранён как ${result.replacedPath}` : 'Прежнего файла не было.',
        ...(result.keyringRestored ? ['Файл ключей восстановлен из копии рядом с резервной копией.'] : []),
        `Восстановление записано в журнал (${humanTime(new Date().toISOString())}).`,
      ]);
    });
}

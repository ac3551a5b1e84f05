// One error type crosses every boundary (IPC, HTTP, CLI): a stable code for programs and one
// clear Russian sentence for people. Nothing personal goes into a message: messages end up in
// logs and on screens that other people can see.

export const errorMessages = {
  auth_failed: 'Неверный логин или пароль.',
  invalid_input: 'Неверные входные данные.',
  unknown_operation: 'Неизвестная операция.',
  forbidden: 'Недостаточно прав для этого действия.',
  not_found: 'Запись не найдена.',
  person_blocked: 'Запись заблокирована: изменение, новые согласия и маркетинговые рассылки запрещены до снятия блокировки.',
  person_destroyed: 'Данные субъекта уничтожены: осталась только запись об уничтожении.',
  duplicate_person: 'Такой телефон или e-mail уже есть в реестре.',
  invalid_phone: 'Неверный номер телефона.',
  invalid_email: 'Неверный адрес e-mail.',
  newer_schema: 'Файл реестра создан более новой версией программы. Файл не изменён; обновите программу.',
  not_a_register: 'Файл не является реестром Privacy Desk или повреждён.',
  register_exists: 'Реестр уже существует по этому пути.',
  register_missing: 'Реестр не найден по этому пути.',
  keyring_damaged: 'Файл ключей повреждён или не подходит к этому реестру.',
  user_disabled: 'Учётная запись отключена.',
  conflict: 'Действие невозможно в текущем состоянии записи.',
  append_only: 'Запись журнала нельзя изменить или удалить: журнал только дополняется.',
  manager_only: 'Это действие может выполнить только руководитель (роль «manager»).',
  deadline_not_configured: 'Срок для этого вида обращения не настроен в профиле юрисдикции.',
  calendar_missing: 'Производственный календарь на этот год не загружен.',
  audit_broken: 'Журнал событий повреждён.',
  backup_invalid: 'Резервная копия повреждена или не открывается ключом этого реестра; текущий реестр не изменён.',
  backup_foreign: 'Резервная копия относится к другому реестру; текущий реестр не изменён.',
  cancelled: 'Операция отменена; реестр не изменён.',
  locked: 'Реестр заблокирован: войдите снова.',
  io_error: 'Ошибка чтения или записи файла.',
  pack_invalid: 'Это не пакет для проверки: не папка пакета и не ZIP-архив, или архив повреждён.',
  pack_altered: 'Пакет для проверки изменён после создания.',
  register_in_use: 'Реестр уже открыт другой программой Privacy Desk на этом компьютере: закройте её и повторите.',
  too_many_attempts: 'Слишком много неудачных попыток входа: подождите и повторите.',
  disk_full: 'На диске закончилось место: действие не выполнено, реестр не изменён. Освободите место и повторите.',
  read_only: 'Папка или файл реестра доступны только для чтения: изменения сохранить нельзя.',
  register_damaged: 'Файл реестра повреждён. Восстановите его из резервной копии (Настройки → Резервные копии или команда privacy-desk restore <файл копии>).',
  internal: 'Внутренняя ошибка программы.',
} as const;

export type ErrorCode = keyof typeof errorMessages;

export class RegisterError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? errorMessages[code]);
    this.name = 'RegisterError';
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorMessages, value);
}

// Triggers in the schema abort with RAISE(ABORT, '<code>'); turn those into typed errors so a rule
// enforced in SQL reads the same to the caller as one enforced in TypeScript.
export function fromSqlite(err: unknown): unknown {
  if (err instanceof Error && (err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
    const code = err.message.trim();
    if (isErrorCode(code)) return new RegisterError(code);
    if (/UNIQUE constraint failed: persons\.(phone|email)/.test(err.message)) return new RegisterError('duplicate_person');
    return new RegisterError('conflict', `${errorMessages.conflict} (${err.message})`);
  }
  return err;
}

// What the user reads when the register refuses. The register's messages are Russian sentences
// written to be shown (db/errors.ts); in Russian they are shown as they are, in the other
// languages the code's translation leads and the register's own sentence follows when it says
// more than the generic text.
import i18next from 'i18next';
import { ClientError } from './client.ts';

export interface ShownError {
  code: string;
  text: string;
  detail?: string;
}

function isClientError(err: unknown): err is ClientError {
  return err instanceof ClientError || (err instanceof Error && typeof (err as { code?: unknown }).code === 'string');
}

export function errorCode(err: unknown): string | null {
  return isClientError(err) ? err.code : null;
}

export function describeError(err: unknown): ShownError {
  const t = i18next.t.bind(i18next);
  if (!isClientError(err)) return { code: 'unknown', text: t('errors.unknown') };
  const key = `errors.${err.code}`;
  const known = i18next.exists(key);
  const message = err.message.trim();
  if (i18next.resolvedLanguage === 'ru' || !i18next.resolvedLanguage) {
    return { code: err.code, text: message || (known ? i18next.t(key as 'errors.unknown') : t('errors.unknown')) };
  }
  const text = known ? i18next.t(key as 'errors.unknown') : t('errors.unknown');
  const generic = known ? i18next.getFixedT('ru')(key as 'errors.unknown') : '';
  return message && message !== generic ? { code: err.code, text, detail: message } : { code: err.code, text };
}

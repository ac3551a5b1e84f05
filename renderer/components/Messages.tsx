import { useTranslation } from 'react-i18next';
import { describeError } from '../api/errors.ts';

// A refusal from the register or the host, announced as it appears.
export function ErrorBox({ error, text }: { error?: unknown; text?: string }) {
  const { t } = useTranslation();
  const shown = text !== undefined ? { text, detail: undefined } : describeError(error);
  return (
    <div className="message message-error" role="alert">
      <p className="message-title">{shown.text}</p>
      {shown.detail && <p className="message-detail">{t('common.errorDetail', { message: shown.detail })}</p>}
    </div>
  );
}

export function Notice({ children }: { children: string }) {
  return (
    <div className="message message-info" role="status">
      <p className="message-title">{children}</p>
    </div>
  );
}

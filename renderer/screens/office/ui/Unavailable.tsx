import { useTranslation } from 'react-i18next';

// An operation this version of the register does not have yet.
export function Unavailable() {
  const { t } = useTranslation();
  return (
    <div className="message message-info" role="status">
      <p className="message-title">{t('office.unavailable')}</p>
    </div>
  );
}

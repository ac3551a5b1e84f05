import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../../api/context.ts';
import { ErrorBox } from '../../../components/Messages.tsx';
import { isLanguage, type Language, languages, setLanguage } from '../../../i18n/index.ts';
import { toast } from '../../../state/toast.ts';
import { Section } from './Section.tsx';

// The user's own interface language: remembered in the register for this user (user.setLanguage)
// and applied at once.
export function LanguageSection() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const current = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'ru';
  const [value, setValue] = useState<Language>(current);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.call('user.setLanguage', { language: value });
      await setLanguage(value);
      toast.success(i18n.getFixedT(value)('office.settings.language.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t('office.settings.language.title')} lead={t('office.settings.language.lead')} testId="settings-language">
      <form noValidate onSubmit={(e) => void submit(e)}>
        <fieldset className="choice-group">
          <legend>{t('office.settings.language.choose')}</legend>
          {languages.map((lng) => (
            <label key={lng} className="choice" lang={lng}>
              <input type="radio" name="language" value={lng} checked={value === lng} onChange={() => setValue(lng)} />
              <span>{t(`languages.${lng}`)}</span>
            </label>
          ))}
        </fieldset>
        {error !== null && <ErrorBox error={error} />}
        <div className="actions actions-start">
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('office.common.save')}
          </button>
        </div>
      </form>
    </Section>
  );
}

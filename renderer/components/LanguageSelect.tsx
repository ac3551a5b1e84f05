import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { isLanguage, type Language, languages, setLanguage } from '../i18n/index.ts';

// The interface language. `onChosen` lets the signed-in frame remember the choice for the user.
export function LanguageSelect({ onChosen }: { onChosen?: (lng: Language) => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="language-select">
      <label htmlFor={id} className="visually-hidden">
        {t('app.language')}
      </label>
      <select
        id={id}
        value={i18n.resolvedLanguage}
        onChange={(e) => {
          const lng = e.target.value;
          if (!isLanguage(lng)) return;
          void setLanguage(lng);
          onChosen?.(lng);
        }}
      >
        {languages.map((lng) => (
          <option key={lng} value={lng} lang={lng}>
            {t(`languages.${lng}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

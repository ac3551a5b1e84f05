import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSelect } from './LanguageSelect.tsx';

// The frame of the screens shown before anyone is signed in: the app's name, the language, and
// one centred card.
export function Shell({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="shell">
      <header className="topbar no-print">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <LanguageSelect />
      </header>
      <main className={`card${wide ? ' card-wide' : ''}`}>{children}</main>
    </div>
  );
}

// The frame of every screen after unlock: the bar with the app's name, today's date, the user and
// role, the language and the lock button; the navigation between sections; the toasts; and a
// "skip to content" link for keyboard users. The sections come from the caller (App.tsx), so the
// frame knows nothing of the desk or the office.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Actor } from '../../db/context.ts';
import { formatDate } from '../format/date.ts';
import type { Language } from '../i18n/index.ts';
import { Kbd } from './Kbd.tsx';
import { LanguageSelect } from './LanguageSelect.tsx';
import { Toasts } from './Toasts.tsx';

export interface NavItem {
  id: string;
  label: string;
  current: boolean;
  onSelect: () => void;
  // A key shown next to the label and announced (aria-keyshortcuts).
  shortcut?: string;
}

export interface AppFrameProps {
  actor: Actor | null;
  nav: NavItem[];
  onLock: () => void;
  onLanguage?: (lng: Language) => void;
  children: ReactNode;
}

export const mainContentId = 'main-content';

export function AppFrame({ actor, nav, onLock, onLanguage, children }: AppFrameProps) {
  const { t } = useTranslation();
  return (
    <div className="app">
      <a className="skip-link" href={`#${mainContentId}`}>
        {t('shell.skipToContent')}
      </a>
      <header className="appbar no-print">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('home.today', { date: formatDate(new Date()) })}</span>
        </div>
        <div className="appbar-tools">
          {actor && (
            <p className="user">
              <span className="visually-hidden">{t('home.user')}: </span>
              <span className="user-name">{actor.fullName}</span>
              <span className="user-role">{t(`roles.${actor.role}`)}</span>
            </p>
          )}
          <LanguageSelect onChosen={onLanguage} />
          <button type="button" className="button button-lock" onClick={onLock}>
            {t('home.lock')}
          </button>
        </div>
      </header>
      {nav.length > 0 && (
        <nav className="navbar no-print" aria-label={t('shell.navigation')}>
          <ul>
            {nav.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  className="nav-item"
                  aria-current={item.current ? 'page' : undefined}
                  aria-keyshortcuts={item.shortcut}
                  onClick={item.onSelect}
                  data-nav={item.id}
                >
                  <span>{item.label}</span>
                  {item.shortcut && <Kbd>{item.shortcut}</Kbd>}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id={mainContentId} className="workspace" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </div>
  );
}

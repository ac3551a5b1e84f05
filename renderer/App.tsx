import { type ComponentType, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Actor } from '../db/context.ts';
import { useClient } from './api/context.ts';
import { AppFrame, type NavItem } from './components/AppFrame.tsx';
import { ErrorBox } from './components/Messages.tsx';
import { Shell } from './components/Shell.tsx';
import { isLanguage, type Language, setLanguage } from './i18n/index.ts';
import { listenForFormCodes } from './screens/desk/form-code.ts';
import { NewPerson } from './screens/desk/NewPerson.tsx';
import { PersonCard } from './screens/desk/PersonCard.tsx';
import { FirstStart } from './screens/FirstStart.tsx';
import { Home, searchInputId, searchShortcut } from './screens/Home.tsx';
import { type OfficeRoute, officeRoutes } from './screens/office/routes.ts';
import { Recover } from './screens/Recover.tsx';
import { Unlock } from './screens/Unlock.tsx';
import { sectionOf, useNav } from './state/nav.ts';
import { useSession } from './state/session.ts';

export function App() {
  const client = useClient();
  const screen = useSession((s) => s.screen);
  const start = useSession((s) => s.start);
  const lockedOut = useSession((s) => s.lockedOut);

  useEffect(() => {
    void start(client);
  }, [client, start]);
  // Idle lock, OS lock and the lock button all end here, whichever host noticed.
  useEffect(() => client.onLocked(lockedOut), [client, lockedOut]);

  switch (screen.name) {
    case 'loading':
      return <Loading />;
    case 'fatal':
      return <Fatal error={screen.error} />;
    case 'first-start':
      return <FirstStart />;
    case 'unlock':
      // A fresh form each time the host locks: nothing typed before survives.
      return <Unlock key={`${screen.notice ?? ''}:${screen.login ?? ''}`} notice={screen.notice} login={screen.login} />;
    case 'recover':
      return <Recover login={screen.login} />;
    case 'home':
      return <Workspace />;
  }
}

// Browser mode has no push channel: a lock by the host (idle, OS lock) is noticed by the next call
// or by this check, so personal data does not stay on an unattended screen.
const lockCheckEvery = 5_000;

export function visibleOfficeRoutes(routes: readonly OfficeRoute[], actor: Actor | null): OfficeRoute[] {
  return actor ? routes.filter((r) => r.roles.includes(actor.role)) : [];
}

function modalOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}

// Everything after unlock: the frame, the sections the user's role may see, and the screen of the
// current route. The office sections come from screens/office/routes.ts.
function Workspace() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const actor = useSession((s) => s.actor);
  const lockedOut = useSession((s) => s.lockedOut);
  const route = useNav((s) => s.route);
  const go = useNav((s) => s.go);
  const focusSearch = useNav((s) => s.focusSearch);
  const office = useMemo(() => visibleOfficeRoutes(officeRoutes, actor), [actor]);

  useEffect(() => {
    const timer = setInterval(() => {
      client.status().then(
        (s) => {
          if (!s.unlocked) lockedOut();
        },
        () => {
          // The host is unreachable: the next call says so where the user sees it.
        },
      );
    }, lockCheckEvery);
    return () => clearInterval(timer);
  }, [client, lockedOut]);

  // The user's own language, remembered in the register; applied once per sign-in (a change made
  // later is saved by onLanguage, and must not be undone here).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the language is read, not followed
  useEffect(() => {
    let live = true;
    client.call('user.me', {}).then(
      (me) => {
        if (live && isLanguage(me.language) && me.language !== i18n.resolvedLanguage) void setLanguage(me.language);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);

  // F2 from anywhere: to the search field (not while a dialog holds a half-filled form).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== searchShortcut || e.ctrlKey || e.altKey || e.metaKey || modalOpen()) return;
      e.preventDefault();
      focusSearch();
      document.getElementById(searchInputId)?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [focusSearch]);

  // A consent form's code typed or scanned anywhere opens that person's card at that purpose.
  useEffect(
    () =>
      listenForFormCodes(window, {
        isHome: (el) => el.id === searchInputId,
        onCode: (code) =>
          go({ name: 'person', id: code.personId, intent: { kind: 'paper-consent', purpose: code.purpose, formVersion: code.formVersion, nonce: Date.now() } }),
      }),
    [go],
  );

  const lock = async () => {
    try {
      await client.lock();
    } finally {
      lockedOut();
    }
  };

  const onLanguage = (lng: Language) => {
    void client.call('user.setLanguage', { language: lng }).catch(() => undefined);
  };

  const section = sectionOf(route);
  const nav: NavItem[] = [
    { id: 'search', label: t('shell.search'), current: section === 'search', onSelect: focusSearch, shortcut: searchShortcut },
    ...office.map((r) => ({
      id: `office:${r.id}`,
      // Labels live in the office's translation file; the key is only known at run time.
      label: t(r.labelKey as 'shell.search'),
      current: section === `office:${r.id}`,
      onSelect: () => go({ name: 'office', id: r.id }),
    })),
  ];

  return (
    <AppFrame actor={actor} nav={nav} onLock={() => void lock()} onLanguage={onLanguage}>
      <Route office={office} />
    </AppFrame>
  );
}

function Route({ office }: { office: OfficeRoute[] }) {
  const route = useNav((s) => s.route);
  switch (route.name) {
    case 'search':
      return <Home />;
    case 'new-person':
      return <NewPerson prefill={route.prefill} />;
    case 'person':
      return <PersonCard key={route.id} id={route.id} intent={route.intent} />;
    case 'office': {
      const found = office.find((r) => r.id === route.id);
      if (!found) return <Home />;
      const Screen: ComponentType = found.component;
      return <Screen />;
    }
  }
}

function Loading() {
  const { t } = useTranslation();
  return (
    <Shell>
      <p className="loading" role="status">
        {t('app.loading')}
      </p>
    </Shell>
  );
}

function Fatal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const client = useClient();
  const start = useSession((s) => s.start);
  return (
    <Shell>
      <h1>{t('fatal.title')}</h1>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => void start(client)}>
          {t('fatal.retry')}
        </button>
      </div>
    </Shell>
  );
}

import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from './api/context.ts';
import { ErrorBox } from './components/Messages.tsx';
import { Shell } from './components/Shell.tsx';
import { FirstStart } from './screens/FirstStart.tsx';
import { Home } from './screens/Home.tsx';
import { Recover } from './screens/Recover.tsx';
import { Unlock } from './screens/Unlock.tsx';
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
      return <Home />;
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

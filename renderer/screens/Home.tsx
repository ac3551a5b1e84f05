// The home screen: one search field, focused on arrival, results as the desk types. The person
// card, new person and the rest of the reception work arrive with issue 4 on this frame.
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationResult } from '../api/client.ts';
import { useClient } from '../api/context.ts';
import { errorCode } from '../api/errors.ts';
import { useFocusOnMount } from '../components/focus.ts';
import { LanguageSelect } from '../components/LanguageSelect.tsx';
import { ErrorBox } from '../components/Messages.tsx';
import { formatDate } from '../format/date.ts';
import { formatPhone } from '../format/phone.ts';
import { useSession } from '../state/session.ts';

type FindResult = OperationResult<'person.find'>;

type SearchState =
  | { status: 'idle' }
  | { status: 'searching' }
  | { status: 'done'; result: FindResult }
  | { status: 'unavailable' }
  | { status: 'failed'; error: unknown };

const searchLimit = 50;
// Long enough to skip the keystrokes of a fast typist, short enough to feel immediate.
const typingPause = 120;
// Browser mode has no push channel: a lock by the host (idle, OS lock) is noticed by the next call
// or by this check, so personal data does not stay on an unattended screen.
const lockCheckEvery = 5_000;

export function Home() {
  const { t } = useTranslation();
  const client = useClient();
  const actor = useSession((s) => s.actor);
  const lockedOut = useSession((s) => s.lockedOut);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<SearchState>({ status: 'idle' });
  const searchRef = useRef<HTMLInputElement>(null);
  const hintId = useId();
  useFocusOnMount(searchRef);

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

  useEffect(() => {
    if (query.trim() === '') {
      setSearch({ status: 'idle' });
      return;
    }
    let stale = false;
    const timer = setTimeout(async () => {
      setSearch({ status: 'searching' });
      try {
        const result = await client.call('person.find', { query, limit: searchLimit });
        if (!stale) setSearch({ status: 'done', result });
      } catch (error) {
        if (stale) return;
        setSearch(errorCode(error) === 'unknown_operation' ? { status: 'unavailable' } : { status: 'failed', error });
      }
    }, typingPause);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [client, query]);

  const lock = async () => {
    try {
      await client.lock();
    } finally {
      lockedOut();
    }
  };

  return (
    <div className="app">
      <header className="appbar">
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
          <LanguageSelect />
          <button type="button" className="button button-lock" onClick={() => void lock()}>
            {t('home.lock')}
          </button>
        </div>
      </header>
      <main className="workspace">
        <h1 className="visually-hidden">{t('home.title')}</h1>
        <search className="search">
          <label htmlFor="search-input" className="search-label">
            {t('home.searchLabel')}
          </label>
          <input
            ref={searchRef}
            id="search-input"
            className="search-input"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-describedby={hintId}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
          />
          <p id={hintId} className="field-hint">
            {t('home.searchHint')}
          </p>
        </search>
        <SearchResults state={search} />
      </main>
    </div>
  );
}

function SearchResults({ state }: { state: SearchState }) {
  const { t } = useTranslation();
  let status = '';
  if (state.status === 'searching') status = t('home.searching');
  else if (state.status === 'unavailable') status = t('home.unavailable');
  else if (state.status === 'done') {
    const { mode, items, more } = state.result;
    if (mode === 'none') status = t('home.typeMore');
    else if (items.length === 0) status = t('home.noResults');
    else status = more ? t('home.more', { count: items.length }) : t('home.results', { count: items.length });
  }
  return (
    <section className="results" aria-label={t('home.resultsLabel')}>
      <p className="results-status" role="status">
        {status}
      </p>
      {state.status === 'failed' && <ErrorBox error={state.error} />}
      {state.status === 'done' && state.result.items.length > 0 && (
        <ul className="results-list">
          {state.result.items.map((p) => (
            <li key={p.id} className="person-row">
              <span className="person-name">{p.fullName}</span>
              <Contact label={t('home.phone')} value={p.phone ? formatPhone(p.phone) : null} kind="phone" />
              <Contact label={t('home.email')} value={p.email} kind="email" />
              <span className="chips">
                {p.blocked && <span className="chip chip-blocked">{t('home.blocked')}</span>}
                {p.needsVerification && <span className="chip chip-verify">{t('home.needsVerification')}</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// The column says what it is by its format; the label is there for screen readers.
function Contact({ label, value, kind }: { label: string; value: string | null; kind: 'phone' | 'email' }) {
  const { t } = useTranslation();
  return (
    <span className={`person-contact person-${kind}`}>
      <span className="visually-hidden">{label}: </span>
      {value ?? (
        <>
          <span aria-hidden="true" className="person-none">
            —
          </span>
          <span className="visually-hidden">{t('home.noContact')}</span>
        </>
      )}
    </span>
  );
}

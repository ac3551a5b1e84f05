// The home screen: search. One field, focused on arrival and by the global shortcut (F2); results
// as the desk types, by name, phone digits or e-mail; arrow keys and Enter open a person. The list
// is virtualised, so however many rows come back only the visible ones are in the page.
//
// No typing pause: each keystroke asks at once, with at most one question in flight; keystrokes
// that arrive meanwhile collapse into the latest one, which is asked as soon as the answer comes.
// An answer is shown only if it is for what the field says now.
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PersonHit } from '../../db/search.ts';
import { useClient } from '../api/context.ts';
import { errorCode } from '../api/errors.ts';
import { ActionButton } from '../components/ActionButton.tsx';
import { Chip } from '../components/Chip.tsx';
import { Kbd } from '../components/Kbd.tsx';
import { ErrorBox } from '../components/Messages.tsx';
import { formatPhone } from '../format/phone.ts';
import { type NewPersonPrefill, useNav } from '../state/nav.ts';
import { type SearchStatus, useSearch } from '../state/search.ts';
import { looksLikeFormCode } from './desk/form-code.ts';

declare global {
  interface Window {
    // Set only by test/bench/ui-search.ts: told when an answer has been painted. Unset in use.
    __pdSearchPainted?: (query: string, at: number) => void;
  }
}

// person.find's ceiling; the list is virtualised, so showing all of them costs nothing.
export const searchLimit = 200;
export const rowHeight = 64;
export const searchShortcut = 'F2';
export const searchInputId = 'search-input';

function prefillFrom(query: string): NewPersonPrefill {
  const q = query.trim();
  if (q.includes('@')) return { email: q };
  if (/^[\d\s()+\-.]+$/.test(q) && /\d{3}/.test(q.replace(/\D/g, ''))) return { phone: q };
  return q ? { fullName: q } : {};
}

export function Home() {
  const { t } = useTranslation();
  const client = useClient();
  const query = useSearch((s) => s.query);
  const state = useSearch((s) => s.state);
  const active = useSearch((s) => s.active);
  const { setQuery, setState, setActive } = useSearch.getState();
  const go = useNav((s) => s.go);
  const searchFocus = useNav((s) => s.searchFocus);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const listId = useId();
  const inFlight = useRef(false);
  const queued = useRef<string | null>(null);
  // Enter pressed before the answer for what is typed arrived: open its first row when it does.
  const openWhenAnswered = useRef<string | null>(null);

  // Focused on arrival and each time the shortcut is pressed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: searchFocus is the trigger
  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [searchFocus]);

  const ask = useCallback(
    (q: string) => {
      if (inFlight.current) {
        queued.current = q;
        return;
      }
      inFlight.current = true;
      client
        .call('person.find', { query: q, limit: searchLimit })
        .then(
          (result) => {
            if (useSearch.getState().query !== q) return;
            setState({ status: 'done', query: q, result });
            setActive(result.items.length > 0 ? 0 : -1);
            const first = result.items[0];
            if (openWhenAnswered.current === q && first) useNav.getState().go({ name: 'person', id: first.id });
            openWhenAnswered.current = null;
          },
          (error) => {
            if (useSearch.getState().query !== q) return;
            setState(errorCode(error) === 'unknown_operation' ? { status: 'unavailable' } : { status: 'failed', error });
          },
        )
        .finally(() => {
          inFlight.current = false;
          const next = queued.current;
          queued.current = null;
          if (next !== null && next === useSearch.getState().query) ask(next);
        });
    },
    [client, setState, setActive],
  );

  const onType = (value: string) => {
    setQuery(value);
    openWhenAnswered.current = null;
    if (value.trim() === '' || looksLikeFormCode(value)) {
      queued.current = null;
      setState({ status: 'idle' });
      setActive(-1);
      return;
    }
    if (state.status !== 'done') setState({ status: 'searching' });
    ask(value);
  };

  const items = state.status === 'done' ? state.result.items : [];
  const open = (p: PersonHit) => go({ name: 'person', id: p.id });

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => rowHeight,
    overscan: 6,
  });

  useEffect(() => {
    if (active >= 0 && active < items.length) virtualizer.scrollToIndex(active, { align: 'auto' });
  }, [active, items.length, virtualizer]);

  // A new answer starts at the top of the list.
  useEffect(() => {
    if (state.status === 'done' && listRef.current) listRef.current.scrollTop = 0;
  }, [state]);

  // The benchmark's probe: after React has committed the answer, the next frame, then the task
  // after it (the frame has been painted by then).
  useEffect(() => {
    const probe = window.__pdSearchPainted;
    if (!probe || state.status !== 'done') return;
    const q = state.query;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => probe(q, performance.now());
      channel.port2.postMessage(null);
    });
  }, [state]);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const last = items.length - 1;
    const move = (to: number) => {
      e.preventDefault();
      if (last >= 0) setActive(Math.max(0, Math.min(last, to)));
    };
    switch (e.key) {
      case 'ArrowDown':
        return move(active + 1);
      case 'ArrowUp':
        return move(active - 1);
      case 'PageDown':
        return move(active + 10);
      case 'PageUp':
        return move(active - 10);
      case 'Enter': {
        e.preventDefault();
        const answered = state.status === 'done' && state.query === query;
        const p = items[Math.max(active, 0)];
        if (answered && p) open(p);
        else if (!answered && query.trim() !== '') openWhenAnswered.current = query;
        return;
      }
      case 'Escape':
        if (query !== '') {
          e.preventDefault();
          onType('');
        }
        return;
    }
  };

  const activeId = active >= 0 && items[active] ? `${listId}-${items[active].id}` : undefined;
  return (
    <div className="screen-search">
      <h1 className="visually-hidden">{t('home.title')}</h1>
      <HostWarnings />
      <search className="search">
        <div className="search-head">
          <label htmlFor={searchInputId} className="search-label">
            {t('home.searchLabel')}
          </label>
          <ActionButton variant="primary" onClick={() => go({ name: 'new-person', prefill: prefillFrom(query) })} data-testid="new-person">
            {t('desk.search.newPerson')}
          </ActionButton>
        </div>
        <input
          ref={inputRef}
          id={searchInputId}
          className="search-input"
          type="search"
          value={query}
          onChange={(e) => onType(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby={hintId}
          aria-controls={items.length > 0 ? listId : undefined}
          aria-activedescendant={activeId}
          aria-keyshortcuts={searchShortcut}
          autoComplete="off"
          spellCheck={false}
          maxLength={200}
        />
        <p id={hintId} className="field-hint search-hint">
          {t('home.searchHint')}. {t('desk.search.keys')} <Kbd>{searchShortcut}</Kbd>
        </p>
      </search>
      <section className="results" aria-label={t('home.resultsLabel')}>
        <p className="results-status" role="status">
          <StatusText state={state} query={query} />
        </p>
        {state.status === 'failed' && <ErrorBox error={state.error} />}
        {state.status === 'done' && state.result.items.length === 0 && state.result.mode !== 'none' && (
          <p className="results-empty">
            <ActionButton variant="link" onClick={() => go({ name: 'new-person', prefill: prefillFrom(query) })}>
              {t('desk.search.addAsNew', { query: query.trim() })}
            </ActionButton>
          </p>
        )}
        {items.length > 0 && (
          <div ref={listRef} className="results-scroll" data-testid="results-scroll">
            <div
              id={listId}
              role="listbox"
              aria-label={t('home.resultsLabel')}
              className="results-list"
              // The list's full height: rows are placed inside it by offset.
              style={{ height: virtualizer.getTotalSize() }}
            >
              {virtualizer.getVirtualItems().map((v) => {
                const p = items[v.index]!;
                return (
                  // The keyboard stays in the search field (aria-activedescendant); a row is for the mouse.
                  // biome-ignore lint/a11y/useKeyWithClickEvents: arrows and Enter are handled by the search field
                  <div
                    key={p.id}
                    id={`${listId}-${p.id}`}
                    role="option"
                    tabIndex={-1}
                    aria-selected={v.index === active}
                    className={`person-row${v.index === active ? ' is-active' : ''}`}
                    style={{ transform: `translateY(${v.start}px)`, height: rowHeight }}
                    onClick={() => open(p)}
                    onMouseDown={(e) => e.preventDefault()}
                    data-index={v.index}
                  >
                    <span className="person-name" title={p.fullName}>
                      {p.fullName}
                    </span>
                    <Contact label={t('home.phone')} value={p.phone ? formatPhone(p.phone) : null} kind="phone" />
                    <Contact label={t('home.email')} value={p.email} kind="email" />
                    <span className="chips">
                      {p.blocked && (
                        <Chip tone="danger" className="chip-blocked">
                          {t('home.blocked')}
                        </Chip>
                      )}
                      {p.needsVerification && (
                        <Chip tone="warn" className="chip-verify">
                          {t('home.needsVerification')}
                        </Chip>
                      )}
                    </span>
                  </div>
                );
              })}
            </div>
          </div>
        )}
      </section>
    </div>
  );
}

function StatusText({ state, query }: { state: SearchStatus; query: string }): string {
  const { t } = useTranslation();
  if (looksLikeFormCode(query)) return t('desk.search.formCode');
  switch (state.status) {
    case 'searching':
      return t('home.searching');
    case 'unavailable':
      return t('home.unavailable');
    case 'done': {
      const { mode, items, more } = state.result;
      if (mode === 'none') return t('home.typeMore');
      if (items.length === 0) return t('home.noResults');
      return more ? t('home.more', { count: items.length }) : t('home.results', { count: items.length });
    }
    default:
      return '';
  }
}

// The column says what it is by its format; the label is there for screen readers.
function Contact({ label, value, kind }: { label: string; value: string | null; kind: 'phone' | 'email' }) {
  const { t } = useTranslation();
  return (
    <span className={`person-contact person-${kind}`} title={value ?? undefined}>
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

// How often Home asks the host again for warnings: a scheduled backup may fail while the desk
// sits on this screen all day.
const warningsRefreshMs = 60_000;

// What opening the register found and mended, and a failed scheduled backup (the host shows the
// latter only to roles that run backups). Texts come from the register, already in Russian.
function HostWarnings() {
  const { t } = useTranslation();
  const client = useClient();
  const go = useNav((s) => s.go);
  const [shown, setShown] = useState<{ warnings: string[]; backupWarning: string | null }>({ warnings: [], backupWarning: null });
  useEffect(() => {
    let alive = true;
    const ask = () =>
      client.status().then(
        (s) => {
          if (alive) setShown({ warnings: s.warnings ?? [], backupWarning: s.backupWarning ?? null });
        },
        // A host that cannot answer now shows its own error elsewhere; the banner just waits.
        () => {},
      );
    void ask();
    const timer = setInterval(() => void ask(), warningsRefreshMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [client]);
  if (shown.warnings.length === 0 && !shown.backupWarning) return null;
  return (
    <div className="home-warnings" data-testid="home-warnings">
      {shown.warnings.length > 0 && (
        <div className="message message-warning" role="alert">
          <p className="message-title">{t('home.warningsTitle')}</p>
          {shown.warnings.map((w) => (
            <p key={w} className="message-detail">
              {w}
            </p>
          ))}
        </div>
      )}
      {shown.backupWarning && (
        <div className="message message-warning" role="alert" data-testid="home-backup-warning">
          <p className="message-title">{t('home.backupWarningTitle')}</p>
          <p className="message-detail">{shown.backupWarning}</p>
          <ActionButton variant="link" onClick={() => go({ name: 'office', id: 'settings' })}>
            {t('home.backupWarningAction')}
          </ActionButton>
        </div>
      )}
    </div>
  );
}

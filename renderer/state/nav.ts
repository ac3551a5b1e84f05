// Where the signed-in user is: which section and, inside the desk, which person. The office
// screens (renderer/screens/office/) open a person's card the same way:
//   useNav.getState().go({ name: 'person', id });
// Nothing here is written to the URL or to storage: personal data (a person's id on screen) does
// not outlive the session, and a lock resets it (session.ts).
import { create } from 'zustand';

// A printed consent form's code was scanned: open the card at that purpose, ready to record the
// signed form. `nonce` tells a second scan of the same form from a re-render.
export interface PaperConsentIntent {
  kind: 'paper-consent';
  purpose: string;
  formVersion?: string;
  nonce: number;
}

export interface NewPersonPrefill {
  fullName?: string;
  phone?: string;
  email?: string;
}

export type Route =
  | { name: 'search' }
  | { name: 'new-person'; prefill?: NewPersonPrefill }
  | { name: 'person'; id: number; intent?: PaperConsentIntent }
  | { name: 'office'; id: string };

interface NavState {
  route: Route;
  // Previous routes, for the card's "back" button (bounded: the desk goes back one or two steps).
  history: Route[];
  // Bumped by the global shortcut; the search screen focuses its field whenever it changes.
  searchFocus: number;
  go(route: Route, options?: { replace?: boolean }): void;
  back(): void;
  focusSearch(): void;
  reset(): void;
}

const maxHistory = 20;

export const useNav = create<NavState>()((set, get) => ({
  route: { name: 'search' },
  history: [],
  searchFocus: 0,
  go: (route, options) => {
    const { route: current, history } = get();
    set({ route, history: options?.replace ? history : [...history, current].slice(-maxHistory) });
  },
  back: () => {
    const { history } = get();
    const previous = history.at(-1);
    set({ route: previous ?? { name: 'search' }, history: history.slice(0, -1) });
  },
  focusSearch: () => {
    const { route, history, searchFocus } = get();
    set({
      route: { name: 'search' },
      history: route.name === 'search' ? history : [...history, route].slice(-maxHistory),
      searchFocus: searchFocus + 1,
    });
  },
  reset: () => set({ route: { name: 'search' }, history: [], searchFocus: 0 }),
}));

// Which navigation section a route belongs to (the desk's person screens live under search).
export function sectionOf(route: Route): string {
  return route.name === 'office' ? `office:${route.id}` : 'search';
}

// Which screen the app shows and who is signed in. The register itself (and its key) lives in the
// host; this holds only what the page needs to draw.
import { create } from 'zustand';
import type { Actor } from '../../db/context.ts';
import type { RegisterClient } from '../api/client.ts';
import { useNav } from './nav.ts';
import { usePersonCard } from './person.ts';
import { forgetSettings } from './register-settings.ts';
import { useSearch } from './search.ts';
import { useToasts } from './toast.ts';

export type UnlockNotice = 'locked' | 'created' | 'recovered';

export type Screen =
  | { name: 'loading' }
  | { name: 'fatal'; error: unknown }
  | { name: 'first-start' }
  | { name: 'unlock'; notice?: UnlockNotice; login?: string }
  | { name: 'recover'; login?: string }
  | { name: 'home' };

export interface SessionState {
  screen: Screen;
  actor: Actor | null;
  show(screen: Screen): void;
  signedIn(actor: Actor): void;
  // The host locked the register (idle, OS lock, the lock button): back to the unlock screen.
  lockedOut(): void;
  start(client: RegisterClient): Promise<void>;
}

// What the last user saw (the query typed, the card open, the toasts) is not for the next one.
function forgetWorkspace(): void {
  useNav.getState().reset();
  useSearch.getState().reset();
  usePersonCard.getState().reset();
  useToasts.getState().clear();
  forgetSettings();
}

export const useSession = create<SessionState>()((set, get) => ({
  screen: { name: 'loading' },
  actor: null,
  show: (screen) => set({ screen }),
  signedIn: (actor) => {
    forgetWorkspace();
    set({ actor, screen: { name: 'home' } });
  },
  lockedOut: () => {
    if (get().actor === null && get().screen.name !== 'home') return;
    forgetWorkspace();
    set({ actor: null, screen: { name: 'unlock', notice: 'locked' } });
  },
  start: async (client) => {
    set({ screen: { name: 'loading' } });
    try {
      const status = await client.status();
      if (!status.registerExists) set({ actor: null, screen: { name: 'first-start' } });
      else if (status.unlocked && status.actor) set({ actor: status.actor, screen: { name: 'home' } });
      else set({ actor: null, screen: { name: 'unlock' } });
    } catch (error) {
      set({ actor: null, screen: { name: 'fatal', error } });
    }
  },
}));

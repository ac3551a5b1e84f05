// The search screen's query and last answer, kept while the desk opens a card and comes back.
// Cleared on lock with everything else personal.
import { create } from 'zustand';
import type { OperationResult } from '../api/client.ts';

export type FindResult = OperationResult<'person.find'>;

export type SearchStatus =
  | { status: 'idle' }
  | { status: 'searching' }
  | { status: 'done'; query: string; result: FindResult }
  | { status: 'unavailable' }
  | { status: 'failed'; error: unknown };

interface SearchState {
  query: string;
  state: SearchStatus;
  // The highlighted row (keyboard), -1 for none.
  active: number;
  setQuery(query: string): void;
  setState(state: SearchStatus): void;
  setActive(active: number): void;
  reset(): void;
}

export const useSearch = create<SearchState>()((set) => ({
  query: '',
  state: { status: 'idle' },
  active: -1,
  setQuery: (query) => set({ query }),
  setState: (state) => set({ state }),
  setActive: (active) => set({ active }),
  reset: () => set({ query: '', state: { status: 'idle' }, active: -1 }),
}));

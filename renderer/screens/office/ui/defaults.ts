// The host's file defaults (exports folder, path separator, whether native dialogs exist), asked
// once per session.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { HostDefaults, RegisterClient } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { useSession } from '../../../state/session.ts';

interface DefaultsStore {
  value: HostDefaults | null;
  failed: boolean;
  loading: boolean;
  load(client: RegisterClient): void;
}

export const useDefaultsStore = create<DefaultsStore>()((set, get) => ({
  value: null,
  failed: false,
  loading: false,
  load: (client) => {
    if (get().value || get().loading) return;
    set({ loading: true, failed: false });
    client.defaults().then(
      (value) => set({ value, loading: false }),
      () => set({ failed: true, loading: false }),
    );
  },
}));

useSession.subscribe((s, prev) => {
  if (prev.actor && !s.actor) useDefaultsStore.setState({ value: null, failed: false, loading: false });
});

// A host without the message (or a failed call) falls back to a text field with no suggestion.
export function useHostDefaults(): HostDefaults | null {
  const client = useClient();
  const value = useDefaultsStore((s) => s.value);
  const load = useDefaultsStore((s) => s.load);
  useEffect(() => {
    load(client);
  }, [client, load]);
  return value;
}

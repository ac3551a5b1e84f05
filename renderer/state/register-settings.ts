// The register's own settings the desk needs on screen (jurisdiction for phone numbers and form
// languages, the operator's name): read once per session, forgotten on lock.
import { useEffect, useState } from 'react';
import type { OperationResult, RegisterClient } from '../api/client.ts';
import { useClient } from '../api/context.ts';

export type RegisterSettings = OperationResult<'settings.get'>;

let cache: Promise<RegisterSettings> | null = null;

export function loadSettings(client: RegisterClient): Promise<RegisterSettings> {
  if (!cache) {
    cache = client.call('settings.get', {});
    cache.catch(() => {
      cache = null;
    });
  }
  return cache;
}

export function forgetSettings(): void {
  cache = null;
}

// null until read (or if it cannot be read: the screens fall back to Russian defaults).
export function useRegisterSettings(): RegisterSettings | null {
  const client = useClient();
  const [settings, setSettings] = useState<RegisterSettings | null>(null);
  useEffect(() => {
    let live = true;
    loadSettings(client).then(
      (s) => live && setSettings(s),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);
  return settings;
}

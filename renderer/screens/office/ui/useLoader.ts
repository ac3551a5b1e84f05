import { useCallback, useEffect, useRef, useState } from 'react';

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'failed'; error: unknown };

// Loads on mount and again whenever one of `deps` changes (compared like a hook's dependency
// list), or on reload(); a stale answer never overwrites a newer one.
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[]): { state: Loaded<T>; reload: () => Promise<void> } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const seen = useRef(deps);
  const version = useRef(0);
  if (deps.length !== seen.current.length || deps.some((d, i) => !Object.is(d, seen.current[i]))) {
    seen.current = deps;
    version.current++;
  }
  const key = version.current;
  const run = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const data = await loadRef.current();
      if (mine === generation.current) setState({ status: 'ready', data });
    } catch (error) {
      if (mine === generation.current) setState({ status: 'failed', error });
    }
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` changes exactly when the caller's deps do
  useEffect(() => {
    setState({ status: 'loading' });
    void run();
  }, [key, run]);
  return { state, reload: run };
}

// Long operations of the office screens (exports, the pack, import, chain verification, backup):
// their progress and result live here, not in a screen, so leaving a screen and coming back shows
// the work still running or its result. One job per key at a time; a lock forgets them all (the
// host has cancelled them already).
import { create } from 'zustand';
import type { CallOptions } from '../../api/client.ts';
import { errorCode } from '../../api/errors.ts';
import { useSession } from '../../state/session.ts';

export type JobState<T = unknown> =
  | { status: 'idle' }
  | { status: 'running'; done: number; total?: number }
  | { status: 'done'; result: T }
  | { status: 'failed'; error: unknown }
  | { status: 'cancelled' };

interface JobsStore {
  jobs: Record<string, JobState>;
  put(key: string, state: JobState): void;
  clear(): void;
}

const idle: JobState = { status: 'idle' };
const controllers = new Map<string, AbortController>();

export const useJobs = create<JobsStore>()((set) => ({
  jobs: {},
  put: (key, state) => set((s) => ({ jobs: { ...s.jobs, [key]: state } })),
  clear: () => set({ jobs: {} }),
}));

useSession.subscribe((s, prev) => {
  if (prev.actor && !s.actor) {
    for (const c of controllers.values()) c.abort();
    controllers.clear();
    useJobs.getState().clear();
  }
});

export async function runJob<T>(key: string, start: (options: CallOptions) => Promise<T>): Promise<T | null> {
  controllers.get(key)?.abort();
  const controller = new AbortController();
  controllers.set(key, controller);
  const { put } = useJobs.getState();
  const current = () => controllers.get(key) === controller;
  put(key, { status: 'running', done: 0 });
  try {
    const result = await start({
      signal: controller.signal,
      onProgress: (p) => {
        if (current()) put(key, p.total === undefined ? { status: 'running', done: p.done } : { status: 'running', done: p.done, total: p.total });
      },
    });
    if (current()) put(key, { status: 'done', result });
    return result;
  } catch (error) {
    if (current()) put(key, errorCode(error) === 'cancelled' ? { status: 'cancelled' } : { status: 'failed', error });
    return null;
  } finally {
    if (current()) controllers.delete(key);
  }
}

export function cancelJob(key: string): void {
  controllers.get(key)?.abort();
}

export function resetJob(key: string): void {
  if (!controllers.has(key)) useJobs.getState().put(key, idle);
}

export function useJob<T>(key: string): JobState<T> {
  return useJobs((s) => (s.jobs[key] ?? idle) as JobState<T>);
}

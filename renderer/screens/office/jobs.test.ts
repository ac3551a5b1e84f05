import { afterEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../api/client.ts';
import { useSession } from '../../state/session.ts';
import { cancelJob, resetJob, runJob, useJobs } from './jobs.ts';

const state = (key: string) => useJobs.getState().jobs[key];

afterEach(() => useJobs.getState().clear());

describe('long jobs of the office screens', () => {
  it('follows progress to the result', async () => {
    const seen: unknown[] = [];
    const unsub = useJobs.subscribe((s) => seen.push(s.jobs.export));
    const result = await runJob('export', async (o) => {
      o.onProgress?.({ done: 0, total: 3 });
      o.onProgress?.({ done: 3, total: 3 });
      return { path: '/x/a.csv', rows: 3 };
    });
    unsub();
    expect(result).toEqual({ path: '/x/a.csv', rows: 3 });
    expect(seen).toEqual([
      { status: 'running', done: 0 },
      { status: 'running', done: 0, total: 3 },
      { status: 'running', done: 3, total: 3 },
      { status: 'done', result: { path: '/x/a.csv', rows: 3 } },
    ]);
  });

  it('cancel aborts the call; a cancelled answer is "cancelled", any other refusal "failed"', async () => {
    const running = runJob(
      'pack',
      (o) => new Promise((_resolve, reject) => o.signal?.addEventListener('abort', () => reject(new ClientError({ code: 'cancelled', message: 'x' })))),
    );
    expect(state('pack')).toEqual({ status: 'running', done: 0 });
    cancelJob('pack');
    expect(await running).toBeNull();
    expect(state('pack')).toEqual({ status: 'cancelled' });

    const error = new ClientError({ code: 'io_error', message: 'Не удалось записать файл выгрузки (EACCES).' });
    expect(await runJob('pack', async () => Promise.reject(error))).toBeNull();
    expect(state('pack')).toEqual({ status: 'failed', error });
    resetJob('pack');
    expect(state('pack')).toEqual({ status: 'idle' });
  });

  it('a second run of the same job replaces the first, whose late answer is ignored', async () => {
    let finishFirst: (v: string) => void = () => undefined;
    const first = runJob('verify', () => new Promise<string>((r) => (finishFirst = r)));
    const second = await runJob('verify', async () => 'second');
    finishFirst('first');
    await first;
    expect(second).toBe('second');
    expect(state('verify')).toEqual({ status: 'done', result: 'second' });
  });

  it('a lock forgets every job and cancels what still runs', async () => {
    useSession.setState({ actor: { id: 2, login: 'manager', fullName: 'М', role: 'manager' }, screen: { name: 'home' } });
    let aborted = false;
    const running = runJob(
      'import',
      (o) =>
        new Promise((_r, reject) =>
          o.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new ClientError({ code: 'cancelled', message: 'x' }));
          }),
        ),
    );
    await runJob('export', async () => 'done');
    useSession.getState().lockedOut();
    await running;
    expect(aborted).toBe(true);
    expect(useJobs.getState().jobs).toEqual({});
  });
});

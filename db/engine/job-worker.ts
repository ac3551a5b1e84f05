// One long operation (import, export, pack, verify) on its own connection, so the interactive
// worker keeps answering while it runs. Borrows the key from the session worker over a private
// MessageChannel (the host thread never sees it), and exits when done.
import { parentPort, workerData } from 'node:worker_threads';
import { dispatch } from '../api.ts';
import { runScheduledBackup } from '../backup.ts';
import { openDatabase } from '../connection.ts';
import { keyringPathFor } from '../keyring.ts';
import { describeForLog, errorToWire, makeJob } from './job.ts';
import type { JobWorkerData, LentKey, Reply } from './protocol.ts';

const data = workerData as JobWorkerData;
const now = data.fixedNow ? () => new Date(data.fixedNow!) : () => new Date();

type Body = Reply extends infer R ? (R extends Reply ? Omit<R, 'id'> : never) : never;

// A job worker runs one operation, so its replies need no request id.
function reply(msg: Body): void {
  parentPort!.postMessage({ ...msg, id: 0 });
}

data.port.once('message', async (lent: LentKey) => {
  data.port.close();
  const rawKey = Buffer.from(lent.key);
  lent.key.fill(0);
  let db: ReturnType<typeof openDatabase> | null = null;
  try {
    db = openDatabase(data.dbPath, rawKey);
    const job = makeJob(data.cancel, (done, total) => reply({ type: 'progress', done, total }));
    const ctx = { db, actor: lent.actor, dbPath: data.dbPath, keyringPath: keyringPathFor(data.dbPath), registerId: lent.registerId, rawKey, now, job };
    // The scheduled backup is the engine's own work, not a caller's: no role check, audited under
    // the user who is logged in, as automatic.
    const value = data.internal === 'backup.scheduled' ? await runScheduledBackup(ctx) : await dispatch(ctx, data.op, data.input);
    reply({ type: 'result', ok: true, value });
  } catch (err) {
    const wire = errorToWire(err);
    if (wire.code === 'internal') console.error('[privacy-desk job]', describeForLog(err));
    reply({ type: 'result', ok: false, error: wire });
  } finally {
    db?.close();
    rawKey.fill(0);
  }
});

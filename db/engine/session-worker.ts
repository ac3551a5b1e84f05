// The interactive worker: owns the register's connection and the unwrapped key, so SQL and the
// KDF never run on the UI host's thread. Lives until the register is locked.
import { parentPort, workerData } from 'node:worker_threads';
import { dispatch } from '../api.ts';
import { backupDue } from '../backup.ts';
import { createRegister, openRegister, recoverAccess, type Session } from '../register.ts';
import { describeForLog, errorToWire, makeJob } from './job.ts';
import type { LentKey, Reply, Request, WorkerConfig } from './protocol.ts';

const config = workerData as WorkerConfig;
const now = config.fixedNow ? () => new Date(config.fixedNow!) : () => new Date();
let session: Session | null = null;

function reply(msg: Reply): void {
  parentPort!.postMessage(msg);
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'create':
      return createRegister({ ...req.input, dbPath: config.dbPath }, now);
    case 'unlock': {
      session?.close();
      session = null;
      session = await openRegister({ dbPath: config.dbPath, login: req.login, password: req.password, now });
      // What opening found and mended (a WAL missing after a crash, say): shown on Home.
      const warnings = (session as { warnings?: string[] }).warnings ?? [];
      return { actor: session.ctx.actor, warnings };
    }
    case 'recover':
      await recoverAccess({ dbPath: config.dbPath, code: req.code, login: req.login, newPassword: req.newPassword, now });
      return { ok: true };
    case 'call': {
      if (!session) throw Object.assign(new Error('locked'), { wire: { code: 'locked', message: 'Реестр заблокирован: войдите снова.' } });
      const job = makeJob(req.cancel, (done, total) => reply({ type: 'progress', id: req.id, done, total }));
      return dispatch({ ...session.ctx, job }, req.op, req.input);
    }
    case 'lend-key': {
      if (!session) throw Object.assign(new Error('locked'), { wire: { code: 'locked', message: 'Реестр заблокирован: войдите снова.' } });
      const lent: LentKey = { key: new Uint8Array(session.ctx.rawKey), actor: session.ctx.actor, registerId: session.ctx.registerId };
      req.port.postMessage(lent);
      req.port.close();
      return { ok: true };
    }
    case 'backup-due': {
      if (!session) throw Object.assign(new Error('locked'), { wire: { code: 'locked', message: 'Реестр заблокирован: войдите снова.' } });
      return backupDue(session.ctx, new Date(req.at));
    }
    case 'lock':
      session?.close();
      session = null;
      return { ok: true };
  }
}

parentPort!.on('message', (req: Request) => {
  handle(req).then(
    (value) => reply({ type: 'result', id: req.id, ok: true, value }),
    (err: unknown) => {
      const wire = (err as { wire?: { code: string; message: string } }).wire ?? errorToWire(err);
      if (wire.code === 'internal') console.error('[privacy-desk worker]', describeForLog(err));
      reply({ type: 'result', id: req.id, ok: false, error: wire });
    },
  );
});

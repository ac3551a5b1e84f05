// The process the crash harness kills. Run with plain Node (never under vitest), so the KDF
// parameters stored in the key slots decide what unlocking costs, exactly as in the app. The
// harness runs it bundled into one file (childEntry in harness.ts: much faster to start), or as is:
//
//   node test/crash/child.ts <plan.json>
//
// It opens the register through the normal openRegister, then runs the plan's operations through
// dispatch, writing one line to stdout before and after each step. The parent SIGKILLs it at a
// moment it picks and reads these lines afterwards: a step with "begin" and no "end" may be half
// done, a step with "end" must be wholly present, a step never begun must be wholly absent.
// Lines go out with writeSync so that each is in the pipe before the work it announces starts.
import { mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { dispatch } from '../../db/api.ts';
import { RegisterError } from '../../db/errors.ts';
import { openRegister } from '../../db/register.ts';
import type { ChildOp, ChildPlan } from './plan.ts';

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

type Ctx = Awaited<ReturnType<typeof openRegister>>['ctx'];

// The first half of an operation, committed on its own, then a long wait for the kill: what a
// non-atomic implementation would leave behind. Only the harness's self-test asks for this.
async function sabotage(plan: ChildPlan, op: ChildOp, ctx: Ctx): Promise<never> {
  if (op.kind === 'consent') {
    ctx.db
      .prepare(
        `INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, received_by, note, recorded_by, recorded_at)
         VALUES (?, (SELECT id FROM purposes WHERE code = ?), 'given', ?, 'website', ?, ?, ?, ?)`,
      )
      .run(op.personId, op.purpose, new Date().toISOString().slice(0, 10), ctx.actor.id, op.note, ctx.actor.id, new Date().toISOString());
  } else if (op.kind === 'backup') {
    mkdirSync(dirname(op.path), { recursive: true });
    writeFileSync(op.path, readFileSync(plan.dbPath).subarray(0, 8192));
  } else if (op.kind === 'destroy') {
    const p = ctx.db.prepare('SELECT full_name FROM persons WHERE id = ?').get(op.personIds[0]) as { full_name: string };
    ctx.db
      .prepare("INSERT INTO person_names(person_names, rowid, name) VALUES ('delete', ?, ?)")
      .run(op.personIds[0], p.full_name.replace(/ё/g, 'е').replace(/Ё/g, 'Е'));
  }
  say(`step op#${op.n} sabotaged`);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  throw new Error('the sabotaged step was not killed');
}

async function run(plan: ChildPlan, op: ChildOp, ctx: Ctx): Promise<void> {
  if (plan.sabotage?.n === op.n) await sabotage(plan, op, ctx);
  switch (op.kind) {
    case 'consent':
      await dispatch(ctx, 'consent.give', { personId: op.personId, purpose: op.purpose, channel: 'website', note: op.note });
      return;
    case 'import': {
      const preview = await dispatch(ctx, 'import.preview', { fileName: 'leads.csv', contentBase64: op.contentBase64 });
      if (preview.valid !== op.rows) throw new Error(`preview: ${preview.valid} valid rows, plan expects ${op.rows}`);
      say(`step op#${op.n} commit`);
      const done = await dispatch(ctx, 'import.commit', {
        fileName: 'leads.csv',
        contentBase64: op.contentBase64,
        mapping: preview.mapping,
        sha256: preview.sha256,
      });
      if (done.inserted !== op.rows) throw new Error(`commit: ${done.inserted} inserted, plan expects ${op.rows}`);
      return;
    }
    case 'destroy':
      await dispatch(ctx, 'person.destroy', {
        personIds: op.personIds,
        act: {
          number: op.actNumber,
          reason: 'Отзыв согласия субъектом (152-ФЗ ст. 21 ч. 5)',
          method: 'Удаление записей средствами информационной системы с затиранием освобождённых страниц',
          destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }],
        },
      });
      return;
    case 'backup':
      await dispatch(ctx, 'backup.create', { path: op.path });
      return;
    case 'passwd':
      await dispatch(ctx, 'user.passwd', { login: op.login, newPassword: op.newPassword });
      return;
    case 'failedLogin':
      try {
        const s = await openRegister({ dbPath: plan.dbPath, login: op.login, password: op.password });
        s.close();
      } catch (err) {
        if (err instanceof RegisterError && err.code === 'auth_failed') return;
        throw err;
      }
      throw new Error('a wrong password opened the register');
  }
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildPlan;
  say('start');
  const session = await openRegister({ dbPath: plan.dbPath, login: plan.login, password: plan.password });
  say('ready');
  for (const op of plan.ops) {
    say(`begin op#${op.n} ${op.kind}`);
    await run(plan, op, session.ctx);
    say(`end op#${op.n}`);
  }
  say('begin close');
  session.close();
  say('end close');
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  say(`error ${e.code ?? 'exception'} ${String(e.message ?? err).replace(/\s+/g, ' ')}`);
  process.exit(3);
});

import type { z } from 'zod';
import type { Ctx } from './context.ts';
import type { Permission } from './roles.ts';

// One row of the operation table: the single seam that the Electron IPC host, the browser-mode
// host and the CLI all dispatch through. Rules live in handlers and in SQL, never in a host.
export interface Operation<S extends z.ZodType = z.ZodType, R = unknown> {
  // One Russian line, used by the CLI's help.
  summary: string;
  input: S;
  permission: Permission;
  // 'write': the handler runs inside one IMMEDIATE transaction together with its audit rows.
  // 'read': no transaction. 'own': the handler awaits work (a KDF) and opens its own transaction.
  tx: 'write' | 'read' | 'own';
  // Long work runs in its own worker with its own connection, so the interactive worker keeps
  // answering the desk meanwhile; it reports progress and can be cancelled (ctx.job).
  long?: boolean;
  handler: (ctx: Ctx, input: z.output<S>) => R | Promise<R>;
}

export function defineOp<S extends z.ZodType, R>(op: Operation<S, R>): Operation<S, R> {
  return op;
}

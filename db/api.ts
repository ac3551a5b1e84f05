import { z } from 'zod';
import { audit } from './audit.ts';
import { auditOps } from './audit-ops.ts';
import { backupOps } from './backup.ts';
import { blockOps } from './blocks.ts';
import { consentRecordOps } from './consent-records.ts';
import { consentOps } from './consents.ts';
import type { Ctx } from './context.ts';
import { deadlineOps } from './deadlines.ts';
import { destructionOps } from './destruction.ts';
import { environmentError } from './env-errors.ts';
import { fromSqlite, RegisterError } from './errors.ts';
import { exportOps } from './export.ts';
import { formTemplateOps } from './form-templates.ts';
import { importOps } from './import.ts';
import { marketingOps } from './marketing.ts';
import type { Operation } from './operation.ts';
import { packOps } from './pack.ts';
import { personOps } from './persons.ts';
import { printOps } from './print.ts';
import { purposeOps } from './purposes.ts';
import { requestOps } from './requests.ts';
import { can } from './roles.ts';
import { settingsOps } from './settings.ts';
import { userOps } from './users.ts';
import { verificationOps } from './verifications.ts';

z.config(z.locales.ru());

export const operations = {
  ...personOps,
  ...consentOps,
  ...purposeOps,
  ...blockOps,
  ...verificationOps,
  ...requestOps,
  ...deadlineOps,
  ...destructionOps,
  ...userOps,
  ...settingsOps,
  ...auditOps,
  ...backupOps,
  ...exportOps,
  ...marketingOps,
  ...consentRecordOps,
  ...packOps,
  ...printOps,
  ...formTemplateOps,
  ...importOps,
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OperationInput<N extends OperationName> = z.input<Operations[N]['input']>;
export type OperationResult<N extends OperationName> = Awaited<ReturnType<Operations[N]['handler']>>;

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.hasOwn(operations, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

// The input check alone, so the engine can refuse malformed input before it starts a worker.
export function parseInput(name: OperationName, rawInput: unknown): unknown {
  const parsed = (operations[name] as unknown as Operation).input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    throw new RegisterError(
      'invalid_input',
      `Неверные входные данные: ${describeIssues(parsed.error)}`,
      parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    );
  }
  return parsed.data;
}

// Validate, authorise, run, audit: every caller gets exactly this, and bad input changes nothing.
export async function dispatch<N extends OperationName>(ctx: Ctx, name: N, rawInput: unknown): Promise<OperationResult<N>>;
export async function dispatch(ctx: Ctx, name: string, rawInput: unknown): Promise<unknown>;
export async function dispatch(ctx: Ctx, name: string, rawInput: unknown): Promise<unknown> {
  if (!isOperationName(name)) throw new RegisterError('unknown_operation', `Неизвестная операция: ${String(name).slice(0, 80)}`);
  const op = operations[name] as unknown as Operation;
  const input = parseInput(name, rawInput);
  if (!can(ctx.actor.role, op.permission)) {
    ctx.db.transaction(() => audit(ctx, { action: 'access.denied', details: { operation: name, role: ctx.actor.role } })).immediate();
    throw new RegisterError('forbidden', `Недостаточно прав: действие «${op.summary}» недоступно роли «${ctx.actor.role}».`);
  }
  try {
    if (op.tx === 'write') return ctx.db.transaction(() => op.handler(ctx, input)).immediate();
    return await op.handler(ctx, input);
  } catch (err) {
    // A full disk, a folder turned read-only or a damaged page surface here from deep inside a
    // handler: named for what the desk can do about them, never as an internal error.
    throw environmentError(fromSqlite(err), { dbPath: ctx.dbPath, action: op.summary });
  }
}

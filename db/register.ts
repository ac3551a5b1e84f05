import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { appendAudit, audit } from './audit.ts';
import { checkpoint, type DB, openDatabase } from './connection.ts';
import type { Actor, Ctx } from './context.ts';
import { seedDefaults } from './defaults.ts';
import { RegisterError } from './errors.ts';
import {
  type Keyring,
  keyringPathFor,
  loginTag,
  newKeyring,
  normalizeLogin,
  readKeyring,
  recordFailedLogin,
  setRecoverySlot,
  setUserSlot,
  unlockWithPassword,
  unlockWithRecovery,
  writeKeyring,
} from './keyring.ts';
import type { Role } from './roles.ts';
import { jurisdictionSchema, loginSchema, operatorSchema, passwordSchema, personNameSchema } from './schemas.ts';

export interface Session {
  ctx: Ctx;
  close: () => void;
}

export const createRegisterInput = z.object({
  dbPath: z.string().min(1),
  operator: operatorSchema,
  jurisdiction: jurisdictionSchema,
  admin: z.object({
    login: loginSchema,
    fullName: personNameSchema,
    position: z.string().trim().max(200).default(''),
    password: passwordSchema,
    role: z.enum(['administrator', 'manager']).default('administrator'),
  }),
});
export type CreateRegisterInput = z.input<typeof createRegisterInput>;

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const text = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new RegisterError('invalid_input', `Неверные входные данные: ${text}`);
  }
  return parsed.data;
}

// Creates the encrypted file and its keyring. Returns the recovery code: it is shown once, to be
// printed and locked away, and is never stored anywhere in a readable form.
export async function createRegister(raw: CreateRegisterInput, now: () => Date = () => new Date()): Promise<{ registerId: string; recoveryCode: string }> {
  const input = parseOrThrow(createRegisterInput, raw);
  const keyringPath = keyringPathFor(input.dbPath);
  if (existsSync(input.dbPath) || existsSync(keyringPath)) throw new RegisterError('register_exists', `Реестр уже существует: ${input.dbPath}`);
  const rawKey = randomBytes(32);
  const registerId = randomUUID();
  try {
    let keyring = await setUserSlot(newKeyring(registerId), input.admin.login, input.admin.password, rawKey);
    const recovery = await setRecoverySlot(keyring, rawKey);
    keyring = recovery.keyring;
    const db = openDatabase(input.dbPath, rawKey, { create: true });
    try {
      const at = now().toISOString();
      db.transaction(() => {
        db.prepare('INSERT INTO register_info (id, register_id, created_at) VALUES (1, ?, ?)').run(registerId, at);
        const userId = Number(
          db.prepare('INSERT INTO users (login, full_name, position, role, created_at) VALUES (?, ?, ?, ?, ?)')
            .run(normalizeLogin(input.admin.login), input.admin.fullName, input.admin.position, input.admin.role, at).lastInsertRowid,
        );
        seedDefaults(db, { operator: input.operator, jurisdiction: input.jurisdiction, at, userId });
        appendAudit(db, registerId, { at, action: 'register.create', actor: { id: userId, login: normalizeLogin(input.admin.login) }, details: { jurisdiction: input.jurisdiction } });
        appendAudit(db, registerId, { at, action: 'user.add', entity: 'user', entityId: userId, actor: { id: userId, login: normalizeLogin(input.admin.login) }, details: { role: input.admin.role } });
      }).immediate();
      checkpoint(db);
    } finally {
      db.close();
    }
    writeKeyring(keyringPath, keyring);
    return { registerId, recoveryCode: recovery.code };
  } catch (err) {
    if (!existsSync(keyringPath)) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${input.dbPath}${suffix}`, { force: true });
    }
    throw err;
  } finally {
    rawKey.fill(0);
  }
}

function readRegisterId(db: DB): string {
  const row = db.prepare('SELECT register_id FROM register_info WHERE id = 1').get() as { register_id: string } | undefined;
  if (!row) throw new RegisterError('not_a_register');
  return row.register_id;
}

function loadActor(db: DB, login: string): (Actor & { disabled: boolean }) | undefined {
  const row = db.prepare('SELECT id, login, full_name, role, disabled_at FROM users WHERE login = ?').get(normalizeLogin(login)) as
    | { id: number; login: string; full_name: string; role: Role; disabled_at: string | null }
    | undefined;
  return row && { id: row.id, login: row.login, fullName: row.full_name, role: row.role, disabled: row.disabled_at !== null };
}

// Failed unlocks wait in the keyring (time and login tag only) until a successful unlock moves
// them into the audit log, naming the login where it matches a known user.
function flushFailedLogins(db: DB, keyring: Keyring, keyringPath: string, registerId: string): void {
  if (keyring.failedLogins.length === 0) return;
  const users = db.prepare('SELECT id, login FROM users').all() as { id: number; login: string }[];
  const byTag = new Map(users.map((u) => [loginTag(keyring, u.login), u]));
  db.transaction(() => {
    for (const f of keyring.failedLogins) {
      const user = byTag.get(f.loginTag);
      appendAudit(db, registerId, {
        at: f.at,
        action: 'login.failed',
        entity: user ? 'user' : undefined,
        entityId: user?.id,
        actor: { id: null, login: user?.login ?? null },
        details: user ? {} : { unknownLogin: true },
      });
    }
  }).immediate();
  writeKeyring(keyringPath, { ...readKeyring(keyringPath), failedLogins: [] });
}

function openWithKey(dbPath: string, keyring: Keyring, rawKey: Buffer): { db: DB; registerId: string } {
  const db = openDatabase(dbPath, rawKey);
  try {
    const registerId = readRegisterId(db);
    if (registerId !== keyring.registerId) throw new RegisterError('keyring_damaged', 'Файл ключей принадлежит другому реестру.');
    return { db, registerId };
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface OpenInput {
  dbPath: string;
  login: string;
  password: string;
  now?: () => Date;
}

export async function openRegister(input: OpenInput): Promise<Session> {
  const now = input.now ?? (() => new Date());
  if (!existsSync(input.dbPath)) throw new RegisterError('register_missing', `Реестр не найден: ${input.dbPath}`);
  const keyringPath = keyringPathFor(input.dbPath);
  const keyring = readKeyring(keyringPath);
  const rawKey = await unlockWithPassword(keyring, input.login, input.password);
  if (!rawKey) {
    recordFailedLogin(keyringPath, input.login, now());
    throw new RegisterError('auth_failed');
  }
  const { db, registerId } = openWithKey(input.dbPath, keyring, rawKey);
  const actor = loadActor(db, input.login);
  if (!actor || actor.disabled) {
    db.close();
    rawKey.fill(0);
    recordFailedLogin(keyringPath, input.login, now());
    throw new RegisterError('auth_failed');
  }
  flushFailedLogins(db, keyring, keyringPath, registerId);
  const ctx: Ctx = { db, actor, dbPath: input.dbPath, keyringPath, registerId, rawKey, now };
  db.transaction(() => audit(ctx, { action: 'login', entity: 'user', entityId: actor.id })).immediate();
  return { ctx, close: () => closeSession(ctx) };
}

export function closeSession(ctx: Ctx): void {
  if (ctx.db.open) {
    checkpoint(ctx.db);
    ctx.db.close();
  }
  ctx.rawKey.fill(0);
}

// The recovery code opens the register when every password is lost: it sets a new password for
// one existing user and is itself audited.
export async function recoverAccess(input: { dbPath: string; code: string; login: string; newPassword: string; now?: () => Date }): Promise<void> {
  const now = input.now ?? (() => new Date());
  const newPassword = parseOrThrow(passwordSchema, input.newPassword);
  const keyringPath = keyringPathFor(input.dbPath);
  const keyring = readKeyring(keyringPath);
  const rawKey = await unlockWithRecovery(keyring, input.code);
  if (!rawKey) {
    recordFailedLogin(keyringPath, '#recovery', now());
    throw new RegisterError('auth_failed', 'Неверный код восстановления.');
  }
  try {
    const { db, registerId } = openWithKey(input.dbPath, keyring, rawKey);
    try {
      const actor = loadActor(db, input.login);
      if (!actor || actor.disabled) throw new RegisterError('not_found', 'Пользователь с таким логином не найден или отключён.');
      const updated = await setUserSlot(keyring, input.login, newPassword, rawKey);
      db.transaction(() => appendAudit(db, registerId, { at: now().toISOString(), action: 'recovery.used', entity: 'user', entityId: actor.id, actor: { id: null, login: null }, details: { passwordReset: actor.login } })).immediate();
      writeKeyring(keyringPath, updated);
      checkpoint(db);
    } finally {
      db.close();
    }
  } finally {
    rawKey.fill(0);
  }
}

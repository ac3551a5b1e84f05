import { z } from 'zod';
import { audit } from './audit.ts';
import type { Ctx } from './context.ts';
import { RegisterError } from './errors.ts';
import { normalizeLogin, readKeyring, removeUserSlot, setRecoverySlot, setUserSlot, unlockWithPassword, writeKeyring } from './keyring.ts';
import { defineOp } from './operation.ts';
import { roles } from './roles.ts';
import { loginSchema, passwordSchema, personNameSchema } from './schemas.ts';

interface UserRow {
  id: number;
  login: string;
  full_name: string;
  position: string;
  role: (typeof roles)[number];
  language: 'ru' | 'kk' | 'en';
  created_at: string;
  disabled_at: string | null;
}

function toUser(r: UserRow) {
  return {
    id: r.id,
    login: r.login,
    fullName: r.full_name,
    position: r.position,
    role: r.role,
    language: r.language,
    createdAt: r.created_at,
    disabled: r.disabled_at !== null,
  };
}

function findUser(ctx: Ctx, login: string): UserRow {
  const row = ctx.db.prepare('SELECT * FROM users WHERE login = ?').get(normalizeLogin(login)) as UserRow | undefined;
  if (!row) throw new RegisterError('not_found', 'Пользователь с таким логином не найден.');
  return row;
}

// The keyring is written only after the database transaction has committed, so a failure between
// the two leaves a user row without a slot (cannot log in; retry fixes it), never a slot that
// opens the register for someone the database does not know.
export const userOps = {
  'user.list': defineOp({
    summary: 'Список пользователей',
    input: z.object({}),
    permission: 'users.manage',
    tx: 'read',
    handler: (ctx) => (ctx.db.prepare('SELECT * FROM users ORDER BY id').all() as UserRow[]).map(toUser),
  }),
  'user.add': defineOp({
    summary: 'Добавить пользователя',
    input: z.object({
      login: loginSchema,
      fullName: personNameSchema,
      position: z.string().trim().max(200).default(''),
      role: z.enum(roles),
      password: passwordSchema,
      language: z.enum(['ru', 'kk', 'en']).default('ru'),
    }),
    permission: 'users.manage',
    tx: 'own',
    handler: async (ctx, input) => {
      const login = normalizeLogin(input.login);
      if (ctx.db.prepare('SELECT 1 FROM users WHERE login = ?').get(login)) throw new RegisterError('conflict', 'Пользователь с таким логином уже есть.');
      const keyring = await setUserSlot(readKeyring(ctx.keyringPath), login, input.password, ctx.rawKey);
      const id = ctx.db
        .transaction(() => {
          const id = Number(
            ctx.db
              .prepare('INSERT INTO users (login, full_name, position, role, language, created_at) VALUES (?, ?, ?, ?, ?, ?)')
              .run(login, input.fullName, input.position, input.role, input.language, ctx.now().toISOString()).lastInsertRowid,
          );
          audit(ctx, { action: 'user.add', entity: 'user', entityId: id, details: { role: input.role } });
          return id;
        })
        .immediate();
      writeKeyring(ctx.keyringPath, keyring);
      return toUser(ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow);
    },
  }),
  'user.passwd': defineOp({
    summary: 'Сменить пароль пользователя',
    // A user changing their own password proves the old one; a user manager resets anyone's.
    input: z.object({ login: loginSchema.optional(), oldPassword: z.string().max(1024).optional(), newPassword: passwordSchema }),
    permission: 'self',
    tx: 'own',
    handler: async (ctx, input) => {
      const target = findUser(ctx, input.login ?? ctx.actor.login);
      const self = target.id === ctx.actor.id;
      if (!self && !['manager', 'administrator'].includes(ctx.actor.role))
        throw new RegisterError('forbidden', 'Сменить чужой пароль может только руководитель или администратор.');
      if (target.disabled_at) throw new RegisterError('user_disabled');
      let keyring = readKeyring(ctx.keyringPath);
      if (self) {
        const key = await unlockWithPassword(keyring, target.login, input.oldPassword ?? '');
        if (!key) throw new RegisterError('auth_failed', 'Текущий пароль указан неверно.');
        key.fill(0);
      }
      keyring = await setUserSlot(keyring, target.login, input.newPassword, ctx.rawKey);
      ctx.db.transaction(() => audit(ctx, { action: 'user.passwd', entity: 'user', entityId: target.id, details: { self } })).immediate();
      writeKeyring(ctx.keyringPath, keyring);
      return { ok: true as const };
    },
  }),
  'user.disable': defineOp({
    summary: 'Отключить пользователя (удаляет его слот ключа)',
    input: z.object({ login: loginSchema }),
    permission: 'users.manage',
    tx: 'own',
    handler: (ctx, input) => {
      const target = findUser(ctx, input.login);
      if (target.id === ctx.actor.id) throw new RegisterError('conflict', 'Нельзя отключить самого себя.');
      if (target.disabled_at) throw new RegisterError('conflict', 'Пользователь уже отключён.');
      ctx.db
        .transaction(() => {
          ctx.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(ctx.now().toISOString(), target.id);
          const managersLeft = ctx.db.prepare("SELECT count(*) AS n FROM users WHERE disabled_at IS NULL AND role IN ('manager', 'administrator')").get() as {
            n: number;
          };
          if (managersLeft.n === 0) throw new RegisterError('conflict', 'Нельзя отключить последнего руководителя или администратора.');
          audit(ctx, { action: 'user.disable', entity: 'user', entityId: target.id });
        })
        .immediate();
      writeKeyring(ctx.keyringPath, removeUserSlot(readKeyring(ctx.keyringPath), target.login));
      return { ok: true as const };
    },
  }),
  'user.setLanguage': defineOp({
    summary: 'Выбрать язык интерфейса',
    input: z.object({ language: z.enum(['ru', 'kk', 'en']) }),
    permission: 'self',
    tx: 'write',
    handler: (ctx, input) => {
      ctx.db.prepare('UPDATE users SET language = ? WHERE id = ?').run(input.language, ctx.actor.id);
      audit(ctx, { action: 'user.language', entity: 'user', entityId: ctx.actor.id, details: { language: input.language } });
      return { language: input.language };
    },
  }),
  'user.me': defineOp({
    summary: 'Текущий пользователь',
    input: z.object({}),
    permission: 'self',
    tx: 'read',
    handler: (ctx) => toUser(ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(ctx.actor.id) as UserRow),
  }),
  'recovery.regenerate': defineOp({
    summary: 'Выпустить новый код восстановления (старый перестаёт действовать)',
    input: z.object({}),
    permission: 'users.manage',
    tx: 'own',
    handler: async (ctx) => {
      const { keyring, code } = await setRecoverySlot(readKeyring(ctx.keyringPath), ctx.rawKey);
      ctx.db.transaction(() => audit(ctx, { action: 'recovery.regenerate' })).immediate();
      writeKeyring(ctx.keyringPath, keyring);
      return { recoveryCode: code };
    },
  }),
  'key.exportRaw': defineOp({
    summary: 'Показать сырой ключ реестра (64 hex) для открытия файла штатным SQLCipher 4',
    input: z.object({}),
    permission: 'key.export',
    tx: 'write',
    handler: (ctx) => {
      audit(ctx, { action: 'key.export_raw' });
      return { key: ctx.rawKey.toString('hex'), cipher: 'sqlcipher', legacy: 4, pragma: `PRAGMA key = "x'${ctx.rawKey.toString('hex')}'";` };
    },
  }),
};

import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { RegisterError } from './errors.ts';
import { deriveKey, type KdfParams, newKdfParams } from './kdf.ts';

// The register's raw 256-bit key, wrapped once per user and once for recovery (like LUKS key
// slots). The keyring sits next to the database; adding a user or changing a password rewrites
// only this small file, never the database. It holds no login in clear: a slot is found by an
// HMAC of the login under a per-register salt, so the file names no member of staff.

const kdfSchema = z.object({
  alg: z.literal('argon2id'),
  m: z.number().int().min(8),
  t: z.number().int().min(1),
  p: z.number().int().min(1),
  salt: z.string().min(16),
});

const slotSchema = z.object({
  id: z.string().min(8),
  kind: z.enum(['user', 'recovery']),
  loginTag: z.string().nullable(),
  kdf: kdfSchema,
  iv: z.string(),
  ct: z.string(),
  tag: z.string(),
});

const keyringSchema = z.object({
  format: z.literal('privacy-desk-keyring'),
  version: z.literal(1),
  registerId: z.string().min(8),
  loginSalt: z.string().min(16),
  slots: z.array(slotSchema),
  // Failed unlocks cannot be written to the encrypted audit log (no key yet); they wait here,
  // as time + login tag only, and are moved into the audit log by the next successful unlock.
  failedLogins: z.array(z.object({ at: z.string(), loginTag: z.string() })),
});

export type Keyring = z.infer<typeof keyringSchema>;
type Slot = z.infer<typeof slotSchema>;

export function keyringPathFor(dbPath: string): string {
  return `${dbPath}.keyring`;
}

export function newKeyring(registerId: string): Keyring {
  return {
    format: 'privacy-desk-keyring',
    version: 1,
    registerId,
    loginSalt: randomBytes(16).toString('base64'),
    slots: [],
    failedLogins: [],
  };
}

export function readKeyring(path: string): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RegisterError('keyring_damaged', `Файл ключей не найден: ${path}. Восстановите его из резервной копии или откройте реестр кодом восстановления.`);
    }
    throw new RegisterError('io_error', `Не удалось прочитать файл ключей: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegisterError('keyring_damaged');
  }
  const parsed = keyringSchema.safeParse(json);
  if (!parsed.success) throw new RegisterError('keyring_damaged');
  return parsed.data;
}

// Write-new-then-rename so a crash leaves either the old or the new keyring, never half of one.
export function writeKeyring(path: string, keyring: Keyring): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(keyring, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function loginTag(keyring: Keyring, login: string): string {
  return createHmac('sha256', Buffer.from(keyring.loginSalt, 'base64'))
    .update(normalizeLogin(login))
    .digest('hex');
}

export function normalizeLogin(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

function aad(keyring: Keyring, slotId: string): Buffer {
  return Buffer.from(`privacy-desk/keyslot/v1/${keyring.registerId}/${slotId}`);
}

async function wrap(keyring: Keyring, kind: Slot['kind'], tag: string | null, secret: string, rawKey: Buffer): Promise<Slot> {
  const kdf = newKdfParams(randomBytes(16));
  const kek = await deriveKey(secret, kdf);
  const id = randomUUID();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad(keyring, id));
  const ct = Buffer.concat([cipher.update(rawKey), cipher.final()]);
  kek.fill(0);
  return { id, kind, loginTag: tag, kdf, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

async function unwrap(keyring: Keyring, slot: Slot, secret: string): Promise<Buffer | null> {
  const kek = await deriveKey(secret, slot.kdf as KdfParams);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(slot.iv, 'base64'));
    decipher.setAAD(aad(keyring, slot.id));
    decipher.setAuthTag(Buffer.from(slot.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(slot.ct, 'base64')), decipher.final()]);
    return key.length === 32 ? key : null;
  } catch {
    return null;
  } finally {
    kek.fill(0);
  }
}

export async function setUserSlot(keyring: Keyring, login: string, password: string, rawKey: Buffer): Promise<Keyring> {
  const tag = loginTag(keyring, login);
  const slot = await wrap(keyring, 'user', tag, password, rawKey);
  return { ...keyring, slots: [...keyring.slots.filter((s) => s.loginTag !== tag), slot] };
}

export function removeUserSlot(keyring: Keyring, login: string): Keyring {
  const tag = loginTag(keyring, login);
  return { ...keyring, slots: keyring.slots.filter((s) => s.kind !== 'user' || s.loginTag !== tag) };
}

export function hasUserSlot(keyring: Keyring, login: string): boolean {
  const tag = loginTag(keyring, login);
  return keyring.slots.some((s) => s.kind === 'user' && s.loginTag === tag);
}

// Crockford base32 without the ambiguous I, L, O, U: 25 characters = 125 bits, printed in groups.
const recoveryAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newRecoveryCode(): string {
  const bytes = randomBytes(25);
  const chars = [...bytes].map((b) => recoveryAlphabet[b & 31]).join('');
  return chars.match(/.{5}/g)!.join('-');
}

export function normalizeRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export async function setRecoverySlot(keyring: Keyring, rawKey: Buffer): Promise<{ keyring: Keyring; code: string }> {
  const code = newRecoveryCode();
  const slot = await wrap(keyring, 'recovery', null, normalizeRecoveryCode(code), rawKey);
  return { keyring: { ...keyring, slots: [...keyring.slots.filter((s) => s.kind !== 'recovery'), slot] }, code };
}

// Unknown logins still pay one KDF, so timing does not tell which logins exist.
export async function unlockWithPassword(keyring: Keyring, login: string, password: string): Promise<Buffer | null> {
  const tag = loginTag(keyring, login);
  const slot = keyring.slots.find((s) => s.kind === 'user' && s.loginTag === tag);
  if (!slot) {
    const decoy = keyring.slots[0];
    if (decoy) await deriveKey(password, decoy.kdf as KdfParams);
    return null;
  }
  return unwrap(keyring, slot, password);
}

export async function unlockWithRecovery(keyring: Keyring, code: string): Promise<Buffer | null> {
  const slot = keyring.slots.find((s) => s.kind === 'recovery');
  if (!slot) return null;
  return unwrap(keyring, slot, normalizeRecoveryCode(code));
}

export function recordFailedLogin(path: string, login: string, at: Date): void {
  const keyring = readKeyring(path);
  const entry = { at: at.toISOString(), loginTag: loginTag(keyring, login) };
  // Bounded so a script hammering the lock cannot grow the file without limit.
  writeKeyring(path, { ...keyring, failedLogins: [...keyring.failedLogins, entry].slice(-1000) });
}

import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { environmentError } from './env-errors.ts';
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
  // `throttled`: refused inside the growing wait without running the KDF; recorded for the audit
  // log, not counted towards the wait.
  failedLogins: z.array(z.object({ at: z.string(), loginTag: z.string(), throttled: z.boolean().optional() })),
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

export function prevKeyringPathFor(path: string): string {
  return `${path}.prev`;
}

// Where a good keyring may still be found when this one is damaged: the previous version kept
// beside it, and the copy written beside each backup.
function keyringRecoveryHint(path: string): string {
  const prev = prevKeyringPathFor(path);
  return [
    existsSync(prev) ? `Предыдущая версия файла ключей (${prev}) тоже не подошла.` : '',
    'Восстановите файл ключей из копии рядом с резервной копией: privacy-desk keyring restore <копия файла ключей> (файлы *.keyring в папке backups рядом с реестром), или восстановите реестр целиком: privacy-desk restore <файл копии>.',
  ]
    .filter(Boolean)
    .join(' ');
}

export function parseKeyring(text: string): Keyring | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = keyringSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function readKeyring(path: string): Keyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RegisterError('keyring_damaged', `Файл ключей не найден: ${path}. ${keyringRecoveryHint(path)}`);
    }
    throw new RegisterError('io_error', `Не удалось прочитать файл ключей: ${(err as Error).message}`);
  }
  const keyring = parseKeyring(text);
  if (!keyring) {
    throw new RegisterError(
      'keyring_damaged',
      `Файл ключей повреждён (${text.trim() === '' ? 'пуст' : 'содержимое не читается: обрезан или изменён'}): ${path}. ${keyringRecoveryHint(path)}`,
    );
  }
  return keyring;
}

// A keyring that reads and parses, or null: for the fallbacks, which must never throw.
export function tryReadKeyring(path: string): Keyring | null {
  try {
    return parseKeyring(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

// Write-new-then-rename so a crash leaves either the old or the new keyring, never half of one.
// The version being replaced, if it was good, is kept as <keyring>.prev: a keyring damaged later
// (a bad sector, an editor) can then be recovered without a backup.
export function writeKeyring(path: string, keyring: Keyring): void {
  try {
    let current: string | null = null;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = null;
    }
    if (current !== null && parseKeyring(current)) writeDurably(prevKeyringPathFor(path), current);
    writeDurably(path, `${JSON.stringify(keyring, null, 2)}\n`);
  } catch (err) {
    throw environmentError(err, { dbPath: path.endsWith('.keyring') ? path.slice(0, -'.keyring'.length) : path, writing: 'keyring' });
  }
}

export function loginTag(keyring: Keyring, login: string): string {
  return createHmac('sha256', Buffer.from(keyring.loginSalt, 'base64')).update(normalizeLogin(login)).digest('hex');
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

// Kept bounded so a script hammering the lock cannot grow the file without limit; refused
// attempts are trimmed first, so they can never push real failures out and reset the wait.
const maxCountedFailures = 1000;
const maxThrottledEntries = 100;

export function recordFailedLogin(path: string, login: string, at: Date, throttled = false): void {
  const keyring = readKeyring(path);
  const entry = { at: at.toISOString(), loginTag: loginTag(keyring, login), ...(throttled ? { throttled: true } : {}) };
  const all = [...keyring.failedLogins, entry];
  const counted = all.filter((f) => !f.throttled);
  const refused = all.filter((f) => f.throttled);
  const keep = new Set([...counted.slice(-maxCountedFailures), ...refused.slice(-maxThrottledEntries)]);
  writeKeyring(path, { ...keyring, failedLogins: all.filter((f) => keep.has(f)) });
}

// The growing wait after failed unlocks (any login, the recovery code included, since the last
// success): three are free, then each further attempt waits 2^(n-3) s after the last failure,
// up to five minutes. It stops online guessing through the window or the CLI; the KDF already
// makes each guess cost ~0.5 s of this PC, the wait makes a thousand guesses cost days.
export const unlockThrottle = { freeFailures: 3, maxWaitSeconds: 300 } as const;

export function unlockWait(keyring: Keyring, now: Date): { failures: number; retryAfterSeconds: number } {
  const counted = keyring.failedLogins.filter((f) => !f.throttled);
  const failures = counted.length;
  if (failures < unlockThrottle.freeFailures) return { failures, retryAfterSeconds: 0 };
  const last = Math.max(...counted.map((f) => Date.parse(f.at)).filter(Number.isFinite));
  const waitMs = Math.min(2 ** (failures - unlockThrottle.freeFailures), unlockThrottle.maxWaitSeconds) * 1000;
  // A clock set back must not turn the wait into hours: at most one full wait from now.
  const elapsed = Number.isFinite(last) ? Math.max(0, now.getTime() - last) : waitMs;
  const left = waitMs - elapsed;
  return { failures, retryAfterSeconds: left > 0 ? Math.ceil(left / 1000) : 0 };
}

// An attempt inside the wait is refused before any KDF runs, and is itself recorded (as refused,
// so it does not lengthen the wait). `record` is false when the keyring itself is damaged: only a
// verified unlock may rewrite it.
export function refuseInsideWait(path: string, keyring: Keyring, login: string, now: Date, record = true): void {
  const wait = unlockWait(keyring, now);
  if (wait.retryAfterSeconds === 0) return;
  if (record) recordFailedLogin(path, login, now, true);
  throw new RegisterError(
    'too_many_attempts',
    `Слишком много неудачных попыток входа подряд (${wait.failures}): следующая попытка возможна через ${wait.retryAfterSeconds} с. Подождите и повторите; если пароль забыт, обратитесь к руководителю или администратору.`,
    { retryAfterSeconds: wait.retryAfterSeconds },
  );
}

// Whether the keyring's slot for this login (or the recovery slot, login null) is damaged, judged
// against the previous version: the same slot (same id) present in both, but stored differently or
// bound to a different register id or login salt. A password change or a new recovery code makes
// a new slot with a new id, so it never counts: the old password must not come back through .prev.
export function slotDamaged(current: Keyring, prev: Keyring, login: string | null): boolean {
  const old =
    login === null ? prev.slots.find((s) => s.kind === 'recovery') : prev.slots.find((s) => s.kind === 'user' && s.loginTag === loginTag(prev, login));
  if (!old) return false;
  const same = current.slots.find((s) => s.id === old.id);
  if (!same) return false;
  return (
    current.registerId !== prev.registerId ||
    current.loginSalt !== prev.loginSalt ||
    same.kind !== old.kind ||
    same.loginTag !== old.loginTag ||
    same.iv !== old.iv ||
    same.ct !== old.ct ||
    same.tag !== old.tag ||
    JSON.stringify(same.kdf) !== JSON.stringify(old.kdf)
  );
}

// The growing unlock delay (issue #7 point 4) and what the keyring and the database never hold.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispatch } from '../../db/api.ts';
import { unlockForRestore } from '../../db/backup.ts';
import { defaultKdf } from '../../db/kdf.ts';
import { keyringPathFor, readKeyring } from '../../db/keyring.ts';
import { openRegister, recoverAccess } from '../../db/register.ts';
import { makeRegister, passwords, type TestRegister } from '../helpers.ts';

// Counts every KDF run: a refusal inside the wait must not run one.
const kdfRuns = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../db/kdf.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../db/kdf.ts')>();
  return {
    ...real,
    deriveKey: (...args: Parameters<typeof real.deriveKey>) => {
      kdfRuns.n++;
      return real.deriveKey(...args);
    },
  };
});

let reg: TestRegister;
afterEach(() => reg?.cleanup());

let t = new Date('2026-02-16T09:00:00Z');
const now = () => t;
const advance = (seconds: number) => {
  t = new Date(t.getTime() + seconds * 1000);
};

async function closedRegister(): Promise<TestRegister> {
  t = new Date('2026-02-16T09:00:00Z');
  reg = await makeRegister({ now });
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  return reg;
}

const attempt = (login: string, password: string) => openRegister({ dbPath: reg.dbPath, login, password, now });

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; details?: { retryAfterSeconds: number } }> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: { code: string; message: string; details?: { retryAfterSeconds: number } }) => e,
  );
}

describe('growing unlock delay', () => {
  it('three failures are free; then each attempt waits 2^(n-3) s after the last failure, up to 5 minutes', async () => {
    await closedRegister();
    for (let i = 0; i < 3; i++) expect((await refusal(attempt('desk', 'wrong-pass'))).code).toBe('auth_failed');
    for (let n = 3; n <= 13; n++) {
      const wait = Math.min(2 ** (n - 3), 300);
      // Too early, even with the right password: refused at once, no KDF, with the seconds left.
      const runs = kdfRuns.n;
      const early = await refusal(attempt('desk', passwords.desk));
      expect(kdfRuns.n).toBe(runs);
      expect(early).toMatchObject({ code: 'too_many_attempts', details: { retryAfterSeconds: wait } });
      expect(early.message).toBe(
        `Слишком много неудачных попыток входа подряд (${n}): следующая попытка возможна через ${wait} с. Подождите и повторите; если пароль забыт, обратитесь к руководителю или администратору.`,
      );
      if (wait > 1) {
        advance(wait - 1);
        expect((await refusal(attempt('manager', passwords.manager))).details).toEqual({ retryAfterSeconds: 1 });
        advance(1);
      } else {
        advance(wait);
      }
      // Any login counts: the next failure is another user's.
      expect((await refusal(attempt(n % 2 ? 'manager' : 'nobody', 'wrong-pass'))).code).toBe('auth_failed');
    }
    // The cap holds: 14 failures still wait five minutes, not 2^11 s.
    expect((await refusal(attempt('desk', passwords.desk))).details).toEqual({ retryAfterSeconds: 300 });
    // Refused attempts are recorded, but they do not lengthen the wait.
    const keyring = readKeyring(keyringPathFor(reg.dbPath));
    expect(keyring.failedLogins.filter((f) => !f.throttled)).toHaveLength(14);
    expect(keyring.failedLogins.filter((f) => f.throttled).length).toBeGreaterThanOrEqual(11);
    advance(300);
    const s = await attempt('desk', passwords.desk);
    s.close();
    // The success resets the count and moves every attempt, refused ones too, into the audit log.
    expect(readKeyring(keyringPathFor(reg.dbPath)).failedLogins).toEqual([]);
    expect((await refusal(attempt('desk', 'wrong-pass'))).code).toBe('auth_failed');
    const m = await attempt('manager', passwords.manager);
    try {
      const failed = await dispatch(m.ctx, 'audit.list', { action: 'login.failed', limit: 500 });
      expect(failed.filter((r) => r.details.refusedInsideWait === true).length).toBe(keyring.failedLogins.filter((f) => f.throttled).length);
      // Plus the one failure after the success.
      expect(failed.length).toBe(keyring.failedLogins.length + 1);
    } finally {
      m.close();
    }
  });

  it('the recovery code shares the count and the wait', async () => {
    await closedRegister();
    for (let i = 0; i < 2; i++) expect((await refusal(attempt('desk', 'wrong-pass'))).code).toBe('auth_failed');
    const wrongCode = 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA';
    expect((await refusal(recoverAccess({ dbPath: reg.dbPath, code: wrongCode, login: 'desk', newPassword: 'new-desk-pass', now }))).code).toBe('auth_failed');
    const runs = kdfRuns.n;
    const early = await refusal(recoverAccess({ dbPath: reg.dbPath, code: reg.recoveryCode, login: 'desk', newPassword: 'new-desk-pass', now }));
    expect(early).toMatchObject({ code: 'too_many_attempts', details: { retryAfterSeconds: 1 } });
    expect(kdfRuns.n).toBe(runs);
    advance(1);
    await recoverAccess({ dbPath: reg.dbPath, code: reg.recoveryCode, login: 'desk', newPassword: 'new-desk-pass', now });
    // The recovery cleared the count: the new password opens at once.
    (await attempt('desk', 'new-desk-pass')).close();
    const m = await attempt('manager', passwords.manager);
    try {
      const failed = await dispatch(m.ctx, 'audit.list', { action: 'login.failed' });
      expect(failed.filter((r) => r.details.recoveryCode === true)).toHaveLength(2);
    } finally {
      m.close();
    }
  });

  it('restoring a backup with a password waits like the lock screen', async () => {
    await closedRegister();
    const backupPath = `${reg.dbPath}.no-such-backup`;
    for (let i = 0; i < 3; i++) expect((await refusal(attempt('manager', 'wrong-pass'))).code).toBe('auth_failed');
    const runs = kdfRuns.n;
    const early = await refusal(unlockForRestore({ dbPath: reg.dbPath, backupPath, login: 'manager', password: passwords.manager, now }));
    expect(early.code).toBe('too_many_attempts');
    expect(early.details?.retryAfterSeconds).toBe(1);
    expect(kdfRuns.n).toBe(runs);
    advance(1);
    const key = await unlockForRestore({ dbPath: reg.dbPath, backupPath, login: 'manager', password: passwords.manager, now });
    expect(key).toHaveLength(32);
  });

  it('a clock set back does not stretch the wait beyond one full wait', async () => {
    await closedRegister();
    for (let i = 0; i < 5; i++) {
      expect((await refusal(attempt('desk', 'wrong-pass'))).code).toBe('auth_failed');
      advance(10);
    }
    // 5 failures: 4 s after the last. The clock jumps back a day.
    advance(-86_400);
    expect((await refusal(attempt('desk', passwords.desk))).details).toEqual({ retryAfterSeconds: 4 });
  });
});

describe('no password and no fast verifier at rest', () => {
  it('the keyring holds only Argon2id-wrapped slots; no file of the register contains a password', async () => {
    reg = await makeRegister();
    const all = Object.values(passwords);
    const keyringText = readFileSync(keyringPathFor(reg.dbPath), 'utf8');
    const keyring = readKeyring(keyringPathFor(reg.dbPath));
    // Every secret-derived value is a slot: AES-GCM under an Argon2id key, checkable only after
    // the KDF. The only other hash is the login tag, an HMAC of the login (not the password).
    expect(Object.keys(keyring).sort()).toEqual(['failedLogins', 'format', 'loginSalt', 'registerId', 'slots', 'version']);
    for (const slot of keyring.slots) {
      expect(Object.keys(slot).sort()).toEqual(['ct', 'id', 'iv', 'kdf', 'kind', 'loginTag', 'tag']);
      expect(slot.kdf.alg).toBe('argon2id');
      const fast = Boolean(process.env.VITEST) && process.env.PRIVACY_DESK_TEST_FAST_KDF === '1';
      expect(slot.kdf).toMatchObject(fast ? { m: 1024, t: 1, p: defaultKdf.p } : { m: defaultKdf.m, t: defaultKdf.t, p: defaultKdf.p });
      expect(Buffer.from(slot.ct, 'base64')).toHaveLength(32);
    }
    for (const password of all) {
      const forms = [
        password,
        ...['md5', 'sha1', 'sha256', 'sha512'].flatMap((alg) => {
          const d = createHash(alg).update(password).digest();
          return [d.toString('hex'), d.toString('base64')];
        }),
      ];
      for (const form of forms) expect(keyringText.includes(form)).toBe(false);
    }
    // While sessions are open (the WAL holds recent pages) and after they close.
    const files = [reg.dbPath, `${reg.dbPath}-wal`, keyringPathFor(reg.dbPath), `${keyringPathFor(reg.dbPath)}.prev`, `${reg.dbPath}.lock`];
    const scan = () => {
      for (const f of files.filter((p) => existsSync(p))) {
        const bytes = readFileSync(f);
        for (const password of all) {
          expect(bytes.includes(Buffer.from(password, 'utf8')), `${f} содержит пароль`).toBe(false);
          expect(bytes.includes(Buffer.from(password, 'utf16le')), `${f} содержит пароль`).toBe(false);
        }
      }
    };
    expect(existsSync(`${reg.dbPath}-wal`)).toBe(true);
    scan();
    for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
    scan();
  });

  it('outside vitest the fast-KDF flag is ignored: new slots get the production parameters', () => {
    const kdfModule = new URL('../../db/kdf.ts', import.meta.url).pathname;
    const env: NodeJS.ProcessEnv = { ...process.env, PRIVACY_DESK_TEST_FAST_KDF: '1' };
    delete env.VITEST;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import(${JSON.stringify(kdfModule)}).then((m) => console.log(JSON.stringify(m.newKdfParams(Buffer.alloc(16)))))`],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ ...defaultKdf, salt: Buffer.alloc(16).toString('base64') });
    expect(defaultKdf.m).toBeGreaterThanOrEqual(65536);
    expect(defaultKdf.t).toBeGreaterThanOrEqual(3);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, type TestRegister } from './helpers.ts';

// The promise behind `key export-raw`: if Privacy Desk is ever gone, the register still opens in
// stock SQLCipher 4 tools with nothing but the 64-hex key. The shell is built from Debian's
// trixie source package by test/tools/build-sqlcipher.sh (CI runs it); it is a separate program,
// so this checks the file format itself, not our own reading of it.

const skip = process.env.PRIVACY_DESK_SKIP_STOCK_SQLCIPHER === '1';

// Same place as test/tools/build-sqlcipher.sh.
function stockShell(): string {
  const dir = process.env.PRIVACY_DESK_SQLCIPHER_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'privacy-desk', 'sqlcipher4');
  return join(dir, 'sqlcipher');
}

function requireShell(): string {
  const bin = stockShell();
  if (!existsSync(bin)) {
    throw new Error(
      `The stock SQLCipher 4 shell is missing (${bin}). Build it once with test/tools/build-sqlcipher.sh ` +
        '(about two minutes; .ci/run does it), or set PRIVACY_DESK_SKIP_STOCK_SQLCIPHER=1 to skip this check.',
    );
  }
  return bin;
}

function runShell(bin: string, dbPath: string, script: string) {
  const r = spawnSync(bin, ['-batch', '-bail', dbPath], { input: script, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout.trim().split('\n'), err: r.stderr };
}

if (skip) console.warn('test/sqlcipher-stock.test.ts: skipped (PRIVACY_DESK_SKIP_STOCK_SQLCIPHER=1).');

describe.skipIf(skip)('the register file opens in stock SQLCipher 4 with the exported raw key', () => {
  let reg: TestRegister;
  afterEach(() => reg?.cleanup());

  async function closedRegisterWithOnePerson(): Promise<{ key: string; pragma: string }> {
    reg = await makeRegister();
    reg.manager.ctx.db
      .prepare(
        "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES ('Иванов Иван', '+79161234567', 'a@b.ru', 'a@b.ru', 'walk_in', 1, 'x', 'x')",
      )
      .run();
    const exported = (await call(reg.manager.ctx, 'key.exportRaw')) as { key: string; pragma: string; cipher: string; legacy: number };
    // Closing checkpoints the WAL into the main file: the stock tool then sees one plain file.
    for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
    return exported;
  }

  it('reads the rows and reports a 4.x cipher version', async () => {
    const bin = requireShell();
    const { key, pragma } = await closedRegisterWithOnePerson();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(pragma).toBe(`PRAGMA key = "x'${key}'";`);

    const r = runShell(
      bin,
      reg.dbPath,
      [
        `PRAGMA key = "x'${key}'";`,
        'SELECT count(*) FROM persons;',
        "SELECT full_name || '|' || phone || '|' || email FROM persons;",
        "SELECT count(*) FROM users WHERE login IN ('admin', 'manager', 'desk');",
        "SELECT count(*) FROM audit WHERE action = 'key.export_raw';",
        'SELECT user_version >= 1 FROM pragma_user_version;',
        'PRAGMA cipher_version;',
        // Checks every page's HMAC under SQLCipher 4's default settings: prints nothing when all hold.
        'PRAGMA cipher_integrity_check;',
        'PRAGMA integrity_check;',
      ].join('\n'),
    );
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    // `PRAGMA key` itself answers "ok" from SQLCipher 4.6 on.
    const out = r.out[0] === 'ok' ? r.out.slice(1) : r.out;
    expect(out).toEqual(['1', 'Иванов Иван|+79161234567|a@b.ru', '3', '1', '1', expect.stringMatching(/^4\.\d+\.\d+/), 'ok']);
  });

  it('refuses the file under a wrong key', async () => {
    const bin = requireShell();
    const { key } = await closedRegisterWithOnePerson();
    const wrong = `${key.slice(0, 63)}${key.endsWith('0') ? '1' : '0'}`;
    const r = runShell(bin, reg.dbPath, `PRAGMA key = "x'${wrong}'";\nSELECT count(*) FROM persons;\n`);
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(/file is not a database/);
    expect(r.out).not.toContain('1');
  });
});

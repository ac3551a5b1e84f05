import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeRegister, passwords, type TestRegister } from '../test/helpers.ts';
import { type AuditRow, audit, auditMany, genesisHash, rowHash, verifyAudit } from './audit.ts';
import { applyKey, type DB } from './connection.ts';
import { fromSqlite, RegisterError } from './errors.ts';

// The log must prove itself even against someone who holds the key and edits the file with a
// plain SQL shell: they can drop the triggers, but not rewrite history without the chain naming
// the first row they touched.

let reg: TestRegister;
afterEach(() => reg?.cleanup());

// makeRegister leaves 7 rows (create, admin added, logins, two users added); ten plain events
// make a log long enough to tamper with in the middle.
async function registerWithLog(): Promise<{ rows: number }> {
  reg = await makeRegister();
  const ctx = reg.manager.ctx;
  ctx.db
    .transaction(() => {
      for (let i = 1; i <= 10; i++) audit(ctx, { action: 'test.event', entity: 'person', entityId: i, details: { n: i } });
    })
    .immediate();
  return { rows: (ctx.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n };
}

// What an attacker with the exported key does: close the program, open the file in any SQLCipher
// 4 tool, edit, close.
async function editWithKey(edit: (db: DB) => void): Promise<void> {
  const { key } = (await call(reg.manager.ctx, 'key.exportRaw')) as { key: string };
  for (const s of [reg.admin, reg.manager, reg.desk]) s.close();
  const db = new Database(reg.dbPath);
  try {
    applyKey(db, Buffer.from(key, 'hex'));
    edit(db);
  } finally {
    db.close();
  }
}

function row(db: DB, id: number): AuditRow {
  return db.prepare('SELECT * FROM audit WHERE id = ?').get(id) as AuditRow;
}

async function verifyAfterReopen() {
  const s = await reg.open('manager', passwords.manager);
  return { viaOp: await call(s.ctx, 'audit.verify'), direct: verifyAudit(s.ctx.db, s.ctx.registerId), ctx: s.ctx };
}

describe('audit chain on a normal register', () => {
  it('verifies, counting every row and returning the head hash', async () => {
    const { rows } = await registerWithLog();
    const ctx = reg.manager.ctx;
    const last = ctx.db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get() as { hash: string };
    expect(verifyAudit(ctx.db, ctx.registerId)).toEqual({ ok: true, rows, head: last.hash });
    expect(rows).toBeGreaterThanOrEqual(17);
  });

  it('chains each row to the previous one from a per-register genesis', async () => {
    await registerWithLog();
    const { db, registerId } = reg.manager.ctx;
    const rows = db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
    expect(rows[0]?.prev_hash).toBe(genesisHash(registerId));
    expect(genesisHash(registerId)).not.toBe(genesisHash('another-register'));
    rows.forEach((r, i) => {
      expect(r.id).toBe(i + 1);
      expect(r.hash).toBe(rowHash(r));
      if (i > 0) expect(r.prev_hash).toBe(rows[i - 1]?.hash);
    });
  });

  it('audit.verify reports ok through the operation table and logs its own run', async () => {
    const { rows } = await registerWithLog();
    const result = await call(reg.manager.ctx, 'audit.verify');
    expect(result).toMatchObject({ ok: true, rows });
    const logged = reg.manager.ctx.db.prepare("SELECT details FROM audit WHERE action = 'audit.verify'").get() as { details: string };
    expect(JSON.parse(logged.details)).toEqual({ ok: true, rows });
  });
});

// Imports append thousands of rows at once, several per statement: each must still be its own
// link, in the order given, whatever the count (the statements come in sizes 64, 32, ..., 1).
describe('many rows appended at once', () => {
  it('chains every row in order for counts around the statement sizes', async () => {
    reg = await makeRegister();
    const ctx = reg.manager.ctx;
    let expectedRows = (ctx.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
    for (const count of [1, 2, 3, 63, 64, 65, 130, 1000]) {
      const first = expectedRows + 1;
      const ids = ctx.db
        .transaction(() =>
          auditMany(
            ctx,
            Array.from({ length: count }, (_, i) => ({ action: 'test.many', entity: 'person', entityId: i + 1, details: { count, i } })),
          ),
        )
        .immediate();
      expect(ids).toEqual(Array.from({ length: count }, (_, i) => first + i));
      const written = ctx.db.prepare('SELECT * FROM audit WHERE id >= ? ORDER BY id').all(first) as AuditRow[];
      expect(written.map((r) => JSON.parse(r.details))).toEqual(Array.from({ length: count }, (_, i) => ({ count, i })));
      expect(written.map((r) => r.entity_id)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expectedRows += count;
    }
    const rows = ctx.db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
    rows.forEach((r, i) => {
      expect(r.hash).toBe(rowHash(r));
      expect(r.prev_hash).toBe(i === 0 ? genesisHash(ctx.registerId) : rows[i - 1]?.hash);
    });
    expect(verifyAudit(ctx.db, ctx.registerId)).toMatchObject({ ok: true, rows: expectedRows });
  });

  it('an empty list appends nothing', async () => {
    reg = await makeRegister();
    const ctx = reg.manager.ctx;
    const before = verifyAudit(ctx.db, ctx.registerId);
    expect(auditMany(ctx, [])).toEqual([]);
    expect(verifyAudit(ctx.db, ctx.registerId)).toEqual(before);
  });
});

// verify reads the log a page of rows at a time: what lies on either side of a page boundary must
// be named as precisely as anywhere else.
describe('verify across its reading pages', () => {
  async function longLog(): Promise<number> {
    reg = await makeRegister();
    const ctx = reg.manager.ctx;
    ctx.db
      .transaction(() =>
        auditMany(
          ctx,
          Array.from({ length: 4_500 }, (_, i) => ({ action: 'test.event', details: { n: i } })),
        ),
      )
      .immediate();
    return (ctx.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  }

  it('counts every row of a log longer than a page', async () => {
    const rows = await longLog();
    const { db, registerId } = reg.manager.ctx;
    const head = db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get() as { hash: string };
    expect(verifyAudit(db, registerId)).toEqual({ ok: true, rows, head: head.hash });
  });

  for (const id of [2_000, 2_001, 4_001]) {
    it(`an edited row №${id} is named`, async () => {
      await longLog();
      await editWithKey((db) => {
        db.exec('DROP TRIGGER audit_no_update');
        db.prepare(`UPDATE audit SET details = '{"n":-1}' WHERE id = ?`).run(id);
      });
      const { direct } = await verifyAfterReopen();
      expect(direct).toMatchObject({ ok: false, firstBadId: id, problem: 'altered', rows: id });
    });

    it(`a deleted row №${id} is named`, async () => {
      await longLog();
      await editWithKey((db) => {
        db.exec('DROP TRIGGER audit_no_delete');
        db.prepare('DELETE FROM audit WHERE id = ?').run(id);
      });
      const { direct } = await verifyAfterReopen();
      expect(direct).toMatchObject({ ok: false, firstBadId: id, problem: 'missing' });
    });
  }
});

describe('triggers keep the log append-only', () => {
  function attempt(db: DB, sql: string): unknown {
    try {
      db.prepare(sql).run();
    } catch (err) {
      return fromSqlite(err);
    }
    return undefined;
  }

  it('refuses UPDATE and DELETE with the append_only code', async () => {
    await registerWithLog();
    const { db } = reg.manager.ctx;
    for (const sql of [
      `UPDATE audit SET details = '{"n":99}' WHERE id = 9`,
      "UPDATE audit SET action = 'x'",
      'DELETE FROM audit WHERE id = 9',
      'DELETE FROM audit',
      `INSERT INTO audit (id, at, action, details, prev_hash, hash) VALUES (9, 'x', 'x', '{}', 'x', 'x') ON CONFLICT (id) DO UPDATE SET action = 'x'`,
    ]) {
      const err = attempt(db, sql);
      expect(err, sql).toBeInstanceOf(RegisterError);
      expect((err as RegisterError).code, sql).toBe('append_only');
    }
    expect(verifyAudit(db, reg.manager.ctx.registerId).ok).toBe(true);
  });

  it('refuses to replace a row or to append anywhere but at the end', async () => {
    const { rows } = await registerWithLog();
    const { db } = reg.manager.ctx;
    const r9 = row(db, 9);
    for (const sql of [
      // REPLACE deletes the old row without firing DELETE triggers: only an INSERT guard stops it.
      `INSERT OR REPLACE INTO audit (id, at, action, details, prev_hash, hash) VALUES (9, '${r9.at}', 'forged', '{}', '${r9.prev_hash}', 'x')`,
      `REPLACE INTO audit (id, at, action, details, prev_hash, hash) VALUES (9, '${r9.at}', 'forged', '{}', '${r9.prev_hash}', 'x')`,
      `INSERT INTO audit (id, at, action, details, prev_hash, hash) VALUES (${rows + 5}, 'x', 'x', '{}', 'x', 'x')`,
    ]) {
      const err = attempt(db, sql);
      expect(err, sql).toBeInstanceOf(RegisterError);
      expect((err as RegisterError).code, sql).toBe('append_only');
    }
    expect(row(db, 9)).toEqual(r9);
    expect(verifyAudit(db, reg.manager.ctx.registerId)).toMatchObject({ ok: true, rows });
  });
});

describe('tampering by someone with the key is named by verify', () => {
  it('an edited row (trigger dropped, details changed) is named', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_update');
      db.prepare(`UPDATE audit SET details = '{"n":500}' WHERE id = 12`).run();
    });
    const { viaOp, direct, ctx } = await verifyAfterReopen();
    expect(direct).toMatchObject({ ok: false, firstBadId: 12, problem: 'altered' });
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 12, problem: 'altered' });
    expect(viaOp.message).toMatch(/№12\D/);
    expect(viaOp.message).toMatch(/изменена/);
    // The failed verification is itself logged, with the row it named.
    const logged = ctx.db.prepare("SELECT details FROM audit WHERE action = 'audit.verify' ORDER BY id DESC LIMIT 1").get() as { details: string };
    expect(JSON.parse(logged.details)).toMatchObject({ ok: false, firstBadId: 12 });
  });

  it('an edited first row is named', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_update');
      db.prepare("UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE id = 1").run();
    });
    const { viaOp } = await verifyAfterReopen();
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 1, problem: 'altered' });
    expect(viaOp.message).toMatch(/№1\D/);
  });

  it('a deleted middle row is named', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_delete');
      db.prepare('DELETE FROM audit WHERE id = 10').run();
    });
    const { viaOp, direct } = await verifyAfterReopen();
    expect(direct).toMatchObject({ ok: false, firstBadId: 10, problem: 'missing' });
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 10, problem: 'missing' });
    expect(viaOp.message).toMatch(/№10\D/);
    expect(viaOp.message).toMatch(/удалена/);
  });

  it('a deleted row with the rest renumbered to close the gap is named', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update');
      db.prepare('DELETE FROM audit WHERE id = 10').run();
      for (const { id } of db.prepare('SELECT id FROM audit WHERE id > 10 ORDER BY id').all() as { id: number }[]) {
        db.prepare('UPDATE audit SET id = id - 1 WHERE id = ?').run(id);
      }
    });
    const { viaOp } = await verifyAfterReopen();
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 10 });
    expect(viaOp.message).toMatch(/№10\D/);
  });

  it('two rows with their contents swapped are named at the first of them', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_update');
      const a = row(db, 11);
      const b = row(db, 12);
      const put = db.prepare(
        'UPDATE audit SET at = @at, user_id = @user_id, login = @login, action = @action, entity = @entity, entity_id = @entity_id, details = @details, prev_hash = @prev_hash, hash = @hash WHERE id = @target',
      );
      put.run({ ...b, target: 11 });
      put.run({ ...a, target: 12 });
    });
    const { viaOp } = await verifyAfterReopen();
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 11, problem: 'altered' });
    expect(viaOp.message).toMatch(/№11\D/);
  });

  it('an altered row re-hashed by the attacker is named through its successor', async () => {
    await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_update');
      const r = { ...row(db, 13), details: '{"n":600}' };
      db.prepare('UPDATE audit SET details = ?, hash = ? WHERE id = 13').run(r.details, rowHash(r));
    });
    const { viaOp } = await verifyAfterReopen();
    // Row 13 is now self-consistent; only row 14 no longer points at it.
    expect(viaOp).toMatchObject({ ok: false, firstBadId: 13, problem: 'altered' });
    expect(viaOp.message).toMatch(/№13\D/);
  });

  it('an edited newest row is named even though a login was appended after it', async () => {
    const { rows } = await registerWithLog();
    await editWithKey((db) => {
      db.exec('DROP TRIGGER audit_no_update');
      // key.exportRaw appended one more row: tamper with that newest one.
      db.prepare(`UPDATE audit SET details = '{"x":1}' WHERE id = ?`).run(rows + 1);
    });
    const { viaOp } = await verifyAfterReopen();
    expect(viaOp).toMatchObject({ ok: false, firstBadId: rows + 1, problem: 'altered' });
    expect(viaOp.message).toContain(`№${rows + 1}`);
  });
});

describe('privacy-desk verify (CLI)', () => {
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const { runCli } = await import('./cli/main.ts');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--db', reg.dbPath, '--user', 'manager', ...args], {
      env: { PRIVACY_DESK_PASSWORD: passwords.manager, PRIVACY_DESK_TEST_FAST_KDF: '1' },
      streams: {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
      },
      stdin: new PassThrough(),
      prompt: new PassThrough(),
    });
    return { code, stdout, stderr };
  }

  it('says the log is intact, then names the edited row with exit code 1', async () => {
    const { rows } = await registerWithLog();
    await editWithKey(() => {});
    const good = await cli(['verify']);
    expect(good.code).toBe(0);
    // export-raw and the CLI's own login were appended after the ten events.
    expect(good.stdout).toContain(`Журнал событий цел: ${rows + 2} записей.`);

    const exported = await cli(['--json', 'key', 'export-raw']);
    const { key } = JSON.parse(exported.stdout) as { key: string };
    const db = new Database(reg.dbPath);
    try {
      applyKey(db, Buffer.from(key, 'hex'));
      db.exec('DROP TRIGGER audit_no_update');
      db.prepare(`UPDATE audit SET details = '{"n":700}' WHERE id = 14`).run();
    } finally {
      db.close();
    }
    const bad = await cli(['verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^privacy-desk: Журнал событий повреждён: Запись журнала №14 изменена[^\n]*\n$/);
    const json = await cli(['--json', 'verify']);
    expect(json.code).toBe(1);
    // One JSON object: the error, carrying verify's own result.
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'audit_broken', details: { ok: false, firstBadId: 14, problem: 'altered' } } });
  });
});

describe('person.history', () => {
  it("gives the desk one person's rows (their requests included) and nothing of anyone else", async () => {
    const reg = await makeRegister();
    try {
      const a = (await call(reg.desk.ctx, 'person.add', { fullName: 'Историева Анна', phone: '+79161112233', source: 'walk_in' })).id;
      const b = (await call(reg.desk.ctx, 'person.add', { fullName: 'Другой Борис', phone: '+79161112244', source: 'walk_in' })).id;
      await call(reg.desk.ctx, 'person.markVerify', { personId: a, reason: 'сомнения в телефоне' });
      await call(reg.desk.ctx, 'request.open', { person: a, type: 'access', channel: 'in_person' });
      await call(reg.desk.ctx, 'person.markVerify', { personId: b, reason: 'другое' });
      await expect(call(reg.desk.ctx, 'audit.list', {})).rejects.toMatchObject({ code: 'forbidden' });
      const rows = await call(reg.desk.ctx, 'person.history', { personId: a });
      expect(rows.map((r: { action: string }) => r.action)).toEqual(['request.open', 'person.mark_verify', 'person.add']);
    } finally {
      reg.cleanup();
    }
  });
});

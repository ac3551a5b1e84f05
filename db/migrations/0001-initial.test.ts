import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DB, openDatabase } from '../connection.ts';
import { fromSqlite, RegisterError } from '../errors.ts';
import { migrate } from './index.ts';

// Migration 1 → the first schema. There is nothing before version 1 to carry over, so the test
// steps an empty encrypted file from 0 to 1 and checks that the schema and its hardest rules hold
// in SQL alone, with no TypeScript in the way.

let dir: string;
let db: DB;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdesk-0001-'));
  db = openDatabase(join(dir, 'register.pdesk'), randomBytes(32), { create: true, targetVersion: 0 });
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function names(type: string): string[] {
  return (db.prepare('SELECT name FROM sqlite_schema WHERE type = ? ORDER BY name').all(type) as { name: string }[]).map((r) => r.name);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    // A trigger's RAISE reads as our error code; a plain CHECK or type error as SQLite's own.
    const e = fromSqlite(err);
    return e instanceof RegisterError && e.code !== 'conflict' ? e.code : (err as { code?: string }).code;
  }
  return undefined;
}

const tables = [
  'act_subjects',
  'audit',
  'blocks',
  'calendars',
  'consent_events',
  'destruction_acts',
  'persons',
  'purposes',
  'register_info',
  'requests',
  'scans',
  'settings',
  'users',
  'verifications',
];

describe('migration 0001-initial', () => {
  it('creates the schema on an empty version-0 file and sets version 1', () => {
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(names('table')).toEqual([]);
    migrate(db, 1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);

    expect(names('table')).toEqual(expect.arrayContaining(tables));
    expect(names('table')).toEqual(expect.arrayContaining(['person_names', 'person_phones']));
    expect(names('view')).toEqual(expect.arrayContaining(['consent_current', 'marketing_list']));
    expect(names('trigger')).toEqual(
      expect.arrayContaining([
        'audit_append_at_end',
        'audit_no_update',
        'audit_no_delete',
        'consent_events_append_only',
        'consent_events_no_delete',
        'consent_events_guard_insert',
        'persons_blocked_no_edit',
        'persons_destroyed_frozen',
        'persons_no_delete',
        'destruction_acts_manager_only',
        'blocks_end_once',
      ]),
    );
    // Every ordinary table is STRICT: a wrong type is an error, not a silent conversion.
    const list = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table'").all() as { name: string; strict: number }[];
    for (const t of tables) expect(list.find((r) => r.name === t)?.strict, t).toBe(1);
  });

  describe('the rules it enforces in SQL', () => {
    let manager: number;
    let desk: number;
    let person: number;
    let marketing: number;

    beforeEach(() => {
      migrate(db, 1);
      const user = db.prepare("INSERT INTO users (login, full_name, role, created_at) VALUES (?, ?, ?, 'x')");
      manager = Number(user.run('boss', 'Руководова Мария', 'manager').lastInsertRowid);
      desk = Number(user.run('desk', 'Регистраторова Анна', 'receptionist').lastInsertRowid);
      person = Number(
        db
          .prepare(
            "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES ('Семёнов Пётр', '+79161234567', 'a@b.ru', 'a@b.ru', 'walk_in', ?, 'x', 'x')",
          )
          .run(desk).lastInsertRowid,
      );
      marketing = Number(
        db
          .prepare(
            "INSERT INTO purposes (code, title_ru, title_kk, title_en, is_marketing, created_at) VALUES ('marketing', 'Реклама', 'Жарнама', 'Marketing', 1, 'x')",
          )
          .run().lastInsertRowid,
      );
    });

    it('STRICT tables and CHECKs refuse malformed values', () => {
      expect(codeOf(() => db.prepare("UPDATE persons SET phone = '8 916 123-45-67' WHERE id = ?").run(person))).toBe('SQLITE_CONSTRAINT_CHECK');
      expect(codeOf(() => db.prepare("UPDATE persons SET created_by = 'someone' WHERE id = ?").run(person))).toBe('SQLITE_CONSTRAINT_DATATYPE');
      expect(codeOf(() => db.prepare("INSERT INTO users (login, full_name, role, created_at) VALUES ('x', 'X', 'root', 'x')").run())).toBe(
        'SQLITE_CONSTRAINT_CHECK',
      );
      expect(codeOf(() => db.prepare("INSERT INTO register_info (id, register_id, created_at) VALUES (2, 'r', 'x')").run())).toBe('SQLITE_CONSTRAINT_CHECK');
      // Foreign keys are on: a person created by nobody is refused.
      expect(
        codeOf(() => db.prepare("INSERT INTO persons (full_name, source, created_by, created_at, updated_at) VALUES ('Х', 'walk_in', 999, 'x', 'x')").run()),
      ).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    });

    it('the audit log is append-only', () => {
      db.prepare("INSERT INTO audit (id, at, action, prev_hash, hash) VALUES (1, 'x', 'a', 'p', 'h')").run();
      expect(codeOf(() => db.prepare("UPDATE audit SET action = 'b'").run())).toBe('append_only');
      expect(codeOf(() => db.prepare('DELETE FROM audit').run())).toBe('append_only');
      expect(codeOf(() => db.prepare("INSERT OR REPLACE INTO audit (id, at, action, prev_hash, hash) VALUES (1, 'x', 'b', 'p', 'h')").run())).toBe(
        'append_only',
      );
      expect(codeOf(() => db.prepare("INSERT INTO audit (id, at, action, prev_hash, hash) VALUES (3, 'x', 'c', 'p', 'h')").run())).toBe('append_only');
      expect(db.prepare('SELECT id, action FROM audit').all()).toEqual([{ id: 1, action: 'a' }]);
    });

    it('a blocked person cannot be edited or given a consent, and leaves the marketing list', () => {
      db.prepare(
        "INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, ?, 'given', '2026-01-10', 'electronic', ?, 'x')",
      ).run(person, marketing, desk);
      expect(db.prepare('SELECT id FROM marketing_list').all()).toEqual([{ id: person }]);

      db.prepare("INSERT INTO blocks (person_id, reason, requested_by, began_at, began_by) VALUES (?, 'inaccurate_data', 'subject', 'x', ?)").run(person, desk);
      expect(codeOf(() => db.prepare("UPDATE persons SET full_name = 'Другой' WHERE id = ?").run(person))).toBe('person_blocked');
      expect(
        codeOf(() =>
          db
            .prepare(
              "INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, ?, 'renewed', '2026-02-01', 'electronic', ?, 'x')",
            )
            .run(person, marketing, desk),
        ),
      ).toBe('person_blocked');
      expect(db.prepare('SELECT id FROM marketing_list').all()).toEqual([]);
      expect(codeOf(() => db.prepare('DELETE FROM persons WHERE id = ?').run(person))).toBe('append_only');
    });

    it('consent events are never rewritten, and the current state is the latest event', () => {
      const ev = db.prepare(
        "INSERT INTO consent_events (person_id, purpose_id, kind, effective_date, channel, recorded_by, recorded_at) VALUES (?, ?, ?, ?, 'electronic', ?, 'x')",
      );
      const given = Number(ev.run(person, marketing, 'given', '2026-01-10', desk).lastInsertRowid);
      ev.run(person, marketing, 'withdrawn', '2026-02-01', desk);
      expect(codeOf(() => db.prepare("UPDATE consent_events SET kind = 'given' WHERE id <> ?").run(given))).toBe('append_only');
      expect(codeOf(() => db.prepare('DELETE FROM consent_events').run())).toBe('append_only');
      expect(db.prepare('SELECT kind FROM consent_current WHERE person_id = ?').all(person)).toEqual([{ kind: 'withdrawn' }]);
    });

    it('only an active manager may sign a destruction act, and a tombstone keeps nothing personal', () => {
      const act = db.prepare(
        "INSERT INTO destruction_acts (number, act_date, operator_name, operator_address, destroyed_by, categories, information_system, method, reason, retain_until, created_by, created_at) VALUES (?, '2026-02-16', 'ООО', 'г. Москва', '[\"Руководова\"]', '[\"ФИО\"]', 'Privacy Desk', 'стирание', 'отзыв', '2029-02-16', ?, 'x')",
      );
      expect(codeOf(() => act.run('1', desk))).toBe('manager_only');
      const actId = Number(act.run('1', manager).lastInsertRowid);
      expect(codeOf(() => db.prepare('UPDATE persons SET destroyed_act_id = ? WHERE id = ?').run(actId, person))).toBe('SQLITE_CONSTRAINT_CHECK');
      db.prepare('UPDATE persons SET full_name = NULL, phone = NULL, email = NULL, email_fold = NULL, destroyed_act_id = ? WHERE id = ?').run(actId, person);
      expect(codeOf(() => db.prepare("UPDATE persons SET full_name = 'Снова' WHERE id = ?").run(person))).toBe('person_destroyed');
      expect(codeOf(() => db.prepare("UPDATE destruction_acts SET reason = 'x'").run())).toBe('append_only');
    });

    it('the name index folds ё and case; the phone index finds digits anywhere', () => {
      const byName = (q: string) => (db.prepare('SELECT rowid FROM person_names WHERE person_names MATCH ?').all(q) as { rowid: number }[]).map((r) => r.rowid);
      expect(byName('семенов')).toEqual([person]);
      expect(byName('ПЕТР*')).toEqual([person]);
      expect(byName('иванов')).toEqual([]);
      expect((db.prepare('SELECT rowid FROM person_phones WHERE person_phones MATCH \'"1234"\'').all() as { rowid: number }[]).map((r) => r.rowid)).toEqual([
        person,
      ]);
    });
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../db/api.ts';
import { verifyAudit } from '../../db/audit.ts';
import { type BenchRegister, createEncrypted, fillHistory, type HistoryStats, historyStart, plainTwin, reopenEncrypted } from './history.ts';
import type { Progress } from './stats.ts';

const quiet = { start() {}, update() {}, done() {}, note() {} } as unknown as Progress;

describe('bench register with a history', () => {
  let dir: string;
  let enc: BenchRegister;
  let plain: BenchRegister;
  let stats: HistoryStats;
  const end = new Date('2026-02-16T12:00:00');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdesk-bench-test-'));
    enc = await createEncrypted(dir, historyStart({ days: 300, end }));
    stats = fillHistory(enc, { persons: 600, days: 300, seed: 3, end }, quiet);
    plain = plainTwin(enc, dir);
  });
  afterAll(() => {
    plain?.close();
    enc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds 3–4 consent events per person, requests, blocks and a chain that verifies', () => {
    const count = (sql: string) => (enc.db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM persons')).toBe(600);
    const perPerson = enc.db.prepare('SELECT count(*) AS n FROM consent_events GROUP BY person_id').all() as { n: number }[];
    // Everyone but the newest (whose health form or withdrawal is still ahead) has 3 or 4.
    expect(perPerson.filter((r) => r.n < 3 || r.n > 4).length).toBeLessThan(30);
    expect(stats.consentEvents / stats.persons).toBeGreaterThanOrEqual(3);
    expect(stats.consentEvents / stats.persons).toBeLessThanOrEqual(4);
    expect(count("SELECT count(*) AS n FROM consent_events WHERE kind = 'withdrawn'")).toBeGreaterThan(0);
    expect(count('SELECT count(*) AS n FROM requests')).toBe(stats.requests);
    expect(stats.requests).toBeGreaterThan(5);
    expect(count("SELECT count(*) AS n FROM requests WHERE status = 'closed'")).toBe(stats.requestsClosed);
    expect(count('SELECT count(*) AS n FROM blocks')).toBe(stats.blocks);
    expect(stats.blocks).toBeGreaterThan(0);
    expect(verifyAudit(enc.db, enc.desk.registerId)).toMatchObject({ ok: true, rows: stats.auditRows });
  });

  it('spreads the history over the days with audit time moving forward only', () => {
    const span = enc.db.prepare('SELECT min(created_at) AS first, max(created_at) AS last FROM persons').get() as { first: string; last: string };
    expect(span.first < '2025-04-30').toBe(true);
    expect(span.last > '2026-02-10').toBe(true);
    const backwards = enc.db.prepare('SELECT count(*) AS n FROM audit a JOIN audit b ON b.id = a.id + 1 WHERE b.at < a.at').get() as { n: number };
    expect(backwards.n).toBe(0);
  });

  it('is the same history for the same seed', async () => {
    const other = await createEncrypted(mkdtempSync(join(dir, 'again-')), historyStart({ days: 300, end }));
    try {
      const again = fillHistory(other, { persons: 600, days: 300, seed: 3, end }, quiet);
      const { people: _a, ...a } = again;
      const { people: _b, ...b } = stats;
      expect(a).toEqual(b);
      const names = (r: BenchRegister) => r.db.prepare('SELECT full_name FROM persons ORDER BY id').pluck().all();
      expect(names(other)).toEqual(names(enc));
    } finally {
      other.close();
    }
  });

  it('makes a plaintext twin with the same rows that the search finds alike', async () => {
    expect(readFileSync(plain.dbPath).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect(readFileSync(enc.dbPath).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    for (const table of ['persons', 'consent_events', 'audit', 'requests', 'blocks']) {
      const n = (r: BenchRegister) => r.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
      expect(n(plain)).toBe(n(enc));
    }
    const surname = stats.people[0]!.fullName.split(' ')[0]!.slice(0, 3);
    const ids = async (r: BenchRegister) =>
      ((await dispatch(r.desk, 'person.find', { query: surname, limit: 50 })) as { items: { id: number }[] }).items.map((i) => i.id);
    expect((await ids(enc)).length).toBeGreaterThan(0);
    expect(await ids(plain)).toEqual(await ids(enc));
  });

  it('lets go of the register for another process and takes it back in the same object', async () => {
    const db = enc.db;
    enc.close();
    expect(db.open).toBe(false);
    await reopenEncrypted(enc);
    expect(enc.db.open).toBe(true);
    expect(enc.desk.actor.login).toBe('desk');
    const found = (await dispatch(enc.desk, 'person.find', { query: stats.people[1]!.fullName.slice(0, 3), limit: 5 })) as { items: unknown[] };
    expect(found.items.length).toBeGreaterThan(0);
  });
});

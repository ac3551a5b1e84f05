// Property-based: whatever arrives at the host, a malformed message or operation input gets a
// typed refusal and the register file stays exactly as it was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../db/api.ts';
import { Engine } from '../db/engine/engine.ts';
import { errorMessages } from '../db/errors.ts';
import type { Session } from '../db/register.ts';
import { type BrowserHost, startBrowserHost } from '../electron/browser-host.ts';
import { createHostCore, type HostCore, type HostReply, hostMessages } from '../electron/host-core.ts';
import { call, makeRegister, passwords, type TestRegister } from './helpers.ts';

const seed = 20260216;
const errorCodes = new Set(Object.keys(errorMessages));
const opNames = Object.keys(operations).sort();

let reg: TestRegister;
let engine: Engine;
let core: HostCore;
let probe: Session;

beforeAll(async () => {
  reg = await makeRegister();
  const desk = reg.desk.ctx;
  const a = await call(desk, 'person.add', { fullName: 'Фаззов Фёдор', phone: '+7 916 000-00-01', email: 'f@example.ru', source: 'walk_in' });
  await call(desk, 'person.add', { fullName: 'Проверкина Ольга', source: 'website_form' });
  await call(desk, 'person.block', { personId: a.id, reason: 'inaccurate_data', requestedBy: 'subject' });
  reg.admin.close();
  reg.manager.close();
  reg.desk.close();
  engine = new Engine({ dbPath: reg.dbPath, fixedNow: '2026-02-16T09:00:00' });
  await engine.unlock('manager', passwords.manager);
  core = createHostCore(engine);
  // A second connection that only reads, to fingerprint the file before and after.
  probe = await reg.open('admin', passwords.admin);
});

afterAll(async () => {
  await engine?.dispose();
  reg?.cleanup();
});

// Every table's rows, hashed. The only rows a refused call may add are 'access.denied' audit
// entries (a refusal is itself worth recording); logins happened before the first fingerprint.
function fingerprint(): Record<string, string> {
  const db = probe.ctx.db;
  const out: Record<string, string> = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").all() as {
    name: string;
  }[];
  db.transaction(() => {
    for (const { name } of tables) {
      const where = name === 'audit' ? " WHERE action <> 'access.denied'" : '';
      const rows = db.prepare(`SELECT * FROM "${name}"${where}`).raw().all() as unknown[][];
      const lines = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
      out[name] = `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
    }
    out.schema = createHash('sha256')
      .update(JSON.stringify(db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()))
      .digest('hex');
  }).deferred();
  out.keyring = createHash('sha256').update(readFileSync(probe.ctx.keyringPath)).digest('hex');
  out.files = readdirSync(reg.dir)
    .filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'))
    .sort()
    .join(',');
  return out;
}

// ---- generators --------------------------------------------------------------------------------

const nasty = fc.constantFrom<unknown>(
  '',
  ' ',
  'x'.repeat(100_001),
  'Я'.repeat(20_000),
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  true,
  null,
  [],
  {},
  [null],
  '2026-02-30',
  '9999-99-99',
  '<script>alert(1)</script>',
  "'; DROP TABLE persons; --",
  '\u0000',
  '\uD800',
  '../../etc/passwd',
  '=cmd|"/c calc"!A1',
);
const badValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nasty);

function keysOf(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; options?: unknown[]; _zod?: { def?: { in?: unknown; innerType?: unknown } } };
  if (s.shape) return Object.keys(s.shape);
  if (Array.isArray(s.options)) return [...new Set(s.options.flatMap(keysOf))];
  if (s._zod?.def?.in) return keysOf(s._zod.def.in);
  if (s._zod?.def?.innerType) return keysOf(s._zod.def.innerType);
  return [];
}

// Keys that pollute prototypes if a receiver merges objects carelessly, sent as JSON would carry
// them (own properties, as JSON.parse makes them).
function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const inner = JSON.stringify(obj).slice(1, -1);
  return JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}${inner ? `,${inner}` : ''}}`) as Record<string, unknown>;
}
const pollutionKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__');
const pollutionValue = fc.constantFrom<unknown>({ isAdmin: true }, { prototype: { polluted: 1 } }, { role: 'manager' }, 'x', null);

function inputFor(op: string): fc.Arbitrary<unknown> {
  const keys = keysOf(operations[op as keyof typeof operations].input);
  const mutated = fc.record(Object.fromEntries(keys.map((k) => [k, badValue])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
  const polluted = fc.tuple(mutated, pollutionKey, pollutionValue).map(([o, k, v]) => withKey(o, k, v));
  return fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, mutated, polluted);
}

const randomOpName = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'PERSON.ADD',
      'person.add ',
      ' person.add',
      'person',
      'person.',
      'x'.repeat(300),
      'register.exportCsv\u0000',
    ),
  )
  .filter((n) => !Object.hasOwn(operations, n));

// ---- properties --------------------------------------------------------------------------------

const stats = { refused: 0, readOnlyValid: 0, skippedValid: 0 };

async function sendCall(op: string, input: unknown, callId: string): Promise<HostReply> {
  const reply = await core.call({ callId, op, input });
  if (!reply.ok) expect(errorCodes.has(reply.error.code), reply.error.code).toBe(true);
  return reply;
}

async function checkOpInput(op: string, input: unknown, n: number): Promise<void> {
  const def = operations[op as keyof typeof operations] as { input: { safeParse: (x: unknown) => { success: boolean } }; tx: string; long?: boolean };
  if (!def.input.safeParse(input ?? {}).success) {
    const reply = await sendCall(op, input, `f${n}`);
    expect(reply.ok, `${op} accepted malformed input`).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('invalid_input');
    expect(JSON.stringify(reply)).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
    stats.refused++;
    return;
  }
  // Valid input may legitimately change the register; only side-effect-free reads are sent.
  if (def.tx === 'read' && !def.long) {
    const reply = await sendCall(op, input, `v${n}`);
    expect(typeof reply.ok).toBe('boolean');
    stats.readOnlyValid++;
  } else stats.skippedValid++;
}

describe('fuzz: malformed input through the host changes nothing', () => {
  it('every operation refuses input that violates its schema with invalid_input', async () => {
    const before = fingerprint();
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    let n = 0;
    for (const op of opNames) {
      await fc.assert(
        fc.asyncProperty(inputFor(op), async (input) => checkOpInput(op, input, n++)),
        { seed, numRuns: 25 },
      );
    }
    // One more pass over a random mix of every operation and names that are none, 300 runs.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...opNames), randomOpName), fc.jsonValue({ maxDepth: 3 }), async (op, raw) => {
        if (Object.hasOwn(operations, op)) return checkOpInput(op, raw, n++);
        const reply = await sendCall(op, raw, `r${n++}`);
        expect(reply.ok).toBe(false);
        if (!reply.ok) expect(['unknown_operation', 'invalid_input']).toContain(reply.error.code);
      }),
      { seed, numRuns: 300 },
    );
    console.log(
      `fuzz: ${opNames.length} operations; ${stats.refused} malformed inputs refused, ${stats.readOnlyValid} valid read-only inputs answered, ${stats.skippedValid} valid inputs to writing operations not sent`,
    );
    expect(stats.refused).toBeGreaterThan(opNames.length * 15);
    expect(fingerprint()).toEqual(before);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(engine.status()).toMatchObject({ unlocked: true, actor: { login: 'manager' } });
  }, 600_000);

  it('malformed host messages (any of the seven) get invalid_input and leave the session as it was', async () => {
    const before = fingerprint();
    const allowed = new Set(['operator', 'jurisdiction', 'admin', 'login', 'password', 'code', 'newPassword', 'callId', 'op', 'input']);
    // Either not an object at all, or an object with a key no message has: strict schemas refuse both.
    const notObject = fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v));
    const extraKey = fc
      .tuple(
        fc.dictionary(fc.constantFrom(...allowed), badValue, { maxKeys: 4 }),
        fc.oneof(pollutionKey, fc.constantFrom('dbPath', 'role', 'extra')),
        pollutionValue,
      )
      .map(([o, k, v]) => withKey(o, k, v));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...hostMessages),
        fc.oneof(
          notObject,
          extraKey,
          nasty.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v as object).length > 0),
        ),
        async (message, payload) => {
          n++;
          const reply = await core.handle(message, payload);
          expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
        },
      ),
      { seed, numRuns: 300 },
    );
    expect(n).toBe(300);
    expect(await core.handle('drop', {})).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    expect(fingerprint()).toEqual(before);
    expect(engine.status()).toMatchObject({ unlocked: true, actor: { login: 'manager' } });
  }, 300_000);

  it('the same holds over real HTTP', async () => {
    const before = fingerprint();
    let host: BrowserHost | null = null;
    try {
      host = await startBrowserHost({ engine, staticDir: join(reg.dir, 'no-web') });
      const h = host;
      const exchange = await fetch(h.url, { redirect: 'manual' });
      const cookie = exchange.headers.get('set-cookie')!.split(';')[0]!;
      const post = async (message: string, body: string) => {
        const res = await fetch(`${h.origin}/api/${message}`, {
          method: 'POST',
          headers: { Cookie: cookie, Origin: h.origin, 'Content-Type': 'application/json' },
          body,
        });
        const text = await res.text();
        const last = text.trim().split('\n').at(-1)!;
        return JSON.parse(last) as { ok: boolean; error?: { code: string; message: string } };
      };
      const samples = fc.sample(fc.tuple(fc.constantFrom(...opNames), fc.constantFrom(...opNames).chain(inputFor)), { seed, numRuns: 60 });
      let sent = 0;
      for (const [i, [op, input]] of samples.entries()) {
        const def = operations[op as keyof typeof operations];
        if (def.input.safeParse(input ?? {}).success) continue;
        const reply = await post('call', JSON.stringify({ callId: `h${i}`, op, input }));
        expect(reply.ok).toBe(false);
        expect(errorCodes.has(reply.error!.code)).toBe(true);
        sent++;
      }
      expect(sent).toBeGreaterThan(30);
      for (const body of [
        '',
        'null',
        '[]',
        '"call"',
        '{"callId":',
        '{"__proto__":{"ok":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        'x'.repeat(1000),
        '{"callId":"a","op":1}',
        `{"callId":"b","op":"person.add","input":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      ]) {
        const reply = await post('call', body);
        expect(reply.ok, body.slice(0, 40)).toBe(false);
        expect(errorCodes.has(reply.error!.code)).toBe(true);
      }
      for (const message of ['unlock', 'recover', 'create', 'lock', 'status', 'cancel']) {
        const reply = await post(message, '{"__proto__":{"login":"manager"},"constructor":1}');
        expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      }
    } finally {
      await host?.close();
    }
    expect(fingerprint()).toEqual(before);
    expect(engine.status()).toMatchObject({ unlocked: true, actor: { login: 'manager' } });
  }, 300_000);

  // Guards the guard: the fingerprint must see a real change, or every check above is empty.
  it('the fingerprint notices a valid write made through the host', async () => {
    const before = fingerprint();
    const reply = await core.call({ callId: 'real-write', op: 'person.add', input: { fullName: 'Контрольный Субъект', source: 'other' } });
    expect(reply).toMatchObject({ ok: true });
    const after = fingerprint();
    expect(after.persons).not.toBe(before.persons);
    expect(after.audit).not.toBe(before.audit);
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../db/engine/engine.ts';
import { csvCell, registerExportInput, writeRegister } from '../db/export.ts';
import { type BrowserHost, startBrowserHost } from '../electron/browser-host.ts';
import { createHttpClient } from '../renderer/api/http-client.ts';
import { call, makeRegister, passwords, type TestRegister } from './helpers.ts';

let reg: TestRegister | null = null;
let engine: Engine | null = null;
let host: BrowserHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
  await engine?.dispose();
  engine = null;
  reg?.cleanup();
  reg = null;
});

// Enough of RFC 4180 with `;` to read back what the export wrote.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) throw new Error('file does not end with CRLF');
  return rows;
}

const act = {
  number: 'УД-2026/07',
  reason: 'Отзыв согласия субъектом',
  method: 'Удаление записей средствами информационной системы',
  destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }],
};

describe('register.export as CSV: the file an inspector opens in Excel', () => {
  it('writes UTF-8 with BOM, `;`, CRLF, quoted cells, phones as text, formulas defused, tombstones as id + act', async () => {
    reg = await makeRegister();
    const desk = reg.desk.ctx;
    const ivanov = (
      await call(desk, 'person.add', { fullName: 'Иванов Иван Иванович', phone: '8 (916) 123-45-67', email: 'ivan@example.ru', source: 'walk_in' })
    ).id;
    const formula = (await call(desk, 'person.add', { fullName: '=HYPERLINK("http://evil.example")', source: 'website_form' })).id;
    const quoted = (await call(desk, 'person.add', { fullName: 'Петрова; "Анна"', source: 'phone_call' })).id;
    const minus = (await call(desk, 'person.add', { fullName: '-Сидоров', phone: '+7 903 555-66-77', source: 'callback' })).id;
    const destroyed = (await call(desk, 'person.add', { fullName: 'Удаляева Светлана', phone: '+7 903 111-22-33', source: 'appointment' })).id;
    await call(desk, 'person.block', { personId: quoted, reason: 'inaccurate_data', requestedBy: 'subject' });
    await call(desk, 'person.markVerify', { personId: minus, reason: 'старый телефон' });
    await call(reg.manager.ctx, 'person.destroy', { personIds: [destroyed], act });

    const outPath = join(reg.dir, 'out', 'persons.csv');
    mkdirSync(join(reg.dir, 'out'));
    const result = await writeRegister(reg.manager.ctx, registerExportInput.parse({ register: 'persons', format: 'csv', outPath }));
    const bytes = readFileSync(outPath);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(result).toEqual({ path: outPath, rows: 5, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    const text = bytes.toString('utf8').slice(1);
    expect(text.split('\r\n').at(0)).toBe('id;ФИО;телефон;e-mail;источник;создан;заблокирован;на проверке;акт об уничтожении');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    const rows = parseCsv(text);
    expect(rows.slice(1)).toEqual([
      [String(ivanov), 'Иванов Иван Иванович', "'+79161234567", 'ivan@example.ru', 'обращение в регистратуре', '2026-02-16 09:00', 'нет', 'нет', ''],
      [String(formula), `'=HYPERLINK("http://evil.example")`, '', '', 'форма на сайте', '2026-02-16 09:00', 'нет', 'нет', ''],
      [String(quoted), 'Петрова; "Анна"', '', '', 'телефонный звонок', '2026-02-16 09:00', 'да', 'нет', ''],
      [String(minus), "'-Сидоров", "'+79035556677", '', 'обратный звонок', '2026-02-16 09:00', 'нет', 'да', ''],
      [String(destroyed), '', '', '', '', '', '', '', '№ УД-2026/07 от 2026-02-16'],
    ]);
    expect(text).not.toContain('Удаляева');
    expect(text).not.toContain('79031112233');
    // The raw line shows the quoting itself, not only what a parser makes of it.
    expect(text).toContain(`;"Петрова; ""Анна""";`);

    // Audited as an export: counts and hash, no content.
    const [row] = await call(reg.manager.ctx, 'audit.list', { action: 'export.register' });
    expect(row.details).toEqual({ register: 'persons', format: 'csv', rows: 5, sha256: result.sha256 });
    expect(JSON.stringify(row)).not.toMatch(/Иванов|79161234567|ivan@|persons\.csv/);
    expect(readdirSync(join(reg.dir, 'out'))).toEqual(['persons.csv']);
  });

  it('quotes only what needs quoting and defuses every formula start', () => {
    expect(csvCell('просто')).toBe('просто');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell('две\r\nстроки')).toBe('"две\r\nстроки"');
    expect(csvCell(' пробел')).toBe('" пробел"');
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1+2`).startsWith(`'${start}`) || csvCell(`${start}1+2`).startsWith(`"'${start}`)).toBe(true);
    expect(csvCell('=1;2')).toBe(`"'=1;2"`);
  });

  it('filters by local creation date, refuses relative paths, missing folders and the register’s own files', async () => {
    reg = await makeRegister();
    const m = reg.manager.ctx;
    const ids: number[] = [];
    for (const [i, at] of ['2026-01-31T20:59:00Z', '2026-01-31T21:00:00Z', '2026-02-10T12:00:00Z', '2026-02-15T20:59:59Z', '2026-02-15T21:00:00Z'].entries()) {
      const id = (await call(reg.desk.ctx, 'person.add', { fullName: `Датов ${i}`, source: 'walk_in' })).id;
      m.db.prepare('UPDATE persons SET created_at = ? WHERE id = ?').run(at, id);
      ids.push(id);
    }
    const outPath = join(reg.dir, 'feb.csv');
    // The clock of these tests runs in the machine's zone; dates are compared in local time.
    const local = (iso: string) => {
      const d = new Date(iso);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    const from = local('2026-01-31T21:00:00Z');
    const to = local('2026-02-15T20:59:59Z');
    const expected = ids.filter((_, i) => {
      const day = local(['2026-01-31T20:59:00Z', '2026-01-31T21:00:00Z', '2026-02-10T12:00:00Z', '2026-02-15T20:59:59Z', '2026-02-15T21:00:00Z'][i]!);
      return day >= from && day <= to;
    });
    const r = await writeRegister(m, registerExportInput.parse({ register: 'persons', format: 'csv', outPath, from, to }));
    expect(r.rows).toBe(expected.length);
    expect(
      parseCsv(readFileSync(outPath, 'utf8').slice(1))
        .slice(1)
        .map((row) => Number(row[0])),
    ).toEqual(expected);

    expect(registerExportInput.safeParse({ register: 'persons', format: 'csv', outPath: 'relative/file.csv' }).success).toBe(false);
    expect(registerExportInput.safeParse({ register: 'patients', format: 'csv', outPath }).success).toBe(false);
    expect(registerExportInput.safeParse({ register: 'persons', format: 'docx', outPath }).success).toBe(false);
    expect(registerExportInput.safeParse({ register: 'persons', outPath }).success).toBe(false);
    expect(registerExportInput.safeParse({ register: 'persons', format: 'csv', outPath, from: '2026-03-01', to: '2026-02-01' }).success).toBe(false);
    const csv = (outPath: string) => writeRegister(m, registerExportInput.parse({ register: 'persons', format: 'csv', outPath }));
    await expect(csv(join(reg!.dir, 'no-such-folder', 'x.csv'))).rejects.toMatchObject({ code: 'io_error' });
    await expect(csv(reg!.dbPath)).rejects.toMatchObject({ code: 'conflict' });
    await expect(csv(m.keyringPath)).rejects.toMatchObject({ code: 'conflict' });
    await expect(csv(reg!.dir)).rejects.toMatchObject({ code: 'io_error' });
    // Overwriting a file the user chose again is allowed, and atomic.
    writeFileSync(outPath, 'old');
    expect((await csv(outPath)).rows).toBe(5);
    expect(readFileSync(outPath, 'utf8')).toContain('Датов 4');
  });
});

describe('a 100k-row export through the browser host', () => {
  it('keeps the host answering meanwhile, and a cancelled export leaves nothing behind', async () => {
    reg = await makeRegister();
    const setup = reg.manager.ctx.db;
    const insert = setup.prepare(
      "INSERT INTO persons (full_name, phone, email, email_fold, source, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'walk_in', 1, ?, ?)",
    );
    const t0 = performance.now();
    setup.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const email = i % 3 === 0 ? `p${i}@example.ru` : null;
        insert.run(`Пациентов${i} Тест Тестович`, `+7916${String(i).padStart(7, '0')}`, email, email, '2026-02-01T10:00:00.000Z', '2026-02-01T10:00:00.000Z');
      }
    })();
    console.log(`setup: 100000 persons inserted in ${Math.round(performance.now() - t0)} ms`);
    reg.admin.close();
    reg.manager.close();
    reg.desk.close();

    engine = new Engine({ dbPath: reg.dbPath, fixedNow: '2026-02-16T09:00:00' });
    const web = join(reg.dir, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
    host = await startBrowserHost({ engine, staticDir: web });
    const h = host;
    const exchange = await fetch(h.url, { redirect: 'manual' });
    const cookie = exchange.headers.get('set-cookie')!.split(';')[0]!;
    const client = createHttpClient({
      base: h.origin,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('Cookie', cookie);
        headers.set('Origin', h.origin);
        return fetch(input, { ...init, headers });
      },
    });
    await client.unlock('manager', passwords.manager);

    const outDir = join(reg.dir, 'exports');
    mkdirSync(outDir);
    const outPath = join(outDir, 'persons-full.csv');
    const progress: Array<{ done: number; total?: number }> = [];
    let exportDone = false;
    const started = performance.now();
    const exporting = client.call('register.export', { register: 'persons', format: 'csv', outPath }, { onProgress: (p) => progress.push(p) }).finally(() => {
      exportDone = true;
    });
    // Measure only while the export is really running: after its first progress event.
    while (progress.length === 0 && !exportDone) await new Promise((r) => setTimeout(r, 2));
    const latencies: number[] = [];
    let i = 0;
    while (!exportDone) {
      const t = performance.now();
      if (i++ % 2 === 0) await client.call('settings.get', {});
      else await client.call('person.find', { query: 'Пациентов777' });
      if (!exportDone) latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    const result = await exporting;
    const exportMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    console.log(
      `export of ${result.rows} rows: ${Math.round(exportMs)} ms, ${progress.length} progress events; ` +
        `${latencies.length} concurrent calls: p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    expect(result.rows).toBe(100_000);
    expect(latencies.length).toBeGreaterThanOrEqual(20);
    expect(p(0.95)).toBeLessThan(150);
    expect(progress.at(-1)).toEqual({ done: 100_000, total: 100_000 });
    expect(progress.every((e, k) => k === 0 || e.done >= progress[k - 1]!.done)).toBe(true);
    const file = readFileSync(outPath);
    expect(createHash('sha256').update(file).digest('hex')).toBe(result.sha256);
    const text = file.toString('utf8');
    expect(text.split('\r\n').length).toBe(100_000 + 2);
    expect(text).toContain("\r\n1;Пациентов0 Тест Тестович;'+79160000000;p0@example.ru;");

    // Cancel midway: a typed 'cancelled', no file at the target, no partial file beside it.
    const cancelPath = join(outDir, 'cancelled.csv');
    const controller = new AbortController();
    let seen = 0;
    const cancelled = client.call(
      'register.export',
      { register: 'persons', format: 'csv', outPath: cancelPath },
      {
        signal: controller.signal,
        onProgress: (e) => {
          seen = e.done;
          if (e.done > 0 && e.done < 100_000) controller.abort();
        },
      },
    );
    await expect(cancelled).rejects.toMatchObject({ name: 'ClientError', code: 'cancelled' });
    console.log(`cancelled after ${seen} of 100000 rows`);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(100_000);
    expect(readdirSync(outDir)).toEqual(['persons-full.csv']);

    // A page that goes away mid-export (tab closed) cancels it too: nobody would read the result.
    const gone = new AbortController();
    const res = await fetch(`${h.origin}/api/call`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: h.origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ callId: 'tab-closed', op: 'register.export', input: { register: 'persons', format: 'csv', outPath: join(outDir, 'gone.csv') } }),
      signal: gone.signal,
    });
    const first = await res.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain('"type":"progress"');
    expect(h.core.inFlight()).toBe(1);
    gone.abort();
    for (let k = 0; k < 400 && h.core.inFlight() > 0; k++) await new Promise((r) => setTimeout(r, 25));
    expect(h.core.inFlight()).toBe(0);
    expect(readdirSync(outDir)).toEqual(['persons-full.csv']);

    const exports = (await client.call('audit.list', { action: 'export.register' })) as Array<{ details: Record<string, unknown> }>;
    expect(exports.map((e) => e.details)).toEqual([{ register: 'persons', format: 'csv', rows: 100_000, sha256: result.sha256 }]);

    // Only the manager exports a whole register; a relative path is refused before any work.
    await expect(client.call('register.export', { register: 'persons', format: 'csv', outPath: 'persons.csv' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await client.unlock('desk', passwords.desk);
    await expect(client.call('register.export', { register: 'persons', format: 'csv', outPath: join(outDir, 'desk.csv') })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(readdirSync(outDir)).toEqual(['persons-full.csv']);
  }, 300_000);
});

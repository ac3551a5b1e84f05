import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import { call, makeRegister, passwords, type TestRegister } from '../test/helpers.ts';
import { verifyAudit } from './audit.ts';
import type { Ctx } from './context.ts';
import { Engine } from './engine/engine.ts';
import { RegisterError } from './errors.ts';
import { type Manifest, verifyPack } from './pack.ts';

let reg: TestRegister;
let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'pdesk-pack-'));
});
afterEach(() => {
  reg?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const registerFiles = ['acts', 'audit', 'blocks', 'consents', 'requests'].flatMap((r) => ['csv', 'pdf', 'xlsx'].map((f) => `registers/${r}.${f}`));

// A register with something in every inspection register, entered through the operations.
async function fill(r: TestRegister): Promise<{ anna: number; aigerim: number; gone: number }> {
  const d = r.desk.ctx;
  const anna = (await call(d, 'person.add', { fullName: 'Иванова Анна Сергеевна', phone: '8 916 123-45-67', source: 'walk_in' })).id;
  const aigerim = (await call(d, 'person.add', { fullName: 'Сәрсенбаева Әйгерім Қайратқызы', email: 'aigerim@example.kz', source: 'website_form' })).id;
  const gone = (await call(d, 'person.add', { fullName: 'Удаляев Пётр Ильич', phone: '+7 903 555-66-77', source: 'phone_call' })).id;
  await call(d, 'consent.give', { personId: anna, purpose: 'marketing', channel: 'paper', formVersion: 'М-1', paperFormNumber: '12' });
  await call(d, 'consent.give', { personId: aigerim, purpose: 'appointment', channel: 'website' });
  await call(d, 'consent.give', { personId: gone, purpose: 'appointment', channel: 'website' });
  await call(d, 'person.block', { personId: aigerim, reason: 'inaccurate_data', requestedBy: 'subject' });
  await call(d, 'request.open', { type: 'access', channel: 'in_person', person: anna, requester: 'Иванова А. С., лично' });
  await call(r.manager.ctx, 'person.destroy', {
    personIds: [gone],
    act: {
      number: 'УД-2026/01',
      reason: 'Отзыв согласия субъектом',
      method: 'Удаление из базы данных с затиранием страниц',
      destroyedBy: [{ fullName: 'Руководова Мария Петровна', position: 'Главный врач' }],
    },
  });
  return { anna, aigerim, gone };
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

// A job that cancels at its n-th checkpoint (the engine's flag, without the engine).
function cancellingAt(ctx: Ctx, n: number): { ctx: Ctx; calls: () => number } {
  let calls = 0;
  return {
    ctx: {
      ...ctx,
      job: {
        progress: () => {},
        checkpoint: () => {
          calls++;
          if (calls >= n) throw new RegisterError('cancelled');
        },
      },
    },
    calls: () => calls,
  };
}

describe('pack.create', () => {
  it('writes every register in three formats, the chain check, a README and a manifest that hashes every other file', async () => {
    reg = await makeRegister();
    await fill(reg);
    const progress: Array<[number, number | undefined]> = [];
    const ctx: Ctx = { ...reg.manager.ctx, job: { progress: (d, t) => progress.push([d, t]), checkpoint: () => {} } };
    const before = verifyAudit(reg.manager.ctx.db, reg.manager.ctx.registerId);

    const res = await call(ctx, 'pack.create', { outDir: out, from: '2026-02-01', to: '2026-02-16' });

    const name = 'inspection-pack-7701234567-2026-02-01_2026-02-16-20260216-090000';
    expect(res).toMatchObject({ path: join(out, name), name, zip: false, period: { from: '2026-02-01', to: '2026-02-16' }, zipSha256: null });
    expect(readdirSync(out)).toEqual([name]);
    const dir = res.path as string;
    const manifest = readManifest(dir);
    const files = listFiles(dir);
    const actPdfs = files.filter((f) => f.startsWith('acts/'));
    expect(res.actPdfs).toBe(actPdfs.length);
    expect(files).toEqual(['README.txt', ...actPdfs, 'audit-verification.json', 'manifest.json', ...registerFiles].sort());
    expect(res.files).toBe(files.length);

    // The manifest: who, what, when, and every file but itself with its true hash and size.
    expect(manifest).toMatchObject({
      format: 'privacy-desk-inspection-pack',
      version: 1,
      operator: { name: 'ООО «Клиника Здоровье»', address: 'г. Москва, ул. Ленина, д. 1', taxId: '7701234567' },
      jurisdiction: 'RU',
      period: { from: '2026-02-01', to: '2026-02-16' },
      createdAt: new Date('2026-02-16T09:00:00').toISOString(),
      createdBy: { login: 'manager', fullName: 'Руководова Мария Петровна', position: 'Главный врач' },
      registerId: reg.manager.ctx.registerId,
    });
    expect(manifest.files.map((f) => f.path)).toEqual(files.filter((f) => f !== 'manifest.json'));
    for (const f of manifest.files) {
      const bytes = readFileSync(join(dir, f.path));
      expect({ path: f.path, sha256: sha(bytes), bytes: bytes.length }).toEqual({ path: f.path, sha256: f.sha256, bytes: f.bytes });
    }
    expect(manifest.files.find((f) => f.path === 'registers/consents.xlsx')).toMatchObject({ register: 'consents', format: 'xlsx' });
    expect(res.manifestSha256).toBe(sha(readFileSync(join(dir, 'manifest.json'))));

    // The chain head is taken after every file was written and no file added a row of its own: it
    // is the head before the pack, and the audit extract ends exactly there.
    expect(before.ok).toBe(true);
    expect(manifest.auditChain).toEqual({ rows: before.rows, head: before.ok ? before.head : '' });
    expect(res.auditChain).toEqual({ ok: true, rows: before.rows, head: manifest.auditChain.head });
    const verification = JSON.parse(readFileSync(join(dir, 'audit-verification.json'), 'utf8'));
    expect(verification).toMatchObject({ format: 'privacy-desk-audit-verification', ok: true, rows: before.rows, head: manifest.auditChain.head });
    const auditCsv = readFileSync(join(dir, 'registers/audit.csv'), 'utf8');
    const lastId = Math.max(
      ...auditCsv
        .split('\r\n')
        .map((l) => Number(l.split(';')[0]))
        .filter((n) => Number.isInteger(n) && n > 0),
    );
    expect(lastId).toBe(before.rows);

    // The registers carry the data (Cyrillic and Kazakh intact); the destroyed person only as a tombstone.
    const consents = readFileSync(join(dir, 'registers/consents.csv'), 'utf8');
    expect(consents).toContain('Иванова Анна Сергеевна');
    expect(consents).toContain('Сәрсенбаева Әйгерім Қайратқызы');
    expect(consents).not.toContain('Удаляев');
    expect(readFileSync(join(dir, 'registers/acts.csv'), 'utf8')).toContain('УД-2026/01');
    expect(readFileSync(join(dir, 'registers/blocks.csv'), 'utf8')).toContain('Сәрсенбаева');

    // The README tells the inspector how to check, and lists each hash.
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    expect(readme.startsWith('\uFEFFПАКЕТ ДОКУМЕНТОВ ДЛЯ ПРОВЕРКИ')).toBe(true);
    expect(readme).toContain('certutil -hashfile registers\\consents.xlsx SHA256');
    expect(readme).toContain('sha256sum registers/consents.xlsx');
    expect(readme).toContain('Период: с 01.02.2026 по 16.02.2026');
    for (const f of manifest.files.filter((x) => x.path !== 'README.txt')) expect(readme).toContain(`${f.sha256}  ${f.path}\r\n`);

    // Progress counts files, ends at total, never goes back.
    const total = progress[progress.length - 1]?.[1];
    expect(total).toBe(files.length);
    expect(progress[progress.length - 1]).toEqual([total, total]);
    expect(progress.every(([d], i) => i === 0 || d >= (progress[i - 1]?.[0] ?? 0))).toBe(true);

    // The act's printed form, named in the manifest by its number.
    expect(actPdfs).toEqual(res.actPdfs === 1 ? [expect.stringMatching(/^acts\/act-\d+\.pdf$/)] : []);
    if (actPdfs[0]) {
      expect(manifest.files.find((f) => f.path === actPdfs[0])).toMatchObject({ actNumber: 'УД-2026/01' });
      expect(execFileSync('pdftotext', [join(dir, actPdfs[0]), '-'], { encoding: 'utf8' })).toContain('УД-2026/01');
      expect(readme).toContain(`${actPdfs[0]} — акт об уничтожении персональных данных № УД-2026/01`);
    }

    // One audit row for the whole pack: counts and hashes, no data, no per-file export rows (the
    // act's print, an operation of its own, has its row just before).
    const log = await call(reg.manager.ctx, 'audit.list', { limit: 5 });
    expect(log[0]).toMatchObject({
      action: 'pack.create',
      login: 'manager',
      details: {
        name,
        zip: false,
        from: '2026-02-01',
        to: '2026-02-16',
        files: files.length,
        manifestSha256: res.manifestSha256,
        auditRows: before.rows,
        auditHead: manifest.auditChain.head,
        auditOk: true,
      },
    });
    expect(log.slice(0, res.actPdfs + 1).map((r: any) => [r.id, r.action])).toEqual([
      [before.rows + 1 + res.actPdfs, 'pack.create'],
      ...Array.from({ length: res.actPdfs }, () => [before.rows + 1, 'print.act']),
    ]);
    expect(JSON.stringify(log[0])).not.toMatch(/Иванова|Сәрсенбаева|79161234567|example\.kz/);
    expect((await call(reg.manager.ctx, 'audit.list', { action: 'export.register' })).length).toBe(0);

    expect(await verifyPack(dir)).toMatchObject({
      ok: true,
      kind: 'folder',
      listed: files.length - 1,
      intact: files.length - 1,
      problems: [],
      manifestSha256: res.manifestSha256,
    });
  }, 60_000);

  it('defaults the period to the register’s first day through today and never overwrites an earlier pack', async () => {
    reg = await makeRegister();
    const a = await call(reg.manager.ctx, 'pack.create', { outDir: out });
    const b = await call(reg.manager.ctx, 'pack.create', { outDir: out });
    expect(a.period).toEqual({ from: '2026-02-16', to: '2026-02-16' });
    expect(a.name).toBe('inspection-pack-7701234567-2026-02-16_2026-02-16-20260216-090000');
    expect(b.name).toBe(`${a.name}-2`);
    expect(readdirSync(out).sort()).toEqual([a.name, b.name]);
    expect((await verifyPack(a.path)).ok).toBe(true);
    expect((await verifyPack(b.path)).ok).toBe(true);
  }, 60_000);

  it('a broken audit chain does not stop the pack: the inspector sees the break in it', async () => {
    reg = await makeRegister();
    await fill(reg);
    const db = reg.manager.ctx.db;
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare(`UPDATE audit SET details = '{"n":500}' WHERE id = 3`).run();
    const res = await call(reg.manager.ctx, 'pack.create', { outDir: out });
    expect(res.auditChain).toMatchObject({ ok: false, firstBadId: 3, message: expect.stringContaining('№3') });
    const verification = JSON.parse(readFileSync(join(res.path, 'audit-verification.json'), 'utf8'));
    expect(verification).toMatchObject({
      ok: false,
      firstBadId: 3,
      problem: 'altered',
      message: expect.stringMatching(/^Журнал событий повреждён: Запись журнала №3 /),
    });
    const manifest = readManifest(res.path);
    const last = db.prepare('SELECT id, hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1').get(manifest.auditChain.rows + 1) as {
      id: number;
      hash: string;
    };
    expect(manifest.auditChain).toEqual({ rows: last.id, head: last.hash, ok: false, firstBadId: 3 });
    expect(readFileSync(join(res.path, 'README.txt'), 'utf8')).toContain('Результат: ЖУРНАЛ ПОВРЕЖДЁН — Запись журнала №3');
    // The pack checks the chain once and hands the result to its three audit files: each says so.
    const broken = 'Проверка цепочки хешей журнала событий: НАРУШЕНА — Запись журнала №3';
    expect(readFileSync(join(res.path, 'registers/audit.csv'), 'utf8')).toContain(broken);
    const pdfText = execFileSync('pdftotext', [join(res.path, 'registers/audit.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(pdfText).toContain(broken);
    expect((await call(reg.manager.ctx, 'audit.list', { action: 'pack.create' }))[0].details).toMatchObject({ auditOk: false });
    expect((await verifyPack(res.path)).ok).toBe(true);
  }, 60_000);

  it('refuses bad input and roles without the export right, leaving nothing behind', async () => {
    reg = await makeRegister();
    await expect(call(reg.manager.ctx, 'pack.create', { outDir: 'relative/dir' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(reg.manager.ctx, 'pack.create', { outDir: out, from: '2026-02-10', to: '2026-02-01' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call(reg.manager.ctx, 'pack.create', { outDir: join(out, 'nope') })).rejects.toMatchObject({
      code: 'io_error',
      message: 'Папка для пакета не найдена.',
    });
    await expect(call(reg.desk.ctx, 'pack.create', { outDir: out })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(reg.admin.ctx, 'pack.create', { outDir: out })).rejects.toMatchObject({ code: 'forbidden' });
    expect(readdirSync(out)).toEqual([]);
  });

  it('a cancel at any point removes the partial pack and records no pack', async () => {
    reg = await makeRegister();
    await fill(reg);
    const lastId = async () => (await call(reg.manager.ctx, 'audit.list', { limit: 1 }))[0].id as number;
    for (const zip of [false, true]) {
      // How many checkpoints a whole pack passes, then a cancel at the first, some middle ones and the last.
      const probe = cancellingAt(reg.manager.ctx, Number.POSITIVE_INFINITY);
      const full = await call(probe.ctx, 'pack.create', { outDir: out, zip });
      const n = probe.calls();
      expect(n).toBeGreaterThan(20);
      rmSync(full.path, { recursive: true });
      for (const at of [1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n]) {
        const before = await lastId();
        const c = cancellingAt(reg.manager.ctx, at);
        await expect(call(c.ctx, 'pack.create', { outDir: out, zip })).rejects.toMatchObject({ code: 'cancelled' });
        expect({ zip, at, left: readdirSync(out) }).toEqual({ zip, at, left: [] });
        // Nothing in the log, except that an act may already have been printed for the pack at a
        // late cancel (printing is its own audited operation).
        const added = (await call(reg.manager.ctx, 'audit.list', { limit: 100 })).filter((r: any) => r.id > before).map((r: any) => r.action);
        expect(added.filter((a: string) => a !== 'print.act')).toEqual([]);
        if (at <= n / 3) expect(added).toEqual([]);
      }
    }
  }, 120_000);
});

describe('through the engine (as the desktop app runs it)', () => {
  it('runs in the job worker with progress in files, and a cancel from the UI leaves nothing', async () => {
    reg = await makeRegister();
    await fill(reg);
    const engine = new Engine({ dbPath: reg.dbPath });
    try {
      await engine.unlock('manager', passwords.manager);
      const controller = new AbortController();
      const cancelled = engine.call(
        'pack.create',
        { outDir: out, zip: true },
        { signal: controller.signal, onProgress: (p) => p.done >= 3 && controller.abort() },
      );
      await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
      expect(readdirSync(out)).toEqual([]);

      const seen: Array<{ done: number; total?: number }> = [];
      const made = (await engine.call('pack.create', { outDir: out }, { onProgress: (p) => seen.push(p) })) as { path: string; files: number };
      expect(seen.at(-1)).toEqual({ done: made.files, total: made.files });
      expect(await engine.call('pack.verify', { path: made.path })).toMatchObject({ ok: true, recordedInLog: { login: 'manager' } });
    } finally {
      await engine.dispose();
    }
  }, 120_000);
});

describe('verifyPack on a folder', () => {
  async function made(): Promise<string> {
    reg = await makeRegister();
    await fill(reg);
    return (await call(reg.manager.ctx, 'pack.create', { outDir: out })).path;
  }

  it('names a file with one byte changed as altered', async () => {
    const dir = await made();
    const file = join(dir, 'registers/consents.xlsx');
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(Math.floor(bytes.length / 2)) ^ 0x01, Math.floor(bytes.length / 2));
    writeFileSync(file, bytes);
    const v = await verifyPack(dir);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ file: 'registers/consents.xlsx', problem: 'altered', message: expect.stringContaining('registers/consents.xlsx') }]);
    expect(v.intact).toBe(v.listed - 1);
    expect(v.summary).toBe('Пакет изменён после создания: изменено 1 (registers/consents.xlsx).');
  }, 60_000);

  it('names a deleted file as missing and a foreign file as unexpected; ignores OS litter', async () => {
    const dir = await made();
    rmSync(join(dir, 'registers/blocks.pdf'));
    writeFileSync(join(dir, 'registers/extra.csv'), 'a;b\r\n');
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes/inspector.txt'), 'x');
    writeFileSync(join(dir, '.DS_Store'), 'finder');
    writeFileSync(join(dir, 'registers/Thumbs.db'), 'explorer');
    const v = await verifyPack(dir);
    expect(v.problems.map((p) => [p.file, p.problem])).toEqual([
      ['registers/blocks.pdf', 'missing'],
      ['notes/inspector.txt', 'unexpected'],
      ['registers/extra.csv', 'unexpected'],
    ]);
    expect(v.ignored.sort()).toEqual(['.DS_Store', 'registers/Thumbs.db']);
    expect(v.summary).toBe('Пакет изменён после создания: отсутствует 1, лишних 2 (registers/blocks.pdf, notes/inspector.txt, registers/extra.csv).');
  }, 60_000);

  it('reports a missing, unreadable, foreign or hostile manifest clearly', async () => {
    const dir = await made();
    const good = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const check = async (text: string | null) => {
      if (text === null) rmSync(join(dir, 'manifest.json'));
      else writeFileSync(join(dir, 'manifest.json'), text);
      const v = await verifyPack(dir);
      expect(v.ok).toBe(false);
      expect(v.manifest).toBeNull();
      expect(v.problems).toHaveLength(1);
      expect(v.problems[0]?.file).toBe('manifest.json');
      return [v.problems[0]?.problem, v.summary];
    };
    expect(await check(good.slice(0, good.length - 40))).toEqual(['damaged', 'Пакет не проверен: manifest.json повреждён: это не JSON.']);
    expect(await check('{"format":"something-else"}')).toEqual(['damaged', 'Пакет не проверен: manifest.json не является описью пакета Privacy Desk.']);
    expect(await check(good.replace('"version": 1', '"version": 9'))).toEqual([
      'damaged',
      'Пакет не проверен: manifest.json создан более новой версией программы: обновите программу.',
    ]);
    expect(await check(good.replace('"path": "registers/acts.csv"', '"path": "../../etc/passwd"'))).toEqual([
      'damaged',
      expect.stringMatching(/^Пакет не проверен: manifest\.json повреждён: неверное поле files\.\d+\.path\.$/),
    ]);
    expect(await check(null)).toEqual(['missing', 'Пакет не проверен: Файл manifest.json отсутствует: без описи пакет проверить нельзя.']);
    await expect(verifyPack(join(out, 'no-such-pack'))).rejects.toMatchObject({ code: 'not_found' });
    writeFileSync(join(out, 'not-a-zip.zip'), 'hello');
    await expect(verifyPack(join(out, 'not-a-zip.zip'))).rejects.toMatchObject({ code: 'pack_invalid' });
  }, 60_000);
});

describe('pack.verify (the operation)', () => {
  it('any role may run it; with the register open it also catches a manifest rewritten to match altered files', async () => {
    reg = await makeRegister();
    await fill(reg);
    const res = await call(reg.manager.ctx, 'pack.create', { outDir: out });
    const ok = await call(reg.desk.ctx, 'pack.verify', { path: res.path });
    expect(ok).toMatchObject({ ok: true, problems: [], recordedInLog: { login: 'manager' } });

    // Someone edits a register and fixes up the manifest's hash and size so the pack alone looks intact.
    const file = join(res.path, 'registers/requests.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('лично', 'почтой'));
    const m = readManifest(res.path);
    const entry = m.files.find((f) => f.path === 'registers/requests.csv');
    if (!entry) throw new Error('no entry');
    entry.sha256 = sha(readFileSync(file));
    entry.bytes = readFileSync(file).length;
    writeFileSync(join(res.path, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
    expect((await verifyPack(res.path)).ok).toBe(true);
    const caught = await call(reg.desk.ctx, 'pack.verify', { path: res.path });
    expect(caught).toMatchObject({ ok: false, recordedInLog: null, problems: [{ file: 'manifest.json', problem: 'altered' }] });
    const log = await call(reg.manager.ctx, 'audit.list', { action: 'pack.verify' });
    expect(log.map((r: any) => r.details)).toEqual([
      { ok: false, problems: 1, manifestSha256: sha(readFileSync(join(res.path, 'manifest.json'))) },
      { ok: true, problems: 0, manifestSha256: res.manifestSha256 },
    ]);
  }, 60_000);
});

describe('the ZIP variant', () => {
  async function zipped(): Promise<{ zip: string; res: any }> {
    reg = await makeRegister();
    await fill(reg);
    const res = await call(reg.manager.ctx, 'pack.create', { outDir: out, zip: true });
    return { zip: res.path, res };
  }

  // Rebuilds the archive with the same entries, changing one of them or leaving it out.
  async function rezip(from: string, to: string, change: (name: string, data: Buffer) => Buffer | null, add: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'pdesk-unzip-'));
    try {
      execFileSync('unzip', ['-q', from, '-d', dir]);
      const z = new ZipFile();
      for (const name of execFileSync('zipinfo', ['-1', from], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        const data = change(name, readFileSync(join(dir, name)));
        if (data) z.addBuffer(data, name);
      }
      for (const [name, text] of Object.entries(add)) z.addBuffer(Buffer.from(text), name);
      z.end();
      await pipeline(z.outputStream, createWriteStream(to));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('leaves one ZIP (no plaintext folder), in a fixed order, that an ordinary unzip tool reads and that verifies', async () => {
    const { zip, res } = await zipped();
    expect(readdirSync(out)).toEqual([res.name]);
    expect(res.name).toMatch(/^inspection-pack-7701234567-2026-02-16_2026-02-16-20260216-090000\.zip$/);
    expect(res.zipSha256).toBe(sha(readFileSync(zip)));
    execFileSync('unzip', ['-tq', zip]);
    const names = execFileSync('zipinfo', ['-1', zip], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(names[0]).toBe('manifest.json');
    expect(names.slice(1)).toEqual([...names.slice(1)].sort());
    // An independent reader (unzip) yields the very bytes the manifest lists.
    const dir = mkdtempSync(join(tmpdir(), 'pdesk-unzip-'));
    try {
      execFileSync('unzip', ['-q', zip, '-d', dir]);
      expect(await verifyPack(dir)).toMatchObject({ ok: true, manifestSha256: res.manifestSha256 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await verifyPack(zip)).toMatchObject({
      ok: true,
      kind: 'zip',
      problems: [],
      listed: names.length - 1,
      intact: names.length - 1,
      manifestSha256: res.manifestSha256,
    });
    expect((await call(reg.manager.ctx, 'audit.list', { limit: 1 }))[0].details).toMatchObject({ zip: true, zipSha256: res.zipSha256, files: names.length });
  }, 60_000);

  it('names an altered, a missing and an unexpected entry; a damaged archive is refused clearly', async () => {
    const { zip } = await zipped();
    const altered = join(out, 'altered.zip');
    await rezip(zip, altered, (name, data) => {
      if (name !== 'registers/audit.csv') return data;
      const copy = Buffer.from(data);
      copy.writeUInt8(copy.readUInt8(copy.length - 3) ^ 0x20, copy.length - 3);
      return copy;
    });
    expect((await verifyPack(altered)).problems.map((p) => [p.file, p.problem])).toEqual([['registers/audit.csv', 'altered']]);

    const missing = join(out, 'missing.zip');
    await rezip(zip, missing, (name, data) => (name === 'README.txt' ? null : data), { '__MACOSX/._README.txt': 'x' });
    const vm = await verifyPack(missing);
    expect(vm.problems.map((p) => [p.file, p.problem])).toEqual([['README.txt', 'missing']]);
    expect(vm.ignored).toEqual(['__MACOSX/._README.txt']);

    const extra = join(out, 'extra.zip');
    await rezip(zip, extra, (_n, data) => data, { 'registers/persons.csv': 'all of them' });
    expect((await verifyPack(extra)).problems.map((p) => [p.file, p.problem])).toEqual([['registers/persons.csv', 'unexpected']]);

    // A byte flipped inside the archive's compressed data: the entry it lands in is named.
    const raw = readFileSync(zip);
    const at = raw.indexOf(Buffer.from('registers/consents.xlsx')) + 200;
    raw.writeUInt8(raw.readUInt8(at) ^ 0xff, at);
    const flipped = join(out, 'flipped.zip');
    writeFileSync(flipped, raw);
    const vf = await verifyPack(flipped);
    expect(vf.ok).toBe(false);
    expect(vf.problems.map((p) => p.file)).toEqual(['registers/consents.xlsx']);

    // Cut off its end (the table of contents): not a pack any more.
    const cut = join(out, 'cut.zip');
    writeFileSync(cut, readFileSync(zip).subarray(0, 1000));
    await expect(verifyPack(cut)).rejects.toMatchObject({ code: 'pack_invalid' });
    expect(existsSync(zip)).toBe(true);
  }, 60_000);
});

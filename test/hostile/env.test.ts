// A full disk and a read-only folder, for real: the scenario runs in a child process inside a
// private mount namespace (unshare), where it mounts an 8 MiB tmpfs or remounts a folder
// read-only; nothing is visible outside the namespace and it all goes when the child ends.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const child = new URL('./env-child.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'pdesk-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Root can make a mount namespace directly; anyone else through a user namespace (-r), where the
// kernel allows it. Neither: the tests are skipped, and say why.
function namespaceFlags(): string[] | null {
  for (const flags of [['-m'], ['-rm']]) {
    const probe = spawnSync('unshare', [...flags, 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs "${work}" && umount "${work}"`], { encoding: 'utf8' });
    if (probe.status === 0) return flags;
  }
  return null;
}
const flags = namespaceFlags();
if (!flags) console.warn('[test/hostile/env] пропущено: нельзя создать пространство имён монтирования (unshare -m / unshare -rm недоступны)');

type Outcome = { ok: true } | { ok: false; code: string; message: string };

function runScenario(name: string): Record<string, any> {
  const dir = join(work, name);
  const r = spawnSync('unshare', [...flags!, process.execPath, child, name, dir], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`сценарий ${name} завершился с кодом ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function refused(o: Outcome, code: string): void {
  expect(o).toMatchObject({ ok: false, code });
}

describe.skipIf(!flags)('hostile environment: a full disk', () => {
  let report: Record<string, any>;
  it('person.add, import, backup and opening each refuse with disk_full, and nothing is lost', () => {
    report = runScenario('disk-full');
    const r = report.results as Record<string, Outcome>;
    for (const step of ['personAdd', 'importCommit', 'backupCreate', 'openWhileFull']) refused(r[step]!, 'disk_full');
    const personAdd = r.personAdd as { message: string };
    expect(personAdd.message).toMatch(/^На диске закончилось место \(папка .+\): действие «Добавить субъекта/);
    expect(personAdd.message).toContain('Освободите место');
    expect((r.openWhileFull as { message: string }).message).toContain('действие «вход в реестр» не выполнено');
    // Nothing half-written: no row, no audit entry, no file at a target name, no partial file.
    expect(report.after).toEqual(report.before);
    expect(report.leftovers.out).toEqual([]);
    expect(report.leftovers.backups).toEqual([]);
    expect(report.leftovers.registerDir.filter((n: string) => /partial|tmp-/.test(n))).toEqual([]);
    // With space freed the register opens, whole, and works.
    expect(report.reopened.integrity).toBe('ok');
    expect(report.reopened.persons).toBe(report.before.persons);
    expect(report.reopened.chain).toMatchObject({ ok: true });
    expect(report.reopened.backupAfter).toEqual({ ok: true });
  });

  it('exports refuse without leaving a file at the target name', () => {
    const r = report.results as Record<string, Outcome>;
    expect(r.exportCsv).toMatchObject({ ok: false });
    expect(r.exportXlsx).toMatchObject({ ok: false });
    expect(report.leftovers.out).toEqual([]);
  });

  // Pending a fix outside this helper's files (see the report of issue #7 point 2): the export
  // writers wrap ENOSPC as io_error (db/exports/target.ts ioError), and the XLSX writer throws an
  // uncaught ENOSPC from a stream callback after refusing, which would end the job worker. When
  // both are fixed this test starts to pass and `.fails` must be removed.
  it('exports say disk_full and the process survives them', () => {
    const r = report.results as Record<string, Outcome>;
    refused(r.exportCsv!, 'disk_full');
    refused(r.exportXlsx!, 'disk_full');
    expect(report.uncaught).toEqual([]);
  });
});

describe.skipIf(!flags)('hostile environment: a read-only folder or file', () => {
  it('opening for work says read_only with what to do, and changes nothing', () => {
    const report = runScenario('read-only');
    const r = report.results as Record<string, Outcome>;
    refused(r.openInReadOnlyFolder!, 'read_only');
    refused(r.openReadOnlyFile!, 'read_only');
    const message = (r.openInReadOnlyFolder as { message: string }).message;
    expect(message).toMatch(/^Файл или папка реестра доступны только для чтения/);
    expect(message).toContain('скопируйте файл register.pdesk вместе с файлом ключей register.pdesk.keyring');
    expect(report.unchangedByOpen).toBe(true);
    expect(report.unchangedFile).toBe(true);
    expect(report.lockLeft).toBe(false);
    expect(report.lockLeftFile).toBe(false);
    expect(report.persons).toBe(1);
    expect(report.integrity).toBe('ok');
    expect(report.uncaught).toEqual([]);
  });
});

// Builds the renderer once for all e2e files of a run: out/.renderer-build-hash records which
// sources the build came from (kept outside out/renderer so it is never packaged), so a second file (or a second run with nothing changed) reuses it,
// and a lock directory keeps two vitest workers from building into the same folder at once.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const rendererOut = join(repoRoot, 'out', 'renderer');
const stampFile = join(repoRoot, 'out', '.renderer-build-hash');
const lockDir = join(repoRoot, 'out', '.renderer-build.lock');
const staleLockMs = 5 * 60_000;

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile() && !/\.test\.tsx?$/.test(entry.name)) out.push(p);
  }
}

export function sourceHash(): string {
  const files: string[] = [];
  walk(join(repoRoot, 'renderer'), files);
  files.push(join(repoRoot, 'vite.config.ts'));
  const h = createHash('sha256');
  for (const f of files.sort()) {
    h.update(relative(repoRoot, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

function upToDate(hash: string): boolean {
  return existsSync(join(rendererOut, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash;
}

function runViteBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    // vitest sets NODE_ENV=test, which would give Vite React's development build (double effects
    // under StrictMode, slower rendering): the tests must drive what `npm start` ships.
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${output}`))));
  });
}

function tryLock(): boolean {
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  try {
    mkdirSync(lockDir);
    return true;
  } catch {
    // A worker that died mid-build leaves its lock behind.
    try {
      if (Date.now() - statSync(lockDir).mtimeMs > staleLockMs) rmSync(lockDir, { recursive: true, force: true });
    } catch {
      // Gone meanwhile: the next try takes it.
    }
    return false;
  }
}

export async function ensureRendererBuilt(): Promise<void> {
  const hash = sourceHash();
  for (;;) {
    if (upToDate(hash)) return;
    if (tryLock()) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    if (upToDate(hash)) return;
    await runViteBuild();
    writeFileSync(stampFile, hash);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

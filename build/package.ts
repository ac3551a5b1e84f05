// Builds the installers: renderer (vite), Electron bundles (esbuild), then electron-builder with
// build/electron-builder.json. Needs the real Electron runtime, which electron-builder downloads
// for the target platform (or takes from ELECTRON_MIRROR / its cache) — so run it on a machine
// that can reach the Electron download server.
//
//   node build/package.ts --linux          AppImage + deb
//   node build/package.ts --win            NSIS installer (build on Windows: see build/README.md)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bundle, root } from './bundle.ts';

const args = process.argv.slice(2);
const vite = spawnSync(join(root, 'node_modules', '.bin', 'vite'), ['build'], { cwd: root, stdio: 'inherit' });
if (vite.status !== 0) process.exit(vite.status ?? 1);
// Native binaries of the target platform only: --win packs Windows ones, else this OS's.
await bundle(undefined, args.includes('--win') ? 'win32' : args.includes('--mac') ? 'darwin' : args.includes('--linux') ? 'linux' : process.platform);
const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
const r = spawnSync(process.execPath, [cli, '--config', join(root, 'build', 'electron-builder.json'), '--publish', 'never', ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the Electron runtime binary would be, or null when it was never downloaded. Mirrors what
// the `electron` package's index.js does, without throwing when the binary is missing.
export function electronRuntime(): string | null {
  const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

// `npm test`: type checks (Node side and renderer) and lint, then every vitest test. Ends with vitest's summary reporter line
// "N passed, N failed", which CI reads.
import { spawnSync } from 'node:child_process';

const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

const checks = [
  [bin('tsc'), ['-p', 'tsconfig.json']],
  [bin('tsc'), ['-p', 'renderer/tsconfig.json']],
  [bin('biome'), ['lint', 'db', 'electron', 'test', 'build', 'renderer']],
] as const;
const failedCheck = checks.find(([cmd, args]) => spawnSync(cmd, args, { stdio: 'inherit' }).status !== 0);
if (failedCheck) {
  console.error(`Проверка не пройдена: ${failedCheck[0].split('/').pop()} ${failedCheck[1].join(' ')}`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
const args = ['run', ...process.argv.slice(2)];
const vitest = spawnSync(bin('vitest'), args, { stdio: 'inherit' });
process.exit(vitest.status ?? 1);

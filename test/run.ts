// `npm test`: the type check, then every vitest test. Ends with vitest's summary reporter line
// "N passed, N failed", which CI reads.
import { spawnSync } from 'node:child_process';

const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('Проверка типов не пройдена.');
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
const args = ['run', ...process.argv.slice(2)];
const vitest = spawnSync(bin('vitest'), args, { stdio: 'inherit' });
process.exit(vitest.status ?? 1);

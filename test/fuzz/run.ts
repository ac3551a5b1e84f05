// `npm run fuzz`: the fuzz files with many more runs and a fresh seed (or FUZZ_SEED to replay one).
// The seed is printed first, so a failure can be reproduced with the same two variables.
import { spawnSync } from 'node:child_process';

const seed = process.env.FUZZ_SEED || String(Date.now() % 2_147_483_647);
const runs = process.env.FUZZ_RUNS || '20';
console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} (repeat with: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz)`);
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
});
console.log(`fuzz: seed ${seed}, runs ×${runs}: ${result.status === 0 ? 'passed' : 'FAILED'}`);
process.exit(result.status ?? 1);

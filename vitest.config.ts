import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['db/**/*.test.ts', 'electron/**/*.test.ts', 'test/**/*.test.ts', 'renderer/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real encrypted files and KDFs: keep workers few on a 2-core machine.
    maxWorkers: 2,
    env: { PRIVACY_DESK_TEST_FAST_KDF: '1' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Two tiers: `unit` (src/**, beside the code, in-process, no build) and `e2e` (test/**:
 * real servers, the built CLI as a process; dist/ is built once first). `npm test` runs
 * both; `npm run test:unit` and `npm run test:e2e` run one. Files and tests run in a new
 * random order every time (the seed is printed; `--sequence.seed=N` replays it): no test
 * may lean on another's leftovers. Half again as many workers as cores: most e2e time is
 * spent waiting (on child processes, deadlines, servers), and a third worker fills those
 * waits (on 2 cores, 3 workers ran the suite in about three quarters of the wall time of 2).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: '150%',
    sequence: { shuffle: true },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts'], globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});

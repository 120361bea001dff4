import { defineConfig } from 'vitest/config';

/**
 * Two tiers: `unit` (src/**, beside the code, in-process, no build) and `e2e` (test/**:
 * real servers, the built CLI as a process; dist/ is built once first). `npm test` runs
 * both; `npm run test:unit` and `npm run test:e2e` run one. Files and tests run in a new
 * random order every time (the seed is printed; `--sequence.seed=N` replays it): no test
 * may lean on another's leftovers. Half again as many workers as cores: most e2e time is
 * spent waiting (on child processes, deadlines, servers), and a third worker fills those
 * waits (on 2 cores, 3 workers ran the suite in about three quarters of the wall time of 2).
 *
 * Time goes to starting things, so nothing is started twice that need not be:
 * - `isolate: false`: a worker runs file after file in one module graph instead of a fresh
 *   one per file (about 0.2 s of CPU per file saved). So every file restores what it
 *   changes (process.env, fake timers, servers) in its own after-hooks, and the shuffled
 *   file order finds one that does not.
 * - `fsModuleCache`: the TypeScript transforms are kept on disk (node_modules/) between runs,
 *   keyed by content (the default from Vitest 5 on).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: '150%',
    isolate: false,
    experimental: { fsModuleCache: true },
    sequence: { shuffle: { files: false, tests: true } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

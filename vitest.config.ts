import { defineConfig } from 'vitest/config';

/**
 * Two tiers: `unit` (src/**, beside the code, in-process, no build) and `e2e` (test/**:
 * real servers, the built CLI as a process; dist/ is built once first). `npm test` runs
 * both, unit files first; `npm run test:unit` and `npm run test:e2e` run one.
 *
 * Order: the tests of a file run in a new random order every time (the seed is printed;
 * `--sequence.seed=N` replays it), so no test may lean on another's leftovers. Files run
 * longest first (Vitest's order, from the last run's durations), so that the slow ones do
 * not start last and leave a core idle at the end; where CI is set they run in a random order
 * too (`--sequence.shuffle.files` anywhere), which is what finds a file that leaks into the
 * next one.
 *
 * Time goes to starting things, so nothing is started twice that need not be:
 * - Half again as many workers as cores: most e2e time is spent waiting (on child
 *   processes, deadlines, servers), and a third worker fills those waits.
 * - `isolate: false`: a worker runs file after file of its project in one module graph
 *   instead of a fresh one per file (about 0.2 s of CPU per file). So every file restores
 *   what it changes (process.env, fake timers, servers) in its own after-hooks. A worker
 *   is reused only by a file of its own project, hence one group per project.
 * - `fsModuleCache`: the TypeScript transforms are kept on disk (node_modules/) between
 *   runs, keyed by content (the default from Vitest 5 on).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: '150%',
    isolate: false,
    experimental: { fsModuleCache: true },
    sequence: { shuffle: { files: Boolean(process.env.CI), tests: true } },
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

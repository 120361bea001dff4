import { defineConfig } from 'vitest/config';
import { projectsInTurn } from './test/file-order.js';

/**
 * Two tiers: `unit` (src/**, beside the code, in-process, no build) and `e2e` (test/**:
 * real servers, the built CLI as a process; dist/ is built first when its sources have
 * changed, test/support/build.ts). `npm test` runs both, e2e files first and the unit
 * files after them (test/file-order.ts); `npm run test:unit` and `npm run test:e2e` run one.
 *
 * Order: the tests of a file run in a new random order every time (the seed is printed;
 * `--sequence.seed=N` replays it), so no test may lean on another's leftovers. Within a
 * project, files run longest first (Vitest's order, from the last run's durations), so that
 * the slow ones do not start last and leave a core idle at the end; where CI is set they run
 * in an order drawn from the seed too (`CI=1 npx vitest run --sequence.seed=N` replays one),
 * which is what finds a file that leaks into the next one.
 *
 * Time goes to starting things, so nothing is started twice that need not be:
 * - Half again as many workers as cores: most e2e time is spent waiting (on child
 *   processes, deadlines, servers), and a third worker fills those waits.
 * - `isolate: false`: a worker runs file after file of its project in one module graph
 *   instead of a fresh one per file (about 0.2 s of CPU per file). So every file restores
 *   what it changes (process.env, fake timers, servers) in its own after-hooks. A worker
 *   is reused only for a file of its own project, hence the projects never interleave.
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
    sequence: {
      sequencer: projectsInTurn({ shuffleFiles: Boolean(process.env.CI) }),
      shuffle: { files: false, tests: true },
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});

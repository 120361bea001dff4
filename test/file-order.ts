/**
 * The order test files run in (vitest.config.ts, `sequence.sequencer`): every e2e file, then
 * every unit file, in one group. Vitest hands a non-isolated worker the next file only when
 * it is of the same project, so the projects must not interleave (shuffled together, they
 * started 52 workers instead of 6); and with no barrier between them, the unit files fill
 * the cores the last e2e files leave idle. Within a project: longest first (Vitest's own
 * order, from the last run's durations), or, where files are shuffled (where CI is set), in
 * an order drawn from the run's printed seed, which finds a file that leaks into the next.
 */
import { BaseSequencer, type TestSequencerConstructor, type TestSpecification } from 'vitest/node';

/** The project whose files run first: the long ones, each mostly waiting on processes and servers. */
const FIRST_PROJECT = 'e2e';

/** `items` in an order drawn from `seed` (Fisher–Yates over mulberry32): the same seed, the same order. */
export function shuffledBySeed<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as T, shuffled[i] as T];
  }
  return shuffled;
}

/**
 * The sequencer, files shuffled or not. (Vitest drops `sequence.shuffle.files` from the
 * resolved config once a sequencer is given, so the choice comes in here.)
 */
export function projectsInTurn(options: { shuffleFiles: boolean }): TestSequencerConstructor {
  return class ProjectsInTurn extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const ordered = options.shuffleFiles
        ? shuffledBySeed(files, this.ctx.config.sequence.seed)
        : await super.sort(files);
      const first = ordered.filter((spec) => spec.project.name === FIRST_PROJECT);
      return [...first, ...ordered.filter((spec) => spec.project.name !== FIRST_PROJECT)];
    }
  };
}

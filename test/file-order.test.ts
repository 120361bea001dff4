import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { projectsInTurn, shuffledBySeed } from './file-order.js';

/** Files of both projects, interleaved the way a glob may list them. */
const FILES = Array.from({ length: 12 }, (_, i) => ({
  moduleId: `/repo/${i % 3 === 0 ? 'src' : 'test'}/file-${i}.test.ts`,
  project: { name: i % 3 === 0 ? 'unit' : 'e2e', config: { sequence: { groupOrder: 0 }, isolate: false } },
})) as unknown as TestSpecification[];

function sequencer(shuffleFiles: boolean, seed: number) {
  const ctx = {
    config: { root: '/repo', sequence: { shuffle: true, seed } },
    cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
  };
  const ProjectsInTurn = projectsInTurn({ shuffleFiles });
  return new ProjectsInTurn(ctx as unknown as Vitest);
}

const projects = (files: TestSpecification[]) => files.map((file) => file.project.name);

describe('the order of test files', () => {
  it.each([false, true])(
    'runs every e2e file before any unit file (files shuffled: %s)',
    async (shuffled) => {
      const sorted = await sequencer(shuffled, 7).sort(FILES);
      expect(projects(sorted)).toEqual([...Array(8).fill('e2e'), ...Array(4).fill('unit')]);
      expect([...sorted].sort((a, b) => a.moduleId.localeCompare(b.moduleId))).toEqual(
        [...FILES].sort((a, b) => a.moduleId.localeCompare(b.moduleId)),
      );
    },
  );

  it('shuffles by the seed: the same seed gives the same order, another seed another', async () => {
    const order = async (seed: number) =>
      (await sequencer(true, seed).sort(FILES)).map((file) => file.moduleId);
    expect(await order(1)).toEqual(await order(1));
    expect(await order(1)).not.toEqual(await order(2));
    expect(shuffledBySeed([1, 2, 3, 4, 5], 3).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDist } from './build.js';

/**
 * A checkout of two modules and a test, and a stand-in for tsc that counts its runs, writes
 * each module's .js, and fails when src/ holds a file named BROKEN.
 */
let root: string;
let compilerRuns: number;

async function fakeTsc(at: string): Promise<void> {
  compilerRuns += 1;
  const sources = await readdir(join(at, 'src'));
  if (sources.includes('BROKEN')) throw new Error('the build failed\nsrc/BROKEN: error TS1005');
  await mkdir(join(at, 'dist'), { recursive: true });
  for (const name of sources.filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    await writeFile(join(at, 'dist', name.replace(/\.ts$/, '.js')), 'export {};\n');
  }
}

const build = () => buildDist(root, fakeTsc);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kog-build-'));
  await mkdir(join(root, 'src'));
  compilerRuns = 0;
  await writeFile(join(root, 'src/a.ts'), 'export const a = 1;\n');
  await writeFile(join(root, 'src/b.ts'), 'export const b = 2;\n');
  await writeFile(join(root, 'src/a.test.ts'), '\n');
  await writeFile(join(root, 'tsconfig.json'), '{}\n');
  await writeFile(join(root, 'package.json'), '{}\n');
  await writeFile(join(root, 'package-lock.json'), '{}\n');
  await mkdir(join(root, 'node_modules/typescript'), { recursive: true });
  await writeFile(join(root, 'node_modules/typescript/package.json'), '{"version":"7.0.0"}\n');
});

afterEach(() => rm(root, { recursive: true, force: true }));

describe('buildDist', () => {
  it('builds once, then not again while nothing it reads has changed', async () => {
    expect(await build()).toBe('built');
    expect(await build()).toBe('up to date');
    expect(compilerRuns).toBe(1);
  });

  it.each([
    ['a source changes', () => writeFile(join(root, 'src/a.ts'), 'export const a = 3;\n')],
    ['a test changes', () => writeFile(join(root, 'src/a.test.ts'), '// x\n')],
    ['a source is added', () => writeFile(join(root, 'src/c.ts'), 'export {};\n')],
    ['a source is removed', () => rm(join(root, 'src/b.ts'))],
    ['the compiler settings change', () => writeFile(join(root, 'tsconfig.json'), '{"x":1}\n')],
    ['the lock file changes', () => writeFile(join(root, 'package-lock.json'), '{"x":1}\n')],
    ['package.json changes', () => writeFile(join(root, 'package.json'), '{"type":"module"}\n')],
    [
      'another compiler is installed',
      () => writeFile(join(root, 'node_modules/typescript/package.json'), '{"version":"8.0.0"}\n'),
    ],
    ['a built module is missing', () => rm(join(root, 'dist/b.js'))],
    ['something else rewrote dist/', () => writeFile(join(root, 'dist/a.js'), 'export const a = 9;\n')],
    ['something else added to dist/', () => writeFile(join(root, 'dist/old.js'), 'export {};\n')],
    ['the stamp is missing', () => rm(join(root, 'dist/.build-stamp'))],
  ])('builds again when %s', async (_what, change) => {
    await build();
    await change();
    expect(await build()).toBe('built');
    expect(compilerRuns).toBe(2);
  });

  it('leaves no stamp when the build fails, so the next run builds again', async () => {
    await build();
    await writeFile(join(root, 'src/BROKEN'), '');
    await expect(build()).rejects.toThrow('the build failed\nsrc/BROKEN: error TS1005');
    expect(existsSync(join(root, 'dist/.build-stamp'))).toBe(false);
    await rm(join(root, 'src/BROKEN'));
    expect(await build()).toBe('built');
    expect(compilerRuns).toBe(3);
  });
});

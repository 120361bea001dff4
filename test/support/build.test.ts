import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDist } from './build.js';

/**
 * A checkout of two modules and a test, with a stand-in for tsc that counts its runs, writes
 * each module's .js, and fails when src/ holds a file named BROKEN.
 */
let root: string;

const FAKE_TSC = `
const fs = require('node:fs');
const path = require('node:path');
const root = path.dirname(process.argv[3]);
fs.appendFileSync(path.join(root, 'tsc-runs'), 'x');
const src = fs.readdirSync(path.join(root, 'src'));
if (src.includes('BROKEN')) { console.log('src/BROKEN: error TS1005'); process.exit(2); }
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
for (const name of src.filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')))
  fs.writeFileSync(path.join(root, 'dist', name.replace(/\\.ts$/, '.js')), 'export {};\\n');
`;

const tscRuns = async () => (await readFile(join(root, 'tsc-runs'), 'utf8').catch(() => '')).length;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kog-build-'));
  await mkdir(join(root, 'src'));
  await mkdir(join(root, 'node_modules/typescript/bin'), { recursive: true });
  await writeFile(join(root, 'node_modules/typescript/bin/tsc'), FAKE_TSC);
  await writeFile(join(root, 'node_modules/typescript/package.json'), '{"type":"commonjs"}');
  await writeFile(join(root, 'src/a.ts'), 'export const a = 1;\n');
  await writeFile(join(root, 'src/b.ts'), 'export const b = 2;\n');
  await writeFile(join(root, 'src/a.test.ts'), '\n');
  await writeFile(join(root, 'tsconfig.json'), '{}\n');
  await writeFile(join(root, 'package-lock.json'), '{}\n');
});

afterEach(() => rm(root, { recursive: true, force: true }));

describe('buildDist', () => {
  it('builds once, then not again while nothing it reads has changed', async () => {
    expect(await buildDist(root)).toBe('built');
    expect(await buildDist(root)).toBe('up to date');
    expect(await tscRuns()).toBe(1);
  });

  it.each([
    ['a source changes', () => writeFile(join(root, 'src/a.ts'), 'export const a = 3;\n')],
    ['a test changes', () => writeFile(join(root, 'src/a.test.ts'), '// x\n')],
    ['a source is added', () => writeFile(join(root, 'src/c.ts'), 'export {};\n')],
    ['a source is removed', () => rm(join(root, 'src/b.ts'))],
    ['the compiler settings change', () => writeFile(join(root, 'tsconfig.json'), '{"x":1}\n')],
    ['the lock file changes', () => writeFile(join(root, 'package-lock.json'), '{"x":1}\n')],
    ['a built module is missing', () => rm(join(root, 'dist/b.js'))],
    ['the stamp is missing', () => rm(join(root, 'dist/.build-inputs'))],
  ])('builds again when %s', async (_what, change) => {
    await buildDist(root);
    await change();
    expect(await buildDist(root)).toBe('built');
    expect(await tscRuns()).toBe(2);
  });

  it('throws with the compiler output when the build fails, and builds again next time', async () => {
    await buildDist(root);
    await writeFile(join(root, 'src/BROKEN'), '');
    await expect(buildDist(root)).rejects.toThrow('the build failed\nsrc/BROKEN: error TS1005');
    expect(existsSync(join(root, 'dist/.build-inputs'))).toBe(false);
    await rm(join(root, 'src/BROKEN'));
    expect(await buildDist(root)).toBe('built');
    expect(await tscRuns()).toBe(3);
  });
});

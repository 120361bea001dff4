/**
 * The CLI keeps what it compiles in Node's compile cache (src/cli.ts): under TMPDIR where
 * that can be written, never where NODE_DISABLE_COMPILE_CACHE is set (the image sets it), and
 * where it cannot be written (a read-only root filesystem, a TMPDIR that is not a directory)
 * it runs exactly as without one, saying nothing about it.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const VERSION = (await import('../package.json', { with: { type: 'json' } })).default.version;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kog-compile-cache-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('the compile cache', () => {
  it('is written under TMPDIR', async () => {
    const home = join(dir, 'writable');
    await mkdir(home);
    const run = await runCli(['--version'], { env: { TMPDIR: home } });
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(await readdir(home)).toEqual(['node-compile-cache']);
    expect((await readdir(join(home, 'node-compile-cache'))).length).toBeGreaterThan(0);
  });

  it('is off where NODE_DISABLE_COMPILE_CACHE is set, as the image sets it', async () => {
    const home = join(dir, 'disabled');
    await mkdir(home);
    const run = await runCli(['--version'], { env: { TMPDIR: home, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(await readdir(home)).toEqual([]);
  });

  it('changes nothing where it cannot be written: TMPDIR is a file', async () => {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, '');
    const run = await runCli(['--version'], { env: { TMPDIR: file } });
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});

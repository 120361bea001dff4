/**
 * dist/ for the end-to-end tests (they run the built CLI, never the sources): tsc builds it
 * unless the last build was of exactly these inputs. The inputs are every file under src/
 * (names and bytes), tsconfig.json and package-lock.json (the compiler's version and the
 * types it reads); their hash is written to dist/.build-inputs once a build has succeeded,
 * and removed before one starts, so an interrupted build is never taken for a finished one.
 * Every module the sources make must be in dist/ as well. A clean clone (CI) always builds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every file under dir, relative to root, sorted. */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The hash of what tsc reads to build dist/. */
export async function buildInputsHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [...(await filesUnder(root, 'src')), 'tsconfig.json', 'package-lock.json']) {
    hash
      .update(`${path}\0`)
      .update(await readFile(join(root, path)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** The modules the sources make: each src/ module but the tests, as dist/*.js. */
async function expectedModules(root: string): Promise<string[]> {
  return (await filesUnder(root, 'src'))
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
    .map((path) => join(root, 'dist', path.slice('src/'.length).replace(/\.ts$/, '.js')));
}

/** tsc, as `npm run build` runs it; a failure carries the compiler's output. */
async function runTsc(root: string): Promise<void> {
  try {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.json'),
    ]);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`the build failed\n${stdout}${stderr}`);
  }
}

/** Builds dist/ (with tsc, unless told otherwise) unless it was built from these very inputs; says which. */
export async function buildDist(
  root: string,
  compile: (root: string) => Promise<void> = runTsc,
): Promise<'built' | 'up to date'> {
  const stamp = join(root, 'dist', '.build-inputs');
  const inputs = await buildInputsHash(root);
  const built = existsSync(stamp) && (await readFile(stamp, 'utf8')) === inputs;
  if (built && (await expectedModules(root)).every((path) => existsSync(path))) return 'up to date';
  await rm(stamp, { force: true });
  await compile(root);
  await writeFile(stamp, inputs);
  return 'built';
}

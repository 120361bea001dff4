/**
 * dist/ for the end-to-end tests (they run the built CLI, never the sources): tsc builds it
 * unless dist/ is, byte for byte, what the last build here made from exactly these inputs.
 * The inputs are every file under src/ (names and bytes), tsconfig.json, package.json,
 * package-lock.json, and the package.json of the compiler and the Node types installed. Once
 * a build has succeeded, dist/.build-stamp records the hash of the inputs and of every file it
 * left in dist/; it is removed before a build starts, so an interrupted build is never taken
 * for a finished one, and anything else that writes dist/ (`npm run build` of other sources,
 * a file deleted) changes the second hash. A clean clone (CI) always builds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STAMP = '.build-stamp';

/** Every file under dir, relative to root, sorted; none when dir does not exist. */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  if (!existsSync(join(root, dir))) return [];
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The hash of these files' names and bytes (a missing one counts as missing). */
async function hashOf(root: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    const bytes = await readFile(join(root, path)).catch(() => Buffer.from('(missing)'));
    hash.update(`${path}\0`).update(bytes).update('\0');
  }
  return hash.digest('hex');
}

/** What tsc reads to build dist/. */
const inputsHash = async (root: string) =>
  hashOf(root, [
    ...(await filesUnder(root, 'src')),
    'tsconfig.json',
    'package.json',
    'package-lock.json',
    'node_modules/typescript/package.json',
    'node_modules/@types/node/package.json',
  ]);

/** What dist/ holds, the stamp aside. */
const outputsHash = async (root: string) =>
  hashOf(
    root,
    (await filesUnder(root, 'dist')).filter((path) => path !== `dist/${STAMP}`),
  );

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

/** Builds dist/ (with tsc, unless told otherwise) unless the stamp vouches for it; says which. */
export async function buildDist(
  root: string,
  compile: (root: string) => Promise<void> = runTsc,
): Promise<'built' | 'up to date'> {
  const stamp = join(root, 'dist', STAMP);
  const inputs = await inputsHash(root);
  const recorded = await readFile(stamp, 'utf8').catch(() => '');
  if (recorded === `${inputs} ${await outputsHash(root)}`) return 'up to date';
  await rm(stamp, { force: true });
  await compile(root);
  await writeFile(stamp, `${inputs} ${await outputsHash(root)}`);
  return 'built';
}

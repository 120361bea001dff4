/**
 * Before the end-to-end suites: builds dist/ (they run the built CLI, never the sources) and,
 * meanwhile, starts the run's one Azurite (support/shared-azurite.ts), stopped after the last
 * file. Prints the Node version first: npm scripts run on the pinned `node` dev dependency
 * (node_modules/.bin), not on whatever Node the machine has, and the log shows which.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startAzurite } from './support/azurite.js';

const run = promisify(execFile);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.stdout.write(`tests run on Node ${process.version} (${process.execPath})\n`);
  const starting = startAzurite();
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  } catch (error) {
    await (await starting).stop();
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`the build failed\n${stdout}${stderr}`);
  }
  const azurite = await starting;
  project.provide('azuriteBlobPort', azurite.port);
  return () => azurite.stop();
}

/**
 * Before the end-to-end suites: builds dist/ (they run the built CLI, never the sources) and
 * starts the run's one Azurite (support/shared-azurite.ts) on a port picked here, without
 * waiting for it: the unit files run meanwhile, and the first file that needs it waits.
 * It is stopped after the last file. Prints the Node version first: npm scripts run on the
 * pinned `node` dev dependency (node_modules/.bin), not on whatever Node the machine has,
 * and the log shows which.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { type Azurite, startAzurite } from './support/azurite.js';
import { freePort } from './support/ports.js';

const run = promisify(execFile);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.stdout.write(`tests run on Node ${process.version} (${process.execPath})\n`);
  const port = await freePort();
  const azurite: Promise<Azurite | undefined> = startAzurite(port).catch((error: unknown) => {
    process.stderr.write(`Azurite did not start on port ${port}: ${String(error)}\n`);
    return undefined;
  });
  project.provide('azuriteBlobPort', port);
  const stopAzurite = async () => (await azurite)?.stop();
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  } catch (error) {
    await stopAzurite();
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`the build failed\n${stdout}${stderr}`);
  }
  return stopAzurite;
}

/**
 * Before the end-to-end suites: builds dist/ (they run the built CLI, never the sources;
 * support/build.ts skips a build of unchanged inputs) and starts the run's one Azurite
 * (support/shared-azurite.ts) on a port picked here, without waiting for it: the first file
 * that needs it waits, while the others run.
 * It is stopped after the last file. Prints the Node version first: npm scripts run on the
 * pinned `node` dev dependency (node_modules/.bin), not on whatever Node the machine has,
 * and the log shows which.
 */
import type { TestProject } from 'vitest/node';
import { type Azurite, startAzurite } from './support/azurite.js';
import { buildDist } from './support/build.js';
import { REPO_ROOT } from './support/dockerfile.js';
import { freePort } from './support/ports.js';

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
    process.stdout.write(`dist/: ${await buildDist(REPO_ROOT)}\n`);
  } catch (error) {
    await stopAzurite();
    throw error;
  }
  return stopAzurite;
}

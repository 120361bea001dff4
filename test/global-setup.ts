/**
 * Before the end-to-end suites: builds dist/ (they run the built CLI, never the sources) and
 * starts the run's one Azurite (support/shared-azurite.ts) on a port picked here, without
 * waiting for it: the unit files run meanwhile, and the first file that needs it waits.
 * It is stopped after the last file. Prints the Node version first: npm scripts run on the
 * pinned `node` dev dependency (node_modules/.bin), not on whatever Node the machine has,
 * and the log shows which.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { type Azurite, startAzurite } from './support/azurite.js';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

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

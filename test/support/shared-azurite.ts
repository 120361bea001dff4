/**
 * The one Azurite of a test run: test/global-setup.ts starts it on a port it picked, without
 * waiting (the unit files run meanwhile), and stops it after the last file; every test file
 * that needs an Azure Blob service takes this one instead of starting its own (a start costs
 * about 1.3 s of CPU). Files keep out of each other's way by container and prefix: `$web` is
 * made with createIfNotExists by whoever comes first, and each file writes under prefixes of
 * its own. No file stops it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { type Azurite, azuriteAt } from './azurite.js';
import { isListening } from './ports.js';

export type SharedAzurite = Omit<Azurite, 'stop'>;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The port of the run's Azurite Blob service (test/global-setup.ts). */
    azuriteBlobPort: number;
  }
}

const READY_WITHIN_MS = 30_000;

/** The run's Azurite, once it accepts connections. */
export async function sharedAzurite(): Promise<SharedAzurite> {
  const port = inject('azuriteBlobPort');
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!(await isListening(port))) {
    if (Date.now() > deadline) {
      throw new Error(`the run's Azurite (port ${port}) did not start: see the global setup's output`);
    }
    await sleep(50);
  }
  return azuriteAt(port);
}

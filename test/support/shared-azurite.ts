/**
 * The one Azurite of a test run: test/global-setup.ts starts it beside the build and stops
 * it after the last file, and every test file that needs an Azure Blob service takes this
 * one instead of starting its own (a start costs about 1.3 s of CPU). Files keep out of each
 * other's way by container and prefix: `$web` is made with createIfNotExists by whoever comes
 * first, and each file writes under prefixes of its own. No file stops it.
 */
import { inject } from 'vitest';
import { type Azurite, azuriteAt } from './azurite.js';

export type SharedAzurite = Omit<Azurite, 'stop'>;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The port of the run's Azurite Blob service (test/global-setup.ts). */
    azuriteBlobPort: number;
  }
}

export function sharedAzurite(): SharedAzurite {
  return azuriteAt(inject('azuriteBlobPort'));
}

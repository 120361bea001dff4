/**
 * Opens the store for a destination. Each backend is a dynamic import, so a run loads only
 * the SDK its destinations use: a folder run loads neither, which keeps it fast and small.
 * Every store comes back under the run's per-call deadline (stores/deadline.ts).
 */

import { withDeadline } from './deadline.js';
import type { Destination } from './destination.js';
import type { ObjectStore } from './store.js';

export interface StoreOptions {
  /** The deadline of each store call (--store-timeout-seconds). */
  timeoutMs: number;
  s3Endpoint?: string | undefined;
  s3ForcePathStyle?: boolean;
  s3Region?: string | undefined;
  /** The Azure Blob endpoint instead of https://<account>.blob.core.windows.net (--azure-endpoint). */
  azureEndpoint?: string | undefined;
}

export async function openStore(destination: Destination, options: StoreOptions): Promise<ObjectStore> {
  return withDeadline(await openBackend(destination, options), options.timeoutMs);
}

async function openBackend(destination: Destination, options: StoreOptions): Promise<ObjectStore> {
  switch (destination.kind) {
    case 'folder': {
      const { createFolderStore } = await import('./fs.js');
      return createFolderStore(destination.path);
    }
    case 's3': {
      const { createS3Store } = await import('./s3.js');
      return createS3Store({
        bucket: destination.bucket,
        prefix: destination.prefix,
        endpoint: options.s3Endpoint,
        forcePathStyle: options.s3ForcePathStyle ?? false,
        region: options.s3Region,
        timeoutMs: options.timeoutMs,
      });
    }
    case 'gcs': {
      const { createGcsStore } = await import('./gcs.js');
      return createGcsStore({
        bucket: destination.bucket,
        prefix: destination.prefix,
        timeoutMs: options.timeoutMs,
      });
    }
    case 'azure': {
      const { createAzureStore } = await import('./azure.js');
      return createAzureStore({
        account: destination.account,
        container: destination.container,
        prefix: destination.prefix,
        endpoint: options.azureEndpoint,
        // A credential, read where the SDKs read theirs: from the environment, never a flag.
        connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING || undefined,
        timeoutMs: options.timeoutMs,
      });
    }
  }
}

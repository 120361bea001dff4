/**
 * Google Cloud Storage. This module, and with it @google-cloud/storage, is imported only
 * when a destination is gs:// (stores/open.ts). Credentials are Application Default
 * Credentials (GKE Workload Identity in a cluster); STORAGE_EMULATOR_HOST points the
 * client at an emulator.
 */
import { type ApiError, Storage } from '@google-cloud/storage';
import { GatewayError } from '../core/errors.js';
import { readAtMost } from './bounded-read.js';
import * as storeErrors from './errors.js';
import type { ObjectStore, PutOptions, StoredObject } from './store.js';
import { joinKey, MAX_STORED_OBJECT_BYTES, storeLocation } from './store.js';

export interface GcsStoreOptions {
  bucket: string;
  prefix: string;
  /** The run's per-call deadline. */
  timeoutMs: number;
}

/** Custom metadata member recording that an object was written with the publicRead ACL. */
const ACL_METADATA = 'acl';

export function createGcsStore(options: GcsStoreOptions): ObjectStore {
  const { prefix } = options;
  // The library takes no AbortSignal, so its own limits are set to the run's deadline: each
  // request is abandoned (its socket destroyed) after it, and no retry starts once it has
  // passed. Its default retries reads for up to 10 minutes, longer than a CronJob's deadline.
  const storage = new Storage({
    timeout: options.timeoutMs,
    retryOptions: { maxRetries: 2, totalTimeout: Math.ceil(options.timeoutMs / 1000) },
  });
  const bucket = storage.bucket(options.bucket);
  const location = storeLocation(`gs://${options.bucket}`, prefix);
  const { locate } = location;

  return {
    ...location,
    recordsHeaders: true,
    async head(key: string): Promise<StoredObject | undefined> {
      try {
        const [metadata] = await bucket.file(joinKey(prefix, key)).getMetadata();
        const custom = metadata.metadata ?? {};
        return {
          sha256: typeof custom.sha256 === 'string' ? custom.sha256 : undefined,
          contentType: metadata.contentType,
          cacheControl: metadata.cacheControl,
          publicRead: custom[ACL_METADATA] === 'public-read',
        };
      } catch (error) {
        if ((error as ApiError).code === 404) return undefined;
        throw gcsError(error, { action: 'read', location: locate(key) }, false);
      }
    },
    async get(key: string): Promise<Buffer | undefined> {
      try {
        // Streamed rather than one range request, so the library still checks the whole body's hash.
        const stream = bucket.file(joinKey(prefix, key)).createReadStream();
        return await readAtMost(stream, MAX_STORED_OBJECT_BYTES, locate(key));
      } catch (error) {
        if (error instanceof GatewayError) throw error;
        if ((error as ApiError).code === 404) return undefined;
        throw gcsError(error, { action: 'read', location: locate(key) }, false);
      }
    },
    async put(key: string, body: Buffer, put: PutOptions): Promise<void> {
      try {
        await bucket.file(joinKey(prefix, key)).save(body, {
          // One multipart upload request; a resumable session is for large objects.
          resumable: false,
          contentType: put.contentType,
          metadata: {
            cacheControl: put.cacheControl,
            metadata: { sha256: put.sha256, ...(put.publicRead ? { [ACL_METADATA]: 'public-read' } : {}) },
          },
          ...(put.publicRead ? { predefinedAcl: 'publicRead' as const } : {}),
        });
      } catch (error) {
        throw gcsError(error, { action: 'write', location: locate(key) }, put.publicRead);
      }
    },
    close(): void {},
  };
}

/** One line naming the object, the GCS error, and what usually fixes it. */
function gcsError(error: unknown, call: storeErrors.StoreCall, publicRead: boolean): GatewayError {
  // An HTTP status; a socket error carries its errno there instead (`ECONNREFUSED`), which is no status.
  const code: unknown = (error as ApiError).code;
  const failure = storeErrors.sdkFailure(error, call, typeof code === 'number' ? code : undefined);
  if (/could not load the default credentials/i.test(failure.message)) {
    return storeErrors.noCredentials(
      call,
      'Google credentials (Application Default Credentials: Workload Identity, ' +
        'GOOGLE_APPLICATION_CREDENTIALS or gcloud auth application-default login)',
    );
  }
  if (publicRead && failure.status === 400 && /uniform bucket-level access/i.test(failure.message)) {
    return storeErrors.publicReadRefused(
      call,
      'uniform bucket-level access disables object ACLs',
      'grant roles/storage.objectViewer to allUsers on the bucket instead (docs/how-to/gcs-bucket.md)',
    );
  }
  if (failure.status === 403 || failure.status === 401) {
    return storeErrors.accessDenied(
      failure,
      call.action === 'read'
        ? 'the identity needs storage.objects.get'
        : 'the identity needs storage.objects.create, and storage.objects.delete to replace an object ' +
            '(roles/storage.objectUser)',
    );
  }
  if (call.action === 'write' && failure.status === 404) return storeErrors.noBucket(call);
  return storeErrors.otherFailure(failure);
}

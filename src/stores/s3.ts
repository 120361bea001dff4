/**
 * Amazon S3 and S3-compatible stores (MinIO, Ceph, R2). This module, and with it the AWS
 * SDK, is imported only when a destination is s3:// (stores/open.ts). Credentials and
 * region come from the SDK's default chain: IRSA or EKS Pod Identity in a cluster,
 * environment variables or a profile elsewhere.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { GatewayError } from '../core/errors.js';
import { tooLarge } from './bounded-read.js';
import * as storeErrors from './errors.js';
import type { ObjectStore, PutOptions, StoredObject } from './store.js';
import { abortOption, joinKey, MAX_STORED_OBJECT_BYTES, storeLocation } from './store.js';

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  /** An S3-compatible endpoint instead of AWS. */
  endpoint?: string | undefined;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** Overrides the region from the SDK chain (AWS_REGION, the profile). */
  region?: string | undefined;
  /** The run's per-call deadline; each call is also aborted through its signal at that moment. */
  timeoutMs: number;
}

/** Metadata member recording that an object was written with the public-read ACL. */
const ACL_METADATA = 'acl';

export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { bucket, prefix } = options;
  const config: S3ClientConfig = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
    // The deadline's abort signal ends a call first; the SDK's own timer, a second later, would
    // otherwise only print a warning and let the request hang on.
    requestHandler: {
      connectionTimeout: Math.min(5000, options.timeoutMs),
      requestTimeout: options.timeoutMs + 1000,
      throwOnRequestTimeout: true,
    },
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // The SDK's default flexible checksums are not understood by every S3-compatible store;
    // bodies are small Buffers sent over TLS, so only send a checksum where S3 demands one.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  // On Node 20 the SDK prints a seven-line notice that its releases after January 2027 will need
  // Node 22. The SDK version here is pinned and works on Node 20; the notice would only bury
  // the one line a run prints. Whoever sets the variable themselves keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client(config);
  const location = storeLocation(`s3://${bucket}`, prefix);
  const { locate } = location;

  return {
    ...location,
    recordsHeaders: true,
    async head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }),
          abortOption(signal),
        );
        return {
          sha256: head.Metadata?.sha256,
          contentType: head.ContentType,
          cacheControl: head.CacheControl,
          publicRead: head.Metadata?.[ACL_METADATA] === 'public-read',
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw s3Error(error, { action: 'read', location: locate(key) }, false);
      }
    },
    async get(key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: joinKey(prefix, key) }),
          abortOption(signal),
        );
        if ((object.ContentLength ?? 0) > MAX_STORED_OBJECT_BYTES) {
          (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw tooLarge(locate(key), MAX_STORED_OBJECT_BYTES, object.ContentLength);
        }
        return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      } catch (error) {
        if (statusOf(error) === 404 && (error as Error).name === 'NoSuchKey') return undefined;
        throw s3Error(error, { action: 'read', location: locate(key) }, false);
      }
    },
    async put(key: string, body: Buffer, put: PutOptions, signal?: AbortSignal): Promise<void> {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: joinKey(prefix, key),
            // A Buffer, not a stream: sent with Content-Length in one request, never aws-chunked.
            Body: body,
            ContentType: put.contentType,
            CacheControl: put.cacheControl,
            Metadata: { sha256: put.sha256, ...(put.publicRead ? { [ACL_METADATA]: 'public-read' } : {}) },
            ...(put.publicRead ? { ACL: 'public-read' as const } : {}),
          }),
          abortOption(signal),
        );
      } catch (error) {
        throw s3Error(error, { action: 'write', location: locate(key) }, put.publicRead);
      }
    },
    close(): void {
      client.destroy();
    },
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as Partial<S3ServiceException>).$metadata?.httpStatusCode;
}

/** One line naming the object, the S3 error, and what usually fixes it. */
function s3Error(error: unknown, call: storeErrors.StoreCall, publicRead: boolean): GatewayError {
  if (error instanceof GatewayError) return error;
  const failure = storeErrors.sdkFailure(error, call, statusOf(error), (error as Error).name);
  if (/region is missing/i.test(failure.message)) {
    return new GatewayError('CONFIG_INVALID', 'no S3 region: set AWS_REGION or --s3-region');
  }
  if (failure.name === 'CredentialsProviderError' || /could not load credentials/i.test(failure.message)) {
    return storeErrors.noCredentials(
      call,
      'AWS credentials found (environment, profile, web identity/IRSA, Pod Identity, instance role)',
    );
  }
  if (failure.name === 'AccessControlListNotSupported') {
    return storeErrors.publicReadRefused(
      call,
      'AccessControlListNotSupported: its Object Ownership is "bucket owner enforced", so ACLs are disabled',
      'grant public read with a bucket policy instead (docs/how-to/s3-bucket.md)',
    );
  }
  if (failure.status === 403) {
    return storeErrors.accessDenied(
      failure,
      call.action === 'read'
        ? 'the identity needs s3:GetObject, and s3:ListBucket so that a missing object answers 404, not 403'
        : publicRead
          ? 'the identity needs s3:PutObject and s3:PutObjectAcl, and S3 Block Public Access refuses ' +
            'public ACLs: drop --public-read and use a bucket policy (docs/how-to/s3-bucket.md)'
          : 'the identity needs s3:PutObject on it',
    );
  }
  if (failure.name === 'NoSuchBucket') return storeErrors.noBucket(call);
  return storeErrors.otherFailure(failure);
}

/**
 * The one narrow interface every publish target implements: a flat key space under the
 * destination's prefix, read with HEAD/GET and written whole, one object at a time.
 * Keys are relative to the prefix ('.well-known/openid-configuration').
 */

/** What a target remembers about a stored object; compared to decide whether to rewrite it. */
export interface StoredObject {
  /** The `sha256` metadata (the quoted hex SHA-256 ETag), or for a folder the hash of the file. */
  sha256: string | undefined;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  /** Whether it was written with a public-read ACL (kept as metadata: an ACL is not visible on HEAD). */
  publicRead?: boolean;
}

export interface PutOptions {
  contentType: string;
  cacheControl: string;
  /** The quoted hex SHA-256 of the body, stored as `sha256` metadata. */
  sha256: string;
  /** Set the canned public-read ACL (S3 `public-read`, GCS `publicRead`); Azure, which has none, refuses it. */
  publicRead: boolean;
}

export interface ObjectStore {
  /** The destination as given, normalised: `s3://bucket/prefix`, `gs://bucket/prefix`, `az://account/container/prefix` or a folder path. */
  readonly description: string;
  /** False for a folder: it keeps no headers, so only the bytes decide whether a file changed. */
  readonly recordsHeaders: boolean;
  /** Where a key ends up, for reports: `s3://bucket/prefix/<key>` or an absolute file path. */
  locate(key: string): string;
  /**
   * One HEAD (or stat-like read); undefined when the object does not exist. `signal`
   * aborts the call where the backend can (stores/deadline.ts gives every call one).
   */
  head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /** One GET of the bytes; undefined when the object does not exist. */
  get(key: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Replaces the object whole; readers see the old bytes or the new, never a mix. */
  put(key: string, body: Buffer, options: PutOptions, signal?: AbortSignal): Promise<void>;
  /**
   * Removes what an interrupted run (kill -9) may have left next to these objects, before
   * they are written: a folder's temporary files. Stores that leave nothing behind omit it.
   */
  sweep?(keys: readonly string[], signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** The state and the JWKS are a few KiB to a few hundred; a stored object larger than this is refused when read. */
export const MAX_STORED_OBJECT_BYTES = 1024 * 1024;

/**
 * A call's signal as an SDK's request option: the member is left out when the caller gave
 * no signal (the SDKs' options say "absent" for that, not "undefined").
 */
export function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

/**
 * How a location in a bucket or container is named (`s3://bucket/prefix`, with no trailing
 * slash for an empty prefix) and each object in it (`s3://bucket/prefix/key`), for
 * descriptions and error lines alike.
 */
export function storeLocation(
  root: string,
  prefix: string,
): { description: string; locate: (key: string) => string } {
  const description = prefix === '' ? root : `${root}/${prefix}`;
  return { description, locate: (key: string) => `${description}/${key}` };
}

/** `prefix/key`, or `key` for an empty prefix. */
export function joinKey(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}/${key}`;
}

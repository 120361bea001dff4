/**
 * A folder: for a static web server, a Pages site, or a volume another tool uploads.
 *
 * Invariants:
 * - nothing is read or written outside the folder's real path: keys never climb out
 *   ("..", "."), and no symbolic link below the folder is followed, neither a directory
 *   (openid/, .well-known/, .kube-oidc-gateway/) nor the file itself (stores/fs-dir.ts opens
 *   each directory without following links and works through its descriptor); a link is a
 *   one-line error naming it;
 * - each file is written to a temporary name in its own directory, flushed, and renamed
 *   over the old one, so a reader sees the old bytes or the new, never a partial file; a
 *   temporary file left by a killed run is removed by the next run that writes there;
 * - a read opens only a regular file (never a FIFO or a device: it would block or never
 *   end) and at most MAX_STORED_OBJECT_BYTES of it.
 * A folder keeps no headers and no metadata, so "unchanged" is decided by hashing the file
 * itself; the web server in front sets Content-Type and Cache-Control (docs/how-to/folder.md).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, readdir, rename, unlink } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { readAtMost } from '../core/bounded-file.js';
import { GatewayError, reasonOf } from '../core/errors.js';
import { etagOf } from '../core/render.js';
import { type OpenDirectory, openDirectoryBelow, UnsafePathError } from './fs-dir.js';
import { MAX_STORED_OBJECT_BYTES, type ObjectStore, type PutOptions, type StoredObject } from './store.js';

/** O_NONBLOCK: opening a FIFO planted under an object's name must not wait for a writer. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** `.<name>.<12 hex>.tmp`, as put() names its temporary files. */
const TEMP_FILE = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

export function createFolderStore(root: string): ObjectStore {
  const base = resolve(root);
  const read = (key: string, signal?: AbortSignal) => readObject(base, key, signal);
  return {
    description: base,
    recordsHeaders: false,
    locate: (key) => pathOf(base, key),
    async head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
      const body = await read(key, signal);
      return body && { sha256: etagOf(body) };
    },
    get: read,
    put: (key: string, body: Buffer, _options: PutOptions, signal?: AbortSignal) =>
      writeObject(base, key, body, signal),
    sweep: (keys: readonly string[], signal?: AbortSignal) => sweepTempFiles(base, keys, signal),
    close(): void {},
  };
}

/** The directories below the folder and the file name, after refusing keys that would climb out. */
function partsOf(base: string, key: string): { segments: string[]; name: string } {
  const segments = key.split('/');
  if (segments.includes('..')) {
    throw new GatewayError('PUBLISH_INVALID', `object key ${key} would leave the folder ${base}`);
  }
  if (segments.some((segment) => segment === '' || segment === '.')) {
    throw new GatewayError('PUBLISH_INVALID', `object key ${key} has an empty or "." segment`);
  }
  const name = segments.pop() as string;
  return { segments, name };
}

function pathOf(base: string, key: string): string {
  partsOf(base, key);
  return `${base.endsWith(sep) ? base : base + sep}${key.split('/').join(sep)}`;
}

async function readObject(base: string, key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  const { segments, name } = partsOf(base, key);
  const path = pathOf(base, key);
  const fail = (problem: string) => new GatewayError('STORE_READ_FAILED', `cannot read ${path}: ${problem}`);
  let directory: OpenDirectory | undefined;
  try {
    directory = await openDirectoryBelow(base, segments, false);
    if (!directory) return undefined;
    signal?.throwIfAborted();
    const file = await open(`${directory.via}/${name}`, READ_FLAGS).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw code === 'ELOOP' ? new UnsafePathError(path, 'link') : error;
    });
    return file && (await readRegularFile(file, fail));
  } catch (error) {
    throw folderError(error, 'STORE_READ_FAILED', fail);
  } finally {
    await directory?.close();
  }
}

/** The bytes of an open file that is a regular file of at most MAX_STORED_OBJECT_BYTES; closes it. */
async function readRegularFile(file: FileHandle, fail: (problem: string) => GatewayError): Promise<Buffer> {
  try {
    if (!(await file.stat()).isFile()) throw fail('not a regular file');
    const body = await readAtMost(file, MAX_STORED_OBJECT_BYTES);
    if (!body) throw fail(`larger than ${MAX_STORED_OBJECT_BYTES} bytes`);
    return body;
  } finally {
    await file.close();
  }
}

/** A temporary file in the key's directory, flushed, then renamed over the key's name. */
async function writeObject(base: string, key: string, body: Buffer, signal?: AbortSignal): Promise<void> {
  const { segments, name } = partsOf(base, key);
  const path = pathOf(base, key);
  const temp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
  let directory: OpenDirectory | undefined;
  let created = false;
  try {
    directory = await openDirectoryBelow(base, segments, true);
    if (!directory) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    const file = await open(`${directory.via}/${temp}`, CREATE_FLAGS, 0o644);
    created = true;
    try {
      await file.writeFile(body, { signal });
      // On disk before the rename makes it visible: a crash leaves the old file, not an empty one.
      await file.sync();
    } finally {
      await file.close();
    }
    // Past the deadline nothing more becomes visible.
    signal?.throwIfAborted();
    // rename(2) replaces a link at the name rather than writing through it.
    await rename(`${directory.via}/${temp}`, `${directory.via}/${name}`);
    created = false;
  } catch (error) {
    if (created && directory) await unlink(`${directory.via}/${temp}`).catch(() => {});
    throw folderError(
      error,
      'STORE_WRITE_FAILED',
      (problem) => new GatewayError('STORE_WRITE_FAILED', `cannot write ${path}: ${problem}`),
    );
  } finally {
    await directory?.close();
  }
}

/** Removes the temporary files a killed run left beside these keys. */
async function sweepTempFiles(base: string, keys: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const key of keys) {
    signal?.throwIfAborted();
    const { segments, name } = partsOf(base, key);
    const directory = await openDirectoryBelow(base, segments, false).catch(() => undefined);
    if (!directory) continue;
    try {
      for (const entry of await readdir(directory.via)) {
        if (TEMP_FILE.exec(entry)?.[1] === name) {
          await unlink(`${directory.via}/${entry}`).catch(() => {});
        }
      }
    } finally {
      await directory.close();
    }
  }
}

/** One line for a folder failure: a link or a misplaced file by name, anything else by its errno code. */
function folderError(
  error: unknown,
  code: 'STORE_READ_FAILED' | 'STORE_WRITE_FAILED',
  fail: (problem: string) => GatewayError,
): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof UnsafePathError) {
    if (error.problem === 'not-directory') return fail('ENOTDIR');
    return new GatewayError(
      code,
      `${error.path} is a symbolic link; publish follows no link inside a folder destination ` +
        '(replace it with the real directory or file, or make the destination the link target)',
    );
  }
  const errno = (error as NodeJS.ErrnoException).code;
  if (code === 'STORE_WRITE_FAILED' && (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS')) {
    return new GatewayError('STORE_ACCESS_DENIED', fail(reasonOf(error)).message);
  }
  return fail(reasonOf(error));
}

/**
 * A folder: for a static web server, a Pages site, or a volume another tool uploads.
 * Each file is written to a temporary name in its own directory and renamed over the old
 * one, so a reader sees the old bytes or the new, never a partial file. A folder keeps no
 * headers and no metadata, so "unchanged" is decided by hashing the file itself; the web
 * server in front sets Content-Type and Cache-Control (docs/publish.md shows how).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { GatewayError } from '../../core/errors.js';
import { etagOf } from '../../core/render.js';
import type { ObjectStore, PutOptions, StoredObject } from './store.js';

export function createFolderStore(root: string): ObjectStore {
  const base = resolve(root);
  const pathOf = (key: string): string => {
    const path = resolve(base, ...key.split('/'));
    // Keys come from the issuer's jwks_uri; never let one climb out of the folder.
    if (!path.startsWith(base.endsWith(sep) ? base : base + sep)) {
      throw new GatewayError('PUBLISH_INVALID', `object key ${key} would leave the folder ${base}`);
    }
    return path;
  };

  async function read(key: string): Promise<Buffer | undefined> {
    const path = pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file sits where a directory of the path should be, so this file cannot exist either.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new GatewayError('STORE_READ_FAILED', `cannot read ${path}: ${code ?? (error as Error).message}`);
    }
  }

  return {
    description: base,
    recordsHeaders: false,
    locate: pathOf,
    async head(key: string): Promise<StoredObject | undefined> {
      const body = await read(key);
      return body && { sha256: etagOf(body) };
    },
    get: read,
    async put(key: string, body: Buffer, _options: PutOptions): Promise<void> {
      const path = pathOf(key);
      const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(dirname(path), { recursive: true });
        const file = await open(temp, 'wx', 0o644);
        try {
          await file.writeFile(body);
          // On disk before the rename makes it visible: a crash leaves the old file, not an empty one.
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        const code = (error as NodeJS.ErrnoException).code;
        throw new GatewayError(
          code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
            ? 'STORE_ACCESS_DENIED'
            : 'STORE_WRITE_FAILED',
          `cannot write ${path}: ${code ?? (error as Error).message}`,
        );
      }
    },
    close(): void {},
  };
}

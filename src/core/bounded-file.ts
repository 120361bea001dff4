/**
 * Reading a local file with a size limit. A path can name /dev/zero, a FIFO or a file
 * that grows while it is read, so the limit is enforced on the bytes read, never on what
 * stat says: at most `maxBytes + 1` bytes are ever read, and memory stays bounded.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { type ErrorCode, GatewayError, reasonOf } from './errors.js';

const CHUNK_BYTES = 64 * 1024;

/** The file's bytes, or undefined when it holds more than `maxBytes`. */
export async function readAtMost(file: FileHandle, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
    const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) return undefined;
  }
}

/** Opens `path` (following links: the caller named it) and reads at most `maxBytes`. */
export async function readFileAtMost(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const file = await open(path, 'r');
  try {
    return await readAtMost(file, maxBytes);
  } finally {
    await file.close();
  }
}

/** How a caller words the two ways a file it was given can fail, under its own error code. */
export interface FileFailures {
  code: ErrorCode;
  /** The line for a file that cannot be opened or read, given the reason in words. */
  unreadable: (reason: string) => string;
  /** The line for a file larger than the limit. */
  tooLarge: string;
}

/** `readFileAtMost`, with either failure a GatewayError worded by the caller. */
export async function readFileOrFail(
  path: string,
  maxBytes: number,
  failures: FileFailures,
): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFileAtMost(path, maxBytes);
  } catch (error) {
    throw new GatewayError(failures.code, failures.unreadable(reasonOf(error)));
  }
  if (bytes === undefined) throw new GatewayError(failures.code, failures.tooLarge);
  return bytes;
}

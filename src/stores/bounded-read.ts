/**
 * Reading back a stored object with a size limit. What a run reads back (the state, the
 * published JWKS) is untrusted and may be of any size, so the bytes are counted as they
 * arrive and the read is refused as soon as there are more than the limit: memory stays
 * bounded whatever the object's length or what the server said it would be.
 */
import { GatewayError } from '../core/errors.js';

/** The refusal of an object found larger than a stored document may be; `size` where it is known. */
export function tooLarge(location: string, limit: number, size?: number): GatewayError {
  return new GatewayError(
    'STORE_READ_FAILED',
    size === undefined
      ? `${location}: more than the ${limit} bytes a stored document may have`
      : `${location}: ${size} bytes, more than the ${limit} a stored document may have`,
  );
}

/**
 * All of `body`, refused past `limit`. Leaving the loop early destroys a Node stream, so
 * nothing more is downloaded.
 */
export async function readAtMost(
  body: AsyncIterable<Uint8Array | string>,
  limit: number,
  location: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.length;
    if (size > limit) throw tooLarge(location, limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Rendering happens once per fetched document: the exact bytes served or published and
 * their ETag are computed here and never per request.
 */
import { createHash } from 'node:crypto';

export interface RenderOptions {
  /** 2-space indent with a trailing newline; otherwise compact JSON. */
  pretty: boolean;
}

export interface RenderedBody {
  body: Buffer;
  /** Quoted lowercase hex SHA-256 of `body`, usable as an HTTP ETag as is. */
  etag: string;
}

export function renderJson(value: unknown, options: RenderOptions): RenderedBody {
  // JSON.stringify keeps member insertion order, which is the upstream order after JSON.parse.
  const text = options.pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
  const body = Buffer.from(text, 'utf8');
  return { body, etag: etagOf(body) };
}

export function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex')}"`;
}

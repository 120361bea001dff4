/**
 * Responses built once, when a document enters the cache: the body, its length and the
 * fixed headers. Per request only Expires changes, and that string is kept per second.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { RenderedDocument } from '../core/documents.js';

export interface PreparedDocument {
  rendered: RenderedDocument;
  body: Buffer;
  etag: string;
  /** Headers for 200 (HEAD too) without Expires. */
  okHeaders: OutgoingHttpHeaders;
  /** Headers for 304: RFC 9110 wants the same validators and cache headers, no body headers. */
  notModifiedHeaders: OutgoingHttpHeaders;
}

export function prepareDocument(rendered: RenderedDocument, clientCacheTtlSeconds: number): PreparedDocument {
  const cacheControl = `public, max-age=${clientCacheTtlSeconds}`;
  return {
    rendered,
    body: rendered.body,
    etag: rendered.etag,
    okHeaders: {
      'content-type': 'application/json',
      'content-length': String(rendered.body.length),
      'cache-control': cacheControl,
      etag: rendered.etag,
      'x-content-type-options': 'nosniff',
    },
    notModifiedHeaders: {
      'cache-control': cacheControl,
      etag: rendered.etag,
      'x-content-type-options': 'nosniff',
    },
  };
}

/** `Expires` for "now + ttl", formatted once per second instead of once per request. */
export class ExpiresClock {
  private second = -1;
  private value = '';

  constructor(private readonly ttlSeconds: number) {}

  now(): string {
    const nowMs = Date.now();
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.value = new Date((second + this.ttlSeconds) * 1000).toUTCString();
    }
    return this.value;
  }
}

/**
 * RFC 9110 If-None-Match: a list of entity tags, weak comparison, or "*".
 * The common case, one tag equal to ours, is checked first without splitting.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true;
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

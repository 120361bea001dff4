/**
 * Responses built once, when a document enters the cache: the body, its length and the
 * fixed headers. Per request only Expires changes, and that string is kept per second.
 */
import type { RenderedDocument } from '../core/documents.js';
import { type Clock, systemClock } from './clock.js';

export interface PreparedDocument {
  rendered: RenderedDocument;
  body: Buffer;
  etag: string;
  /**
   * Headers for 200 (HEAD too), as the flat [name, value, …] list writeHead takes. The last
   * value is Expires: the handler writes it in place just before writeHead reads the list.
   */
  okHeaders: string[];
  /** The same for 304: RFC 9110 wants the validators and cache headers, no body headers. */
  notModifiedHeaders: string[];
}

export function prepareDocument(rendered: RenderedDocument, clientCacheTtlSeconds: number): PreparedDocument {
  // What a 304 repeats of a 200: the cache headers and validators, Expires last.
  const cacheHeaders = () => [
    'cache-control',
    `public, max-age=${clientCacheTtlSeconds}`,
    'etag',
    rendered.etag,
    'x-content-type-options',
    'nosniff',
    'expires',
    '',
  ];
  return {
    rendered,
    body: rendered.body,
    etag: rendered.etag,
    okHeaders: [
      'content-type',
      'application/json',
      'content-length',
      String(rendered.body.length),
      ...cacheHeaders(),
    ],
    // Its own list: each one's Expires slot is written in place.
    notModifiedHeaders: cacheHeaders(),
  };
}

/** Sets the trailing Expires value of a prepared header list and returns the list. */
export function withExpires(headers: string[], expires: string): string[] {
  headers[headers.length - 1] = expires;
  return headers;
}

/** `Expires` for "now + ttl", formatted once per second instead of once per request. */
export class ExpiresClock {
  private second = -1;
  private value = '';

  constructor(
    private readonly ttlSeconds: number,
    private readonly clock: Clock = systemClock,
  ) {}

  now(): string {
    const nowMs = this.clock.now();
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

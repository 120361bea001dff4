/**
 * One GET bounded in time and size, returning status, headers and the exact bytes.
 * The upstream fetch (getJson) and the anonymous public fetch (getPublic) both sit on it,
 * so both apply the same timeout, size limit and error codes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { GatewayError, reasonOf } from './errors.js';
import { http } from './node-http.js';

/** Issuer documents are a few KiB; anything near this is not an issuer document. */
export const MAX_UPSTREAM_BYTES = 1024 * 1024;

export interface BoundedGetOptions {
  url: URL;
  timeoutMs: number;
  /** TLS material, headers and agent. */
  requestOptions: https.RequestOptions;
  /** Undefined or absent: MAX_UPSTREAM_BYTES (getPublic passes its caller's limit through). */
  maxBytes?: number | undefined;
  /** Answer a 3xx at once with an empty body: redirects are reported, never followed or read. */
  stopAtRedirect?: boolean;
}

export interface BoundedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Raised for a kept-alive socket the server had closed; a GET on it may be retried once. */
export class StaleSocketError extends GatewayError {}

export function boundedGet(options: BoundedGetOptions): Promise<BoundedResponse> {
  const { url, timeoutMs, requestOptions } = options;
  const maxBytes = options.maxBytes ?? MAX_UPSTREAM_BYTES;
  const transport = url.protocol === 'http:' ? http : https;
  const where = `${url.origin}${url.pathname}`;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: GatewayError | undefined, value?: BoundedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value as BoundedResponse);
    };
    const request = transport.request(url, { ...requestOptions, method: 'GET' });
    const timer = setTimeout(() => {
      finish(new GatewayError('UPSTREAM_TIMEOUT', `${where}: no answer within ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);

    request.on('error', (error: NodeJS.ErrnoException) => {
      // In words (`host name not found in DNS (ENOTFOUND)`), the code kept for searching.
      const Failure = request.reusedSocket ? StaleSocketError : GatewayError;
      finish(new Failure('UPSTREAM_UNREACHABLE', `${where}: ${reasonOf(error)}`, { cause: error }));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const answer = (body: Buffer) => finish(undefined, { status, headers: response.headers, body });
      if (options.stopAtRedirect && status >= 300 && status < 400) {
        response.resume();
        request.destroy();
        answer(Buffer.alloc(0));
        return;
      }
      if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
        request.destroy();
        finish(tooLarge(where, maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          request.destroy();
          finish(tooLarge(where, maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => {
        finish(new GatewayError('UPSTREAM_UNREACHABLE', `${where}: ${reasonOf(error)}`, { cause: error }));
      });
      response.on('end', () => answer(Buffer.concat(chunks)));
    });
    request.end();
  });
}

function tooLarge(where: string, maxBytes: number): GatewayError {
  return new GatewayError('UPSTREAM_TOO_LARGE', `${where}: body larger than ${maxBytes} bytes; refused`);
}

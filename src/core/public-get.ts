/**
 * One anonymous GET, as a relying party (AWS STS, GCP) makes it: no credentials, no
 * redirects followed, bounded in time and size. Unlike getJson it returns the status,
 * headers and exact bytes, because whoever checks a public issuer must judge those too.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { GatewayError } from './errors.js';
import { MAX_UPSTREAM_BYTES } from './http-get.js';

export interface PublicGetOptions {
  url: URL;
  timeoutMs: number;
  /** PEM of a CA to trust in addition to the bundled roots (a private test setup). */
  extraCa?: string | Buffer | undefined;
  maxBytes?: number;
}

export interface PublicResponse {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received; empty for a redirect, whose body nobody reads. */
  body: Buffer;
}

/** Passing `ca` replaces Node's roots, so an extra CA must be given together with them. */
export function trustWithExtraCa(extraCa: string | Buffer): string[] {
  return [...tls.rootCertificates, extraCa.toString()];
}

export function getPublic(options: PublicGetOptions): Promise<PublicResponse> {
  const { url, timeoutMs } = options;
  const maxBytes = options.maxBytes ?? MAX_UPSTREAM_BYTES;
  const transport = url.protocol === 'http:' ? http : https;
  const where = `${url.origin}${url.pathname}`;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: GatewayError | undefined, value?: PublicResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value as PublicResponse);
    };
    const request = transport.request(url, {
      method: 'GET',
      // A fresh connection per request: nothing is shared with another caller's trust settings.
      agent: false,
      headers: { accept: 'application/json', 'user-agent': 'kube-oidc-gateway' },
      ...(options.extraCa !== undefined && url.protocol === 'https:'
        ? { ca: trustWithExtraCa(options.extraCa) }
        : {}),
    });
    const timer = setTimeout(() => {
      finish(new GatewayError('UPSTREAM_TIMEOUT', `${where}: no answer within ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);

    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ? `${error.code} ${error.message}` : error.message;
      finish(new GatewayError('UPSTREAM_UNREACHABLE', `${where}: ${reason}`, { cause: error }));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const answer = (body: Buffer) => finish(undefined, { url, status, headers: response.headers, body });
      if (status >= 300 && status < 400) {
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
        finish(new GatewayError('UPSTREAM_UNREACHABLE', `${where}: ${error.message}`, { cause: error }));
      });
      response.on('end', () => answer(Buffer.concat(chunks)));
    });
    request.end();
  });
}

function tooLarge(where: string, maxBytes: number): GatewayError {
  return new GatewayError('UPSTREAM_TOO_LARGE', `${where}: body larger than ${maxBytes} bytes; refused`);
}

/**
 * One bounded HTTPS GET returning parsed JSON. Shared by the in-cluster and kubeconfig
 * sources so both apply the same timeout, size limit and error messages.
 */
import http from 'node:http';
import https from 'node:https';
import { GatewayError } from './errors.js';

/** Upstream documents are a few KiB; anything near this is not an issuer document. */
export const MAX_UPSTREAM_BYTES = 1024 * 1024;

export interface GetJsonOptions {
  url: URL;
  timeoutMs: number;
  /** TLS material, headers and agent, as built by the source. */
  requestOptions: https.RequestOptions;
  maxBytes?: number;
}

export async function getJson(options: GetJsonOptions): Promise<unknown> {
  try {
    return await getJsonOnce(options);
  } catch (error) {
    // A kept-alive socket the server closed meanwhile (an API server restart) fails at
    // once; like Go's transport, retry an idempotent GET once on a fresh connection.
    if (error instanceof StaleSocketError) return getJsonOnce(options);
    throw error;
  }
}

class StaleSocketError extends GatewayError {}

function getJsonOnce(options: GetJsonOptions): Promise<unknown> {
  const { url, timeoutMs, requestOptions } = options;
  const maxBytes = options.maxBytes ?? MAX_UPSTREAM_BYTES;
  const transport = url.protocol === 'http:' ? http : https;
  const where = `${url.origin}${url.pathname}`;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: GatewayError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    const request = transport.request(url, {
      ...requestOptions,
      method: 'GET',
      headers: { accept: 'application/json, application/jwk-set+json', ...requestOptions.headers },
    });
    const timer = setTimeout(() => {
      finish(new GatewayError('UPSTREAM_TIMEOUT', `${where}: no answer within ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);

    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ? `${error.code} ${error.message}` : error.message;
      const Failure = request.reusedSocket && !settled ? StaleSocketError : GatewayError;
      finish(new Failure('UPSTREAM_UNREACHABLE', `${where}: ${reason}`, { cause: error }));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const contentType = response.headers['content-type'] ?? '';
      const declaredLength = Number(response.headers['content-length'] ?? 0);
      if (declaredLength > maxBytes) {
        response.destroy();
        request.destroy();
        finish(tooLarge(where, maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          response.destroy();
          request.destroy();
          finish(tooLarge(where, maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => {
        finish(new GatewayError('UPSTREAM_UNREACHABLE', `${where}: ${error.message}`, { cause: error }));
      });
      response.on('end', () => {
        if (status !== 200) {
          finish(new GatewayError('UPSTREAM_STATUS', `${where}: HTTP ${status}${statusHint(status)}`));
          return;
        }
        if (!/\bjson\b/i.test(contentType)) {
          finish(
            new GatewayError(
              'UPSTREAM_NOT_JSON',
              `${where}: HTTP 200 with content type "${contentType || 'none'}", not JSON`,
            ),
          );
          return;
        }
        try {
          finish(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          finish(
            new GatewayError('UPSTREAM_NOT_JSON', `${where}: HTTP 200 but the body is not valid JSON`, {
              cause: error,
            }),
          );
        }
      });
    });
    request.end();
  });
}

function tooLarge(where: string, maxBytes: number): GatewayError {
  return new GatewayError('UPSTREAM_TOO_LARGE', `${where}: body larger than ${maxBytes} bytes; refused`);
}

/** The usual causes, so a 401 or 403 in a log already says what to check. */
function statusHint(status: number): string {
  if (status === 401) return ' (Unauthorized: the token was rejected or is missing)';
  if (status === 403) return ' (Forbidden: RBAC must allow get on this non-resource URL)';
  if (status === 404) return ' (Not Found: is service account issuer discovery enabled?)';
  return '';
}

/**
 * The upstream fetch shared by the in-cluster and kubeconfig sources: one bounded GET
 * whose answer must be 200 and JSON, parsed.
 */
import type https from 'node:https';
import { boundedGet, StaleSocketError } from './bounded-get.js';
import { GatewayError } from './errors.js';

export { MAX_UPSTREAM_BYTES } from './bounded-get.js';

export interface GetJsonOptions {
  url: URL;
  timeoutMs: number;
  /** TLS material, headers and agent, as built by the source. */
  requestOptions: https.RequestOptions;
  maxBytes?: number;
}

export async function getJson(options: GetJsonOptions): Promise<unknown> {
  const request = {
    ...options,
    requestOptions: {
      ...options.requestOptions,
      headers: { accept: 'application/json, application/jwk-set+json', ...options.requestOptions.headers },
    },
  };
  let response: Awaited<ReturnType<typeof boundedGet>>;
  try {
    response = await boundedGet(request);
  } catch (error) {
    // A kept-alive socket the server closed meanwhile (an API server restart) fails at
    // once; like Go's transport, retry an idempotent GET once on a fresh connection.
    if (!(error instanceof StaleSocketError)) throw error;
    response = await boundedGet(request);
  }
  const { url } = options;
  const where = `${url.origin}${url.pathname}`;
  if (response.status !== 200) {
    throw new GatewayError(
      'UPSTREAM_STATUS',
      `${where}: HTTP ${response.status}${statusHint(response.status)}`,
    );
  }
  const contentType = response.headers['content-type'] ?? '';
  if (!/\bjson\b/i.test(contentType)) {
    throw new GatewayError(
      'UPSTREAM_NOT_JSON',
      `${where}: HTTP 200 with content type "${contentType || 'none'}", not JSON`,
    );
  }
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw new GatewayError('UPSTREAM_NOT_JSON', `${where}: HTTP 200 but the body is not valid JSON`, {
      cause: error,
    });
  }
}

/** The usual causes, so a 401 or 403 in a log already says what to check. */
function statusHint(status: number): string {
  if (status === 401) return ' (Unauthorized: the token was rejected or is missing)';
  if (status === 403) return ' (Forbidden: RBAC must allow get on this non-resource URL)';
  if (status === 404) return ' (Not Found: is service account issuer discovery enabled?)';
  return '';
}

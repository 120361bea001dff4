/**
 * --check-public-url: fetch both documents the way a relying party does (anonymously,
 * over the public URL) and confirm the bytes are the ones just published. This is what
 * catches a bucket that is not public, a wrong prefix, or a CDN in front serving an old copy.
 */
import http from 'node:http';
import https from 'node:https';
import { DISCOVERY_KEY } from './layout.js';

export interface PublicCheckResult {
  url: string;
  kind: 'discovery' | 'jwks';
  ok: boolean;
  /** Why it failed, or a warning worth printing when it did not. */
  problem?: string;
  status?: number;
  contentType?: string;
}

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 1024 * 1024;

interface Fetched {
  status: number;
  contentType: string;
  body: Buffer;
}

/** One anonymous GET: no credentials, no redirects followed, bounded in time and size. */
function fetchPublic(url: URL): Promise<Fetched> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = transport.get(url, {
      headers: { accept: 'application/json', 'cache-control': 'no-cache' },
      agent: false,
    });
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) request.destroy(new Error(`body larger than ${MAX_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }),
      );
    });
  });
}

/**
 * Checks `<base>/.well-known/openid-configuration` and `<base>/<jwksKey>`. With several
 * destinations the JWKS may differ between them (each keeps its own retention history),
 * so it must match the one published to any of them.
 */
export async function checkPublicUrl(
  base: string,
  jwksKey: string,
  expected: { discovery: Buffer; jwks: Buffer[] },
): Promise<PublicCheckResult[]> {
  const targets = [
    { kind: 'discovery' as const, key: DISCOVERY_KEY, accept: [expected.discovery] },
    { kind: 'jwks' as const, key: jwksKey, accept: expected.jwks },
  ];
  return Promise.all(
    targets.map(async ({ kind, key, accept }): Promise<PublicCheckResult> => {
      const url = `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
      let fetched: Fetched;
      try {
        fetched = await fetchPublic(new URL(url));
      } catch (error) {
        return { url, kind, ok: false, problem: `cannot fetch it: ${(error as Error).message}` };
      }
      const { status, contentType, body } = fetched;
      if (status !== 200) {
        const hint =
          status === 403
            ? ' (is the object publicly readable?)'
            : status === 404
              ? ' (wrong base URL or prefix?)'
              : '';
        return { url, kind, ok: false, status, problem: `HTTP ${status}${hint}` };
      }
      if (!accept.some((bytes) => bytes.equals(body))) {
        return {
          url,
          kind,
          ok: false,
          status,
          contentType,
          problem: `serves ${body.length} bytes that differ from the ${accept[0]?.length ?? 0} published (a cache in front may still hold an older copy for up to max-age)`,
        };
      }
      const problem = /\bjson\b/i.test(contentType)
        ? undefined
        : `served as "${contentType || 'no content type'}", not JSON`;
      return { url, kind, ok: true, status, contentType, ...(problem ? { problem } : {}) };
    }),
  );
}

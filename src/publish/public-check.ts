/**
 * --check-public-url: fetch both documents the way a relying party does (anonymously,
 * over the public URL) and confirm the bytes are the ones just published. This is what
 * catches a bucket that is not public, a wrong prefix, or a CDN in front serving an old copy.
 */
import { describeError } from '../core/errors.js';
import { getPublic, type PublicResponse } from '../core/public-get.js';
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

/**
 * Checks `<base>/.well-known/openid-configuration` and `<base>/<jwksKey>`. With several
 * destinations the JWKS may differ between them (each keeps its own retention history),
 * so it must match the one published to any of them.
 */
export async function checkPublicUrl(
  base: string,
  jwksKey: string,
  expected: { discovery: Buffer; jwks: Buffer[] },
  extraCa?: string,
): Promise<PublicCheckResult[]> {
  const targets = [
    { kind: 'discovery' as const, key: DISCOVERY_KEY, accept: [expected.discovery] },
    { kind: 'jwks' as const, key: jwksKey, accept: expected.jwks },
  ];
  return Promise.all(
    targets.map(async ({ kind, key, accept }): Promise<PublicCheckResult> => {
      const url = `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
      let fetched: PublicResponse;
      try {
        fetched = await getPublic({ url: new URL(url), timeoutMs: TIMEOUT_MS, extraCa });
      } catch (error) {
        return { url, kind, ok: false, problem: `cannot fetch it: ${describeError(error)}` };
      }
      const { status, body } = fetched;
      const contentType = String(fetched.headers['content-type'] ?? '');
      if (status !== 200) {
        const problem = `HTTP ${status}${hintFor(status, fetched.headers['x-ms-error-code'])}`;
        return { url, kind, ok: false, status, problem };
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

/** What a failed status usually means, for the one line; `azureCode` is Azure's x-ms-error-code. */
function hintFor(status: number, azureCode: string | string[] | undefined): string {
  if (status >= 300 && status < 400) return ' (a redirect: relying parties do not follow it)';
  if (status === 403) return ' (is the object publicly readable?)';
  if (status === 404) return ' (wrong base URL or prefix?)';
  if (status === 409 && azureCode === 'PublicAccessNotPermitted') {
    return (
      ' (PublicAccessNotPermitted: the Azure storage account allows no anonymous access; allow blob ' +
      'anonymous access on it and on the container, or publish to $web and check the static website URL)'
    );
  }
  return '';
}

/**
 * Fetches one public document the way a relying party does (anonymously, no redirects)
 * and reports the fetch as a check; what was fetched goes on to the content checks.
 */
import { getPublic, type PublicResponse } from '../core/public-get.js';
import { type CheckName, type CheckResult, fail, ok } from './result.js';

export interface PublicFetchOptions {
  timeoutMs: number;
  extraCa?: string | undefined;
}

export interface FetchedDocument {
  response: PublicResponse;
  json: unknown;
  /** From the request to the last byte of the body: what STS's 5 s timeout judges (aws-fetch-time). */
  elapsedMs: number;
}

export interface FetchOutcome {
  result: CheckResult;
  /** Set only when the fetch check passed. */
  fetched?: FetchedDocument;
}

export async function fetchPublicDocument(
  check: CheckName,
  url: URL,
  options: PublicFetchOptions,
): Promise<FetchOutcome> {
  let response: PublicResponse;
  const started = performance.now();
  try {
    response = await getPublic({ url, timeoutMs: options.timeoutMs, extraCa: options.extraCa });
  } catch (error) {
    return { result: fail(check, (error as Error).message) };
  }
  const elapsedMs = performance.now() - started;
  const { status, headers, body } = response;
  if (status >= 300 && status < 400) {
    const location = headers.location ? ` to ${headers.location}` : '';
    return {
      result: fail(
        check,
        `${url.href}: HTTP ${status} redirect${location}; relying parties do not follow redirects`,
      ),
    };
  }
  if (status !== 200) return { result: fail(check, `${url.href}: HTTP ${status}, expected 200`) };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { result: fail(check, `${url.href}: HTTP 200 but the body is not valid JSON`) };
  }
  return {
    result: ok(check, `${url.href}: HTTP 200, ${body.length} bytes`),
    fetched: { response, json, elapsedMs },
  };
}

/**
 * All checks in order, as a relying party meets them: the issuer it was given, the
 * discovery document under it, the jwks_uri that names, the JWKS there; then, on request,
 * each named cloud's documented rules, the cluster's own documents and a real token. A failed fetch ends only the checks that
 * need what it would have fetched; every other check still runs and reports.
 *
 * A URL that fails its https or public-host check is never requested (its fetch is
 * reported as skipped): the jwks_uri comes from a remote document, and a CI runner must
 * not be steered into a plain-http or internal request by whoever serves that document.
 */
import { discoveryUrlOf } from '../core/well-known.js';
import { type ClusterSettings, compareDiscovery, compareKeys, fetchClusterDocuments } from './cluster.js';
import { checkDiscoveryValid, checkJwksValid, checkKeyCount } from './content.js';
import { DEFAULT_MAX_AGE_LIMIT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from './defaults.js';
import {
  type FetchedDocument,
  type FetchOutcome,
  fetchPublicDocument,
  type PublicFetchOptions,
} from './fetch-document.js';
import {
  checkCacheControl,
  checkContentType,
  DISCOVERY_CONTENT_TYPES,
  JWKS_CONTENT_TYPES,
} from './headers.js';
import type { Provider } from './providers/names.js';
import { providerChecks } from './providers/rules.js';
import { type CheckName, type CheckResult, fail, skip } from './result.js';
import type { TokenSpec } from './token.js';
import { checkHttps, checkIssuerMatch, checkPublicHost } from './urls.js';

export interface VerifyOptions {
  /** The issuer as relying parties are configured with it, byte for byte. */
  issuer: string;
  /**
   * Where to fetch the discovery document when not from under the issuer: publish's
   * --check-public-url, e.g. the bucket's own URL behind the CDN that the issuer names.
   */
  discoveryUrl?: string | undefined;
  /** PEM of an extra CA to trust for the public fetches, besides the bundled roots. */
  extraCa?: string | undefined;
  /** Private, loopback and cluster-internal hosts are a warning instead of a failure. */
  allowPrivate?: boolean;
  maxAgeLimitSeconds?: number;
  timeoutMs?: number;
  /** The relying parties whose documented rules to check as well (checks/providers). */
  providers?: readonly Provider[];
  /** The longest answer STS waits for (aws-fetch-time); default 5 s, tests shorten it. */
  stsFetchLimitMs?: number;
  /** Compare with the API server's documents; needs `cluster`. */
  compareCluster?: boolean;
  token?: TokenSpec | undefined;
  /** Requested for --token-request; required in the token's aud when set. */
  audience?: string | undefined;
  /** How to reach the API server, for --compare-cluster and --token-request. */
  cluster?: ClusterSettings | undefined;
}

/** What every step of one run reads. */
interface RunContext {
  issuer: string;
  allowPrivate: boolean;
  maxAgeLimit: number;
  fetchOptions: PublicFetchOptions;
  /** Every check's result, in the order the checks ran. */
  results: CheckResult[];
}

export async function runChecks(options: VerifyOptions): Promise<CheckResult[]> {
  const { issuer } = options;
  const run: RunContext = {
    issuer,
    allowPrivate: options.allowPrivate ?? false,
    maxAgeLimit: options.maxAgeLimitSeconds ?? DEFAULT_MAX_AGE_LIMIT_SECONDS,
    fetchOptions: {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000,
      extraCa: options.extraCa,
    },
    results: [],
  };
  const { results } = run;
  const discovery = await checkDiscovery(run, options.discoveryUrl);
  // Undefined unless the JWKS fetch check passed (its JSON may still be any value).
  const jwks = discovery ? await checkJwks(run, discovery) : undefined;

  if (options.providers && options.providers.length > 0) {
    results.push(
      ...providerChecks(options.providers, {
        issuer,
        jwks: jwks?.json,
        fetchTimes: { discovery: discovery?.elapsedMs, jwks: jwks?.elapsedMs },
        stsFetchLimitMs: options.stsFetchLimitMs,
      }),
    );
  }
  if (options.compareCluster) {
    results.push(...(await compareWithCluster(options.cluster, issuer, discovery?.json, jwks)));
  }
  if (options.token) {
    // jose comes with the token checks: about 50 ms of CPU that a run without a token skips.
    const { checkToken, obtainToken } = await import('./token.js');
    const obtained = await obtainToken(options.token, options.cluster?.source, options.audience);
    results.push(obtained.result);
    if (obtained.token !== undefined && jwks) {
      results.push(...(await checkToken(obtained.token, issuer, jwks.json, options.audience)));
    }
  }
  return results;
}

/** The issuer's URL checks, the discovery fetch and its content checks; the document when fetched. */
async function checkDiscovery(
  run: RunContext,
  discoveryUrl: string | undefined,
): Promise<FetchedDocument | undefined> {
  const { issuer, results } = run;
  const issuerChecks = [
    checkHttps('issuer-https', '--issuer', issuer),
    checkPublicHost('issuer-public', 'issuer', issuer, run.allowPrivate),
  ];
  results.push(...issuerChecks);

  // An explicit discovery URL (publish --check-public-url) is the operator's own, not the issuer's.
  const discoveryFetch = discoveryUrl
    ? await fetchPublicDocument('discovery-fetch', new URL(discoveryUrl), run.fetchOptions)
    : await fetchUnlessRefused(
        'discovery-fetch',
        new URL(discoveryUrlOf(issuer)),
        'the issuer',
        issuerChecks,
        run.fetchOptions,
      );
  results.push(discoveryFetch.result);
  const discovery = discoveryFetch.fetched;
  if (!discovery) return undefined;
  const headers = discovery.response.headers;
  results.push(checkContentType('discovery-content-type', headers, DISCOVERY_CONTENT_TYPES));
  results.push(checkCacheControl('discovery-cache-control', headers, run.maxAgeLimit));
  results.push(checkDiscoveryValid('discovery-valid', discovery.json));
  results.push(checkIssuerMatch('issuer-match', documentOf(discovery).issuer, issuer));
  return discovery;
}

/** The jwks_uri's URL checks, the JWKS fetch and its content checks; the JWKS when fetched. */
async function checkJwks(run: RunContext, discovery: FetchedDocument): Promise<FetchedDocument | undefined> {
  const { results } = run;
  const jwksUri = documentOf(discovery).jwks_uri;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    results.push(fail('jwks-uri-https', 'the discovery document has no jwks_uri URL; no keys to fetch'));
    return undefined;
  }
  const jwksUriChecks = [
    checkHttps('jwks-uri-https', 'jwks_uri', jwksUri),
    checkPublicHost('jwks-uri-public', 'jwks_uri', jwksUri, run.allowPrivate),
  ];
  results.push(...jwksUriChecks);
  const jwksFetch = await fetchUnlessRefused(
    'jwks-fetch',
    new URL(jwksUri),
    'the jwks_uri',
    jwksUriChecks,
    run.fetchOptions,
  );
  results.push(jwksFetch.result);
  const jwks = jwksFetch.fetched;
  if (!jwks) return undefined;
  results.push(checkContentType('jwks-content-type', jwks.response.headers, JWKS_CONTENT_TYPES));
  results.push(checkCacheControl('jwks-cache-control', jwks.response.headers, run.maxAgeLimit));
  results.push(checkJwksValid('jwks-valid', jwks.json));
  pushDefined(results, checkKeyCount('jwks-key-count', jwks.json));
  return jwks;
}

/** The discovery document's members, whatever JSON it is (discovery-valid reports what is wrong). */
function documentOf(discovery: FetchedDocument): Record<string, unknown> {
  return (discovery.json ?? {}) as Record<string, unknown>;
}

async function compareWithCluster(
  cluster: ClusterSettings | undefined,
  issuer: string,
  publicDiscovery: unknown,
  publicJwks: FetchedDocument | undefined,
): Promise<CheckResult[]> {
  if (!cluster) return [fail('cluster-fetch', 'no cluster settings to reach the API server')];
  const { result, documents } = await fetchClusterDocuments(cluster, issuer);
  const results = [result];
  if (!documents) return results;
  if (publicDiscovery !== undefined) {
    results.push(compareDiscovery(documents, publicDiscovery, cluster, publicJwks?.json));
  }
  if (publicJwks) results.push(compareKeys(documents, publicJwks.json));
  return results;
}

/** The fetch, unless one of the URL's own checks failed: then a skipped line naming them, and no request. */
async function fetchUnlessRefused(
  check: CheckName,
  url: URL,
  what: string,
  urlChecks: readonly CheckResult[],
  options: PublicFetchOptions,
): Promise<FetchOutcome> {
  const failed = urlChecks.filter((result) => result.status === 'fail').map((result) => result.check);
  if (failed.length > 0) {
    return { result: skip(check, `${url.href} not fetched: ${what} failed ${failed.join(' and ')}`) };
  }
  return fetchPublicDocument(check, url, options);
}

function pushDefined(results: CheckResult[], result: CheckResult | undefined): void {
  if (result) results.push(result);
}

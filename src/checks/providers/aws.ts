/**
 * AWS IAM / STS's documented rules for an OIDC identity provider, each a pure function of
 * what it judges; undefined when that was not fetched (or built). The source of each rule
 * is named beside it and in docs/reference/checks.md ("Cloud checks").
 */
import { type CheckResult, fail, ok } from '../result.js';
import { describeKey, keysOf } from './keys.js';
import { AWS_STS_FETCH_LIMIT_MS } from './names.js';

/**
 * STS's signing algorithms: AssumeRoleWithWebIdentity, WebIdentityToken ("Tokens must be
 * signed using either RSA keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or
 * ES512)"). A key without alg is judged by what it can sign: an RSA key RS256, an EC key
 * its curve's algorithm.
 */
export const AWS_ALGS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
const AWS_EC_CURVES: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
};

/** IAM's key limit, per key type ("a maximum of 100 RSA keys and 100 EC keys"). */
export const AWS_MAX_KEYS_PER_TYPE = 100;

/**
 * CreateOpenIDConnectProvider's Url: "must begin with https://", "path components are
 * allowed but query parameters are not", "should not contain a port number"; a fragment
 * is no part of an issuer (OIDC Discovery §2).
 */
export function checkAwsIssuer(issuer: string | undefined): CheckResult | undefined {
  if (issuer === undefined) return undefined;
  const url = URL.parse(issuer);
  if (url === null) return fail('aws-issuer', `issuer "${issuer}" is not a URL`);
  const problems: string[] = [];
  if (url.protocol !== 'https:') problems.push(`is ${url.protocol.replace(/:$/, '')}, not https`);
  if (url.port !== '') problems.push(`has port ${url.port}`);
  if (url.search !== '' || issuer.includes('?')) problems.push('has a query');
  if (url.hash !== '' || issuer.includes('#')) problems.push('has a fragment');
  if (problems.length > 0) {
    return fail(
      'aws-issuer',
      `issuer "${issuer}" ${problems.join(', ')}; IAM takes an https URL with no port, query or fragment`,
    );
  }
  return ok('aws-issuer', 'issuer is https with no port, query or fragment');
}

/** The time each public document took to answer, as verify measured it from where it runs. */
export interface FetchTimes {
  discovery?: number | undefined;
  jwks?: number | undefined;
}

/**
 * STS's timeout (AWS re:Post, "InvalidIdentityToken"): the message prints what was
 * measured. Undefined when nothing was fetched (publish, or both fetches failed).
 */
export function checkAwsFetchTime(
  times: FetchTimes | undefined,
  limitMs = AWS_STS_FETCH_LIMIT_MS,
): CheckResult | undefined {
  const measured = [
    { what: 'discovery document', ms: times?.discovery },
    { what: 'JWKS', ms: times?.jwks },
  ].filter((entry): entry is { what: string; ms: number } => entry.ms !== undefined);
  if (measured.length === 0) return undefined;
  const listed = measured.map(({ what, ms }) => `${what} ${Math.round(ms)} ms`).join(', ');
  const slow = measured.filter(({ ms }) => ms > limitMs).map(({ what }) => what);
  if (slow.length > 0) {
    return fail(
      'aws-fetch-time',
      `${listed}: the ${slow.join(' and the ')} took longer than the ${limitMs} ms STS waits`,
    );
  }
  return ok('aws-fetch-time', `${listed}, within the ${limitMs} ms STS waits`);
}

/** IAM's per-type limit (create OIDC identity provider, prerequisites). */
export function checkAwsKeyCount(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys) return undefined;
  const rsa = keys.filter(({ key }) => key.kty === 'RSA').length;
  const ec = keys.filter(({ key }) => key.kty === 'EC').length;
  const counted = `${rsa} RSA and ${ec} EC key${ec === 1 ? '' : 's'}`;
  if (rsa > AWS_MAX_KEYS_PER_TYPE || ec > AWS_MAX_KEYS_PER_TYPE) {
    return fail('aws-key-count', `${counted}; IAM accepts at most ${AWS_MAX_KEYS_PER_TYPE} of each type`);
  }
  return ok('aws-key-count', `${counted}, of at most ${AWS_MAX_KEYS_PER_TYPE} of each type`);
}

export function checkAwsAlg(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys) return undefined;
  const refused = keys.filter(({ key }) => !signsWithAwsAlg(key)).map(describeKey);
  if (refused.length > 0) {
    return fail(
      'aws-alg',
      `STS accepts tokens signed with ${AWS_ALGS.join(', ')} only; a token from ${refused.join(', ')} would be refused`,
    );
  }
  return ok('aws-alg', `every key signs with an algorithm STS accepts (${AWS_ALGS.join(', ')})`);
}

function signsWithAwsAlg(key: Record<string, unknown>): boolean {
  if (key.alg !== undefined) {
    if (!AWS_ALGS.includes(key.alg as string)) return false;
    return key.kty === (String(key.alg).startsWith('RS') ? 'RSA' : 'EC');
  }
  if (key.kty === 'RSA') return true;
  return key.kty === 'EC' && Object.hasOwn(AWS_EC_CURVES, key.crv as string);
}

/**
 * STS finds the verification key by the token's kid; a key without one fails the exchange
 * ("Couldn't retrieve verification key", aws/amazon-eks-pod-identity-webhook#12), and
 * kube-apiserver always sets a kid in the tokens it signs.
 */
export function checkAwsKid(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys) return undefined;
  const missing = keys
    .filter(({ key }) => typeof key.kid !== 'string' || key.kid === '')
    .map(({ name, key }) => (key.kid === '' ? `${name} has an empty kid` : `${name} has no kid`));
  if (missing.length > 0) {
    return fail('aws-kid', `${missing.join('; ')}: STS finds a token's key by its kid`);
  }
  return ok('aws-kid', 'every key has a kid');
}

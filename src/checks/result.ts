/**
 * What every check produces: a stable name scripts can match, a verdict, and one line
 * saying why. `warn` never fails a run; `fail` always does. `skip` marks a check that was
 * deliberately not run because an earlier check failed what it needs (a URL that must not
 * be fetched); it fails nothing itself, the earlier failure already does.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/**
 * Every check's name, in the order a run reports them: a documented, stable interface that
 * scripts and alerts match on (docs/reference/checks.md has a row for each, and its list of
 * names is generated from this one). A new check is added here first.
 */
export const CHECK_NAMES = [
  'issuer-https',
  'issuer-public',
  'discovery-fetch',
  'discovery-content-type',
  'discovery-cache-control',
  'discovery-valid',
  'issuer-match',
  'jwks-uri-https',
  'jwks-uri-public',
  'jwks-fetch',
  'jwks-content-type',
  'jwks-cache-control',
  'jwks-valid',
  'jwks-key-count',
  // --provider: each cloud's documented rules (checks/providers), by provider.
  'aws-issuer',
  'aws-fetch-time',
  'aws-key-count',
  'aws-alg',
  'aws-kid',
  'gcp-members',
  'gcp-key-type',
  'azure-issuer',
  'azure-alg',
  'cluster-fetch',
  'cluster-discovery',
  'cluster-keys',
  'token-read',
  'token-request',
  'token-issuer',
  'token-audience',
  'token-signature',
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  message: string;
}

export function ok(check: CheckName, message: string): CheckResult {
  return { check, status: 'ok', message };
}

export function warn(check: CheckName, message: string): CheckResult {
  return { check, status: 'warn', message };
}

export function fail(check: CheckName, message: string): CheckResult {
  return { check, status: 'fail', message };
}

export function skip(check: CheckName, message: string): CheckResult {
  return { check, status: 'skip', message };
}

export function hasFailure(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.status === 'fail');
}

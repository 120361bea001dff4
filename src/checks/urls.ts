/**
 * Checks on the two URLs a relying party follows: the issuer it was configured with and
 * the jwks_uri the discovery document names. Both must be https and reachable from the
 * internet; `--allow-private` turns the reachability check into a warning for test setups
 * and relying parties inside the same private network.
 */
import { privateHostReason } from './address.js';
import { type CheckName, type CheckResult, fail, ok, warn } from './result.js';

export function checkHttps(check: CheckName, what: string, value: string): CheckResult {
  const url = URL.parse(value);
  if (url === null) {
    return fail(check, `${what} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:') return fail(check, `${what} "${value}" is not https`);
  return ok(check, `${what} is https`);
}

export function checkPublicHost(
  check: CheckName,
  what: string,
  value: string,
  allowPrivate: boolean,
): CheckResult {
  const url = URL.parse(value);
  if (url === null) {
    return fail(check, `${what} "${value}" is not a URL`);
  }
  const reason = privateHostReason(url.hostname);
  if (reason === undefined) return ok(check, `${what} host ${url.hostname} is not a private address or name`);
  const problem = `${what} host ${url.hostname} is ${reason}; relying parties on the internet cannot reach it`;
  return allowPrivate ? warn(check, `${problem} (allowed by --allow-private)`) : fail(check, problem);
}

/** Byte for byte: tokens carry `iss` exactly as the document says, and relying parties compare it so. */
export function checkIssuerMatch(check: CheckName, documentIssuer: unknown, expected: string): CheckResult {
  if (typeof documentIssuer !== 'string') return fail(check, 'the discovery document has no issuer string');
  if (documentIssuer === expected) return ok(check, `discovery issuer equals --issuer "${expected}"`);
  const slashOnly = documentIssuer.replace(/\/+$/, '') === expected.replace(/\/+$/, '');
  const hint = slashOnly ? ' (they differ only in a trailing slash, which counts)' : '';
  return fail(check, `discovery issuer "${documentIssuer}" is not --issuer "${expected}"${hint}`);
}

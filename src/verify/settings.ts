/**
 * verify's flags. Kept apart from the checks so that registering the command (on every
 * CLI start, serve included) loads none of them.
 */

import { DEFAULT_MAX_AGE_LIMIT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../checks/defaults.js';
import { parseServiceAccountRef, type ServiceAccountRef } from '../checks/service-account.js';
import { canonicalFormIfDifferent } from '../core/canonical-url.js';
import { invalid, parseChoice, parseInteger, parseString, parseUrl, type Setting } from '../core/settings.js';

function parseServiceAccount(raw: string, name: string): ServiceAccountRef {
  const ref = parseServiceAccountRef(raw);
  if (!ref) throw invalid(name, raw, 'is not NAMESPACE/NAME of a ServiceAccount');
  return ref;
}

/**
 * An http(s) URL written canonically: verify compares it byte for byte with the document's
 * issuer and with tokens' iss, so a form a URL parser rewrites would only ever mismatch.
 */
function parseIssuer(raw: string, name: string): string {
  const value = parseUrl(['https:', 'http:'])(raw, name);
  const canonical = canonicalFormIfDifferent(value);
  if (canonical !== undefined) throw invalid(name, raw, `is not canonical; did you mean "${canonical}"?`);
  return value;
}

export const verifySettings = {
  issuer: {
    flag: 'issuer',
    describe:
      'The public issuer URL, exactly as relying parties are configured with it (a trailing slash counts), written canonically',
    default: undefined,
    parse: parseIssuer,
  },
  ca: {
    flag: 'ca',
    describe: 'PEM file of a CA to trust in addition to the system trust store (private test setups)',
    default: undefined,
    parse: parseString,
  },
  maxAgeLimit: {
    flag: 'max-age-limit',
    describe: 'Largest Cache-Control max-age accepted, in seconds',
    default: String(DEFAULT_MAX_AGE_LIMIT_SECONDS),
    parse: parseInteger(1, 31536000),
  },
  timeoutSeconds: {
    flag: 'timeout-seconds',
    describe: 'Timeout for each public fetch, in seconds',
    default: String(DEFAULT_TIMEOUT_SECONDS),
    parse: parseInteger(1, 300),
  },
  token: {
    flag: 'token',
    describe:
      'A token file issued by the cluster: its iss and signature are checked against the public documents',
    default: undefined,
    parse: parseString,
  },
  tokenRequest: {
    flag: 'token-request',
    describe:
      'NAMESPACE/NAME of a ServiceAccount: mint a 10-minute token for it (TokenRequest API) and check it',
    default: undefined,
    parse: parseServiceAccount,
  },
  audience: {
    flag: 'audience',
    describe: 'Audience to request with --token-request; the token’s aud must include it',
    default: undefined,
    parse: parseString,
  },
  output: {
    flag: 'output',
    describe: 'text (one line per check) or json',
    default: 'text',
    parse: parseChoice(['text', 'json'] as const),
  },
} satisfies Record<string, Setting<unknown>>;

/** Switches without a value. */
export const verifySwitches = {
  'allow-private':
    'Report a private, loopback or cluster-internal issuer or jwks_uri host as a warning, not a failure',
  'compare-cluster': 'Also fetch the documents from the API server and check the public copies are current',
  gcp: 'Check that the JWKS uses only the members GCP workload identity federation accepts',
} as const;

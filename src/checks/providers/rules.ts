/**
 * Each cloud's documented rules, checked before the cloud rejects a token: the checks of
 * the providers asked for, in the order they are reported (by provider as PROVIDERS lists
 * them, then rule by rule). verify gives everything it fetched and measured; publish gives
 * the issuer once and each destination's key set on its own (retention differs between
 * destinations), and no times (it fetches nothing). A rule whose input is not given is
 * left out, so a failed fetch ends only the rules that need what it would have fetched.
 */
import type { CheckResult } from '../result.js';
import {
  checkAwsAlg,
  checkAwsFetchTime,
  checkAwsIssuer,
  checkAwsKeyCount,
  checkAwsKid,
  type FetchTimes,
} from './aws.js';
import { checkAzureAlg, checkAzureIssuer } from './azure.js';
import { checkGcpKeyType, checkGcpMembers } from './gcp.js';
import { PROVIDERS, type Provider } from './names.js';

export interface ProviderInput {
  /** The issuer relying parties are configured with (verify's --issuer; the issuer publish builds). */
  issuer?: string | undefined;
  /** The key set as fetched or built, untrusted. */
  jwks?: unknown;
  /** How long the public documents took to answer (verify only). */
  fetchTimes?: FetchTimes | undefined;
  /** The longest answer STS waits for; default 5 s, tests shorten it. */
  stsFetchLimitMs?: number | undefined;
}

type Rule = (input: ProviderInput) => CheckResult | undefined;

const RULES: Record<Provider, readonly Rule[]> = {
  aws: [
    ({ issuer }) => checkAwsIssuer(issuer),
    ({ fetchTimes, stsFetchLimitMs }) => checkAwsFetchTime(fetchTimes, stsFetchLimitMs),
    ({ jwks }) => checkAwsKeyCount(jwks),
    ({ jwks }) => checkAwsAlg(jwks),
    ({ jwks }) => checkAwsKid(jwks),
  ],
  gcp: [({ jwks }) => checkGcpMembers(jwks), ({ jwks }) => checkGcpKeyType(jwks)],
  azure: [({ issuer }) => checkAzureIssuer(issuer), ({ jwks }) => checkAzureAlg(jwks)],
};

export function providerChecks(providers: readonly Provider[], input: ProviderInput): CheckResult[] {
  return PROVIDERS.filter((provider) => providers.includes(provider)).flatMap((provider) =>
    RULES[provider].flatMap((rule) => rule(input) ?? []),
  );
}

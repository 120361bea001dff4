/**
 * Microsoft Entra workload identity federation's documented rules ("Important
 * considerations and restrictions for federated identity credentials"): only issuers whose
 * tokens are signed with RS256 are supported; the issuer of a federated identity credential
 * is at most 600 characters, and leading or trailing whitespace in it blocks the exchange.
 * Pure functions; undefined when what they judge is not there.
 */
import { type CheckResult, fail, ok } from '../result.js';
import { describeKey, keysOf } from './keys.js';

export const AZURE_MAX_ISSUER_LENGTH = 600;

export function checkAzureIssuer(issuer: string | undefined): CheckResult | undefined {
  if (issuer === undefined) return undefined;
  const problems: string[] = [];
  if (issuer.length > AZURE_MAX_ISSUER_LENGTH) {
    problems.push(`is ${issuer.length} characters, over Entra's ${AZURE_MAX_ISSUER_LENGTH}`);
  }
  if (/^\s|\s$/.test(issuer)) problems.push('has leading or trailing whitespace, which blocks the exchange');
  if (problems.length > 0) return fail('azure-issuer', `issuer ${problems.join(' and ')}`);
  return ok('azure-issuer', `issuer is ${issuer.length} characters, without surrounding whitespace`);
}

/**
 * Every key an RSA key for RS256 (an RSA key without alg can sign RS256): a token signed
 * with any other key, an ES256 one say, would be refused.
 */
export function checkAzureAlg(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys) return undefined;
  const refused = keys
    .filter(({ key }) => key.kty !== 'RSA' || (key.alg !== undefined && key.alg !== 'RS256'))
    .map(describeKey);
  if (refused.length > 0) {
    return fail(
      'azure-alg',
      `Entra accepts RS256-signed tokens only; a token from ${refused.join(', ')} would be refused`,
    );
  }
  return ok('azure-alg', 'every key is an RSA key for RS256');
}

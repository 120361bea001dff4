/**
 * GCP workload identity federation's documented rules for a key set: the IAM API's
 * `Oidc.jwksJson` ("Currently, RSA and EC asymmetric keys are supported. The JWK must use
 * following format and include only the following fields": kty, alg, use (sig), kid, n, e,
 * x, y, crv). Pure functions; undefined when there is no key list to judge.
 */

import { isObject } from '../../core/validate.js';
import { type CheckResult, fail, ok } from '../result.js';
import { keysOf } from './keys.js';

export const GCP_JWK_MEMBERS: readonly string[] = ['kty', 'alg', 'use', 'kid', 'n', 'e', 'x', 'y', 'crv'];
const GCP_KEY_TYPES: readonly string[] = ['RSA', 'EC'];

/** Only the listed members in each key, and nothing beside `keys` in the set. */
export function checkGcpMembers(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys || !isObject(jwks)) return undefined;
  const problems: string[] = [];
  const extraTop = Object.keys(jwks).filter((member) => member !== 'keys');
  if (extraTop.length > 0) problems.push(`the set has members besides "keys": ${extraTop.join(', ')}`);
  for (const { name, key } of keys) {
    const extra = Object.keys(key).filter((member) => !GCP_JWK_MEMBERS.includes(member));
    if (extra.length > 0) problems.push(`${name} has ${extra.join(', ')}`);
  }
  if (problems.length > 0) {
    return fail(
      'gcp-members',
      `GCP accepts only the members ${GCP_JWK_MEMBERS.join(', ')}: ${problems.join('; ')}`,
    );
  }
  return ok('gcp-members', `every key uses only ${GCP_JWK_MEMBERS.join(', ')}`);
}

/** RSA and EC keys only, each for signatures. */
export function checkGcpKeyType(jwks: unknown): CheckResult | undefined {
  const keys = keysOf(jwks);
  if (!keys) return undefined;
  const problems: string[] = [];
  for (const { name, key } of keys) {
    if (!GCP_KEY_TYPES.includes(key.kty as string)) problems.push(`${name} has kty ${String(key.kty)}`);
    if (key.use !== undefined && key.use !== 'sig') problems.push(`${name} has use ${String(key.use)}`);
  }
  if (problems.length > 0) {
    return fail('gcp-key-type', `GCP accepts only RSA and EC signing keys: ${problems.join('; ')}`);
  }
  return ok('gcp-key-type', 'every key is an RSA or EC signing key');
}

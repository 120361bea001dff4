/**
 * The content checks on the two fetched documents. Validity is the core's validation,
 * the same that guards serve and publish; the limits here are the relying parties' own.
 */
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { isObject, validateDiscovery, validateJwks } from '../core/validate.js';
import { type CheckName, type CheckResult, fail, ok } from './result.js';

/**
 * The members GCP workload identity federation accepts in a JWK: the IAM API's
 * `Oidc.jwksJson` "must ... include only the following fields": kty (RSA or EC), alg,
 * use (sig), kid, n, e, x, y, crv. A public JWKS with more is refused when pasted there.
 */
export const GCP_JWK_MEMBERS: readonly string[] = ['kty', 'alg', 'use', 'kid', 'n', 'e', 'x', 'y', 'crv'];
const GCP_KEY_TYPES: readonly string[] = ['RSA', 'EC'];

export function checkDiscoveryValid(check: CheckName, json: unknown): CheckResult {
  try {
    validateDiscovery(json);
    return ok(check, 'a well-formed discovery document');
  } catch (error) {
    return fail(check, (error as Error).message);
  }
}

export function checkJwksValid(check: CheckName, json: unknown): CheckResult {
  try {
    const { keys } = validateJwks(json);
    const described = keys.map((key) => `${key.kid} (${key.kty}${key.alg ? ` ${String(key.alg)}` : ''})`);
    return ok(check, `${keys.length} public key${keys.length === 1 ? '' : 's'}: ${described.join(', ')}`);
  } catch (error) {
    return fail(check, (error as Error).message);
  }
}

/** Undefined when there is no key list to count; the validity check already says so. */
export function checkKeyCount(check: CheckName, json: unknown): CheckResult | undefined {
  if (!isObject(json) || !Array.isArray(json.keys)) return undefined;
  const count = json.keys.length;
  if (count > MAX_JWKS_KEYS) {
    return fail(check, `${count} keys; AWS accepts at most ${MAX_JWKS_KEYS}`);
  }
  return ok(check, `${count} of at most ${MAX_JWKS_KEYS} keys`);
}

export function checkGcpMembers(check: CheckName, json: unknown): CheckResult | undefined {
  if (!isObject(json) || !Array.isArray(json.keys)) return undefined;
  const problems: string[] = [];
  const extraTop = Object.keys(json).filter((member) => member !== 'keys');
  if (extraTop.length > 0) problems.push(`the set has members besides "keys": ${extraTop.join(', ')}`);
  json.keys.forEach((key: unknown, index) => {
    if (!isObject(key)) return;
    const name = typeof key.kid === 'string' ? `kid ${key.kid}` : `key #${index}`;
    const extra = Object.keys(key).filter((member) => !GCP_JWK_MEMBERS.includes(member));
    if (extra.length > 0) problems.push(`${name} has ${extra.join(', ')}`);
    if (!GCP_KEY_TYPES.includes(key.kty as string)) problems.push(`${name} has kty ${String(key.kty)}`);
    if (key.use !== undefined && key.use !== 'sig') problems.push(`${name} has use ${String(key.use)}`);
  });
  if (problems.length > 0) {
    return fail(
      check,
      `GCP accepts only RSA/EC keys with ${GCP_JWK_MEMBERS.join(', ')}: ${problems.join('; ')}`,
    );
  }
  return ok(check, `every key uses only ${GCP_JWK_MEMBERS.join(', ')}`);
}

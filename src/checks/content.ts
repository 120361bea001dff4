/**
 * The content checks on the two fetched documents. Validity is the core's validation,
 * the same that guards serve and publish; the key count is the limit publish keeps to.
 * Each cloud's own documented rules are in providers/ (--provider).
 */
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { isObject, validateDiscovery, validateJwks } from '../core/validate.js';
import { type CheckName, type CheckResult, fail, ok } from './result.js';

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

/**
 * Rules about a published key set that more than one mode applies: publish follows them
 * when it builds the documents, verify expects what publish built.
 */
import type { Jwk } from './validate.js';

/** AWS IAM refuses an OIDC provider whose JWKS has more keys than this. */
export const MAX_JWKS_KEYS = 100;

export const SIGNING_ALGS_MEMBER = 'id_token_signing_alg_values_supported';

/**
 * The discovery document's signing algorithms for a published key set: the source's list,
 * plus the alg of any published key it lacks. A key retained after a rotation (RSA to EC,
 * say) may use an algorithm the source no longer lists, and strict relying parties check
 * the list. Unchanged (the same array) when nothing is missing; otherwise sorted and
 * unique, as kube-apiserver writes it.
 */
export function signingAlgsFor(sourceAlgs: readonly string[], keys: readonly Jwk[]): readonly string[] {
  const missing = keys
    .map((key) => key.alg)
    .filter((alg): alg is string => typeof alg === 'string' && !sourceAlgs.includes(alg));
  if (missing.length === 0) return sourceAlgs;
  return [...new Set([...sourceAlgs, ...missing])].sort();
}

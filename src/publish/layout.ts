/**
 * Where each document goes under a destination's prefix. A relying party fetches
 * `<issuer>/.well-known/openid-configuration`, then its `jwks_uri`; the bucket prefix
 * stands for the issuer's path, so the JWKS key is the jwks_uri's path below the issuer's.
 */
import { GatewayError } from '../core/errors.js';
import { isUnderIssuer } from '../core/jwks-uri.js';
import type { DiscoveryDocument } from '../core/validate.js';
import { DISCOVERY_PATH } from '../core/well-known.js';

/** The discovery document's object key: its well-known path below the prefix. */
export const DISCOVERY_KEY = DISCOVERY_PATH.slice(1);

/**
 * Retention state (when each key was first seen and when it left the cluster). Kept next
 * to the documents so that any run, from any pod, continues where the last one stopped.
 */
export const STATE_KEY = '.kube-oidc-gateway/state.json';

/** The JWKS object key for this document, e.g. 'openid/v1/jwks'. */
export function jwksKeyOf(discovery: DiscoveryDocument): string {
  const issuer = new URL(discovery.issuer);
  const jwksUri = new URL(discovery.jwks_uri);
  const issuerPath = issuer.pathname.replace(/\/+$/, '');
  if (!isUnderIssuer(discovery.jwks_uri, discovery.issuer)) {
    throw new GatewayError(
      'PUBLISH_INVALID',
      `jwks_uri ${discovery.jwks_uri} is not under the issuer ${discovery.issuer}, so no object in the ` +
        'destination can be served there; use --jwks-uri auto (the default) or a URL under the issuer',
    );
  }
  let key: string;
  try {
    key = decodeURIComponent(jwksUri.pathname.slice(issuerPath.length + 1));
  } catch {
    key = '';
  }
  if (key === '' || key.endsWith('/') || key === DISCOVERY_KEY || key.startsWith('.kube-oidc-gateway/')) {
    throw new GatewayError('PUBLISH_INVALID', `jwks_uri ${discovery.jwks_uri} does not name a usable object`);
  }
  return key;
}

/**
 * Where the two documents live, below the issuer URL: kube-apiserver serves them at these
 * paths, OIDC Discovery (§4) has relying parties fetch the first one there, and kube's
 * default jwks_uri is the second. serve answers them, publish writes objects under them,
 * verify fetches them.
 */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export type WellKnownPath = typeof DISCOVERY_PATH | typeof JWKS_PATH;

/** `<issuer>/.well-known/openid-configuration`, tolerating an issuer with a trailing slash. */
export function discoveryUrlOf(issuer: string): string {
  return `${withoutTrailingSlash(issuer)}${DISCOVERY_PATH}`;
}

/** `<issuer>/openid/v1/jwks`: kube-apiserver's jwks_uri when --service-account-jwks-uri is not set. */
export function defaultJwksUri(issuer: string): string {
  return `${withoutTrailingSlash(issuer)}${JWKS_PATH}`;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Strict validation of the two issuer documents. A document that fails here is never
 * cached, served or published; the message names the exact problem.
 */
import { GatewayError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  [member: string]: Json;
}

export interface Jwk {
  kty: string;
  kid: string;
  [member: string]: Json;
}

export interface JwkSet {
  keys: Jwk[];
  [member: string]: Json;
}

/** RFC 7517/7518 private members: their presence means a secret would be published. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The public members each supported key type must carry. */
const REQUIRED_PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

/** Signing algorithms a relying party may see next to each key type. */
const ALGS_BY_KTY: Record<string, readonly string[]> = {
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  EC: ['ES256', 'ES384', 'ES512'],
  OKP: ['EdDSA'],
};

const EC_CURVES = ['P-256', 'P-384', 'P-521'];
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The URL when `value` is an https URL without a fragment; otherwise the problem, in words. */
function parseHttpsUrl(value: unknown, what: string): URL | string {
  if (typeof value !== 'string' || value === '') return `${what} is missing or not a string`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${what} "${value}" is not a URL`;
  }
  if (url.protocol !== 'https:') return `${what} "${value}" is not https`;
  if (url.hash !== '' || value.includes('#')) return `${what} "${value}" has a fragment`;
  return url;
}

/** An https URL with a host and neither query nor fragment, as OIDC Discovery requires of an issuer. */
export function checkIssuerUrl(value: unknown, what: string): string | undefined {
  const url = parseHttpsUrl(value, what);
  if (typeof url === 'string') return url;
  if (url.search !== '' || (value as string).includes('?')) return `${what} "${value}" has a query`;
  if (url.username !== '' || url.password !== '') return `${what} "${value}" carries credentials`;
  return undefined;
}

function checkHttpsUrl(value: unknown, what: string): string | undefined {
  const url = parseHttpsUrl(value, what);
  return typeof url === 'string' ? url : undefined;
}

export function validateDiscovery(value: unknown): DiscoveryDocument {
  const fail = (problem: string): never => {
    throw new GatewayError('DISCOVERY_INVALID', `discovery document: ${problem}`);
  };
  if (!isObject(value)) return fail(`expected a JSON object, got ${describeType(value)}`);
  const issuerProblem = checkIssuerUrl(value.issuer, 'issuer');
  if (issuerProblem) fail(issuerProblem);
  const jwksProblem = checkHttpsUrl(value.jwks_uri, 'jwks_uri');
  if (jwksProblem) fail(jwksProblem);
  for (const member of [
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
  ]) {
    const list = value[member];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
      fail(`${member} must be an array of strings`);
    }
  }
  return value as DiscoveryDocument;
}

function validateJwk(value: unknown, index: number): Jwk {
  const where = `key #${index}`;
  const fail = (problem: string): never => {
    throw new GatewayError('JWKS_INVALID', `JWKS ${problem}`);
  };
  if (!isObject(value)) return fail(`${where} is ${describeType(value)}, not an object`);
  const kid = value.kid;
  const named = typeof kid === 'string' && kid !== '' ? `${where} (kid "${kid}")` : where;
  // Checked before anything else: a private key must be refused even if it is malformed otherwise.
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => member in value);
  if (privateMembers.length > 0) {
    throw new GatewayError(
      'JWKS_PRIVATE_KEY',
      `JWKS ${named} carries private key material (${privateMembers.join(', ')}); refusing to publish it`,
    );
  }
  if (typeof value.kty !== 'string' || value.kty === '') fail(`${named} has no kty`);
  if (typeof kid !== 'string' || kid === '') fail(`${where} has no kid`);
  const kty = value.kty as string;
  const required = REQUIRED_PUBLIC_MEMBERS[kty];
  if (!required) return fail(`${named} has unsupported kty "${kty}"`);
  for (const member of required) {
    const memberValue = value[member];
    if (typeof memberValue !== 'string' || memberValue === '')
      fail(`${named} (${kty}) is missing "${member}"`);
    if (member !== 'crv' && !BASE64URL.test(memberValue as string)) {
      fail(`${named} member "${member}" is not base64url`);
    }
  }
  if (kty === 'EC' && !EC_CURVES.includes(value.crv as string)) {
    fail(`${named} has unsupported curve "${String(value.crv)}"`);
  }
  if (value.alg !== undefined && !(ALGS_BY_KTY[kty] ?? []).includes(value.alg as string)) {
    fail(`${named} has alg "${String(value.alg)}", which does not fit kty ${kty}`);
  }
  if (value.use !== undefined && value.use !== 'sig') {
    fail(`${named} has use "${String(value.use)}"; only "sig" keys belong in an issuer's JWKS`);
  }
  return value as Jwk;
}

export function validateJwks(value: unknown): JwkSet {
  if (!isObject(value)) {
    throw new GatewayError('JWKS_INVALID', `JWKS: expected a JSON object, got ${describeType(value)}`);
  }
  if (!Array.isArray(value.keys)) throw new GatewayError('JWKS_INVALID', 'JWKS: "keys" is not an array');
  if (value.keys.length === 0) {
    // An empty key set would make every relying party reject every token.
    throw new GatewayError('JWKS_INVALID', 'JWKS: "keys" is empty');
  }
  const seen = new Set<string>();
  value.keys.forEach((key, index) => {
    const jwk = validateJwk(key, index);
    if (seen.has(jwk.kid)) {
      throw new GatewayError('JWKS_DUPLICATE_KID', `JWKS: kid "${jwk.kid}" appears more than once`);
    }
    seen.add(jwk.kid);
  });
  return value as JwkSet;
}

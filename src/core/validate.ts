/**
 * Strict validation of the two issuer documents. A document that fails here is never
 * cached, served or published; the message names the exact problem.
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { nonCanonicalUrlProblem } from './canonical-url.js';
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

/** RFC 7517 §4 members any public signing key may carry, whatever its type. */
const COMMON_MEMBERS = ['kty', 'kid', 'use', 'alg', 'key_ops', 'x5c', 'x5t', 'x5t#S256', 'x5u'] as const;

/**
 * The key types accepted and their public members (RFC 7518 §6.2.1, §6.3.1). Only RSA and
 * EC: the AWS, GCP and Azure verifiers accept no others, and PyJWT and go-jose refuse the
 * whole set when one key is unusable, so one such key would break every token.
 */
const KEY_TYPES: Record<string, { members: readonly string[]; algs: readonly string[] }> = {
  RSA: { members: ['n', 'e'], algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] },
  EC: { members: ['crv', 'x', 'y'], algs: ['ES256', 'ES384', 'ES512'] },
};

/** Each curve's coordinate size (RFC 7518 §6.2.1.2: x and y are full-size) and its one alg. */
const EC_CURVES: Record<string, { bytes: number; alg: string }> = {
  'P-256': { bytes: 32, alg: 'ES256' },
  'P-384': { bytes: 48, alg: 'ES384' },
  'P-521': { bytes: 66, alg: 'ES512' },
};

/** NIST SP 800-131A and every cloud verifier: shorter RSA keys are forgeable or refused. */
export const MIN_RSA_BITS = 2048;
/** Go's crypto/rsa (go-jose, Vault) refuses an exponent above this; an even or tiny one is no key. */
const MAX_RSA_EXPONENT = 2n ** 31n - 1n;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
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
  const url = URL.parse(value);
  if (url === null) {
    return `${what} "${value}" is not a URL`;
  }
  if (url.protocol !== 'https:') return `${what} "${value}" is not https`;
  if (url.hash !== '' || value.includes('#')) return `${what} "${value}" has a fragment`;
  return url;
}

/** An https URL with a host and neither query nor fragment, as OIDC Discovery requires of an issuer, written canonically. */
export function checkIssuerUrl(value: unknown, what: string): string | undefined {
  const url = parseHttpsUrl(value, what);
  if (typeof url === 'string') return url;
  if (url.search !== '' || (value as string).includes('?')) return `${what} "${value}" has a query`;
  if (url.username !== '' || url.password !== '') return `${what} "${value}" carries credentials`;
  // Compared byte for byte with every token's iss: only the form parsers write back will do.
  return nonCanonicalUrlProblem(value as string, what, url);
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

/**
 * One public signing key, checked member by member: only the members RFC 7517/7518 define
 * for its kty, each well-formed, and key material that really is a public key of the
 * required strength. `where` starts every message ("JWKS key #2", a state record...).
 * Throws JWKS_PRIVATE_KEY for private members (checked first, whatever else is wrong),
 * JWKS_INVALID otherwise.
 */
export function validateJwk(value: unknown, where: string): Jwk {
  if (!isObject(value)) throw invalidJwk(`${where} is ${describeType(value)}, not an object`);
  const kid = value.kid;
  const named = typeof kid === 'string' && kid !== '' ? `${where} (kid "${kid}")` : where;
  refusePrivateMembers(value, named);
  const fail = (problem: string): never => {
    throw invalidJwk(`${named} ${problem}`);
  };
  const { kty, keyType } = keyTypeOf(value, fail);
  if (typeof kid !== 'string' || kid === '') throw invalidJwk(`${where} has no kid`);
  checkMemberNames(value, kty, keyType, fail);
  checkKeyMembers(value, kty, keyType, fail);
  const curve = kty === 'EC' ? ecCurveOf(value, fail) : undefined;
  checkAlg(value, kty, keyType, curve, fail);
  if (value.use !== undefined && value.use !== 'sig') {
    fail(`has use "${String(value.use)}"; only "sig" keys belong in an issuer's JWKS`);
  }
  checkKeyOps(value.key_ops, fail);
  const publicKey = importKey(value, kty, fail);
  checkCertificateMembers(value, publicKey, fail);
  return value as Jwk;
}

function invalidJwk(message: string): GatewayError {
  return new GatewayError('JWKS_INVALID', message);
}

type Fail = (problem: string) => never;
type KeyType = (typeof KEY_TYPES)[string];

/** JWKS_PRIVATE_KEY, checked before anything else: whatever else is wrong, a secret is never published. */
function refusePrivateMembers(jwk: Record<string, unknown>, named: string): void {
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => Object.hasOwn(jwk, member));
  if (privateMembers.length > 0) {
    throw new GatewayError(
      'JWKS_PRIVATE_KEY',
      `${named} carries private key material (${privateMembers.join(', ')}); refusing to publish it`,
    );
  }
}

function keyTypeOf(jwk: Record<string, unknown>, fail: Fail): { kty: string; keyType: KeyType } {
  if (typeof jwk.kty !== 'string' || jwk.kty === '') fail('has no kty');
  const kty = jwk.kty as string;
  const keyType = Object.hasOwn(KEY_TYPES, kty) ? KEY_TYPES[kty] : undefined;
  if (!keyType) {
    return fail(
      `has unsupported kty "${kty}": only RSA and EC keys are accepted (AWS, GCP and Azure verify no others)`,
    );
  }
  return { kty, keyType };
}

/** Only the members RFC 7517/7518 define for a public key of this type. */
function checkMemberNames(jwk: Record<string, unknown>, kty: string, keyType: KeyType, fail: Fail): void {
  const unknown = Object.keys(jwk).filter(
    (member) => !(COMMON_MEMBERS as readonly string[]).includes(member) && !keyType.members.includes(member),
  );
  if (unknown.length > 0) {
    const list = unknown.map((member) => `"${member}"`).join(', ');
    fail(
      `has ${list}, not ${unknown.length === 1 ? 'a member' : 'members'} of a public ${kty} key (RFC 7517/7518)`,
    );
  }
}

/** The type's key material members: each present, and base64url (crv is a name). */
function checkKeyMembers(jwk: Record<string, unknown>, kty: string, keyType: KeyType, fail: Fail): void {
  for (const member of keyType.members) {
    const memberValue = jwk[member];
    if (typeof memberValue !== 'string' || memberValue === '') fail(`(${kty}) is missing "${member}"`);
    if (member !== 'crv' && !BASE64URL.test(memberValue as string))
      fail(`member "${member}" is not base64url`);
  }
}

/** An alg, when given, fits the key type and, for EC, the curve's one alg. */
function checkAlg(
  jwk: Record<string, unknown>,
  kty: string,
  keyType: KeyType,
  curve: { alg: string } | undefined,
  fail: Fail,
): void {
  if (jwk.alg === undefined) return;
  if (!keyType.algs.includes(jwk.alg as string)) {
    fail(`has alg "${String(jwk.alg)}", which does not fit kty ${kty}`);
  }
  if (curve && jwk.alg !== curve.alg)
    fail(`has alg "${String(jwk.alg)}", which does not fit curve ${String(jwk.crv)}`);
}

function ecCurveOf(jwk: Record<string, unknown>, fail: Fail): { bytes: number; alg: string } {
  const crv = jwk.crv as string;
  const curve = Object.hasOwn(EC_CURVES, crv) ? EC_CURVES[crv] : undefined;
  if (!curve) return fail(`has unsupported curve "${crv}"`);
  for (const member of ['x', 'y']) {
    const bytes = Buffer.from(jwk[member] as string, 'base64url').length;
    if (bytes !== curve.bytes)
      fail(`member "${member}" is ${bytes} bytes; ${crv} coordinates are ${curve.bytes}`);
  }
  return curve;
}

/** RFC 7517 §4.3: unique operation names; a key that signs tokens is published to verify them. */
function checkKeyOps(keyOps: unknown, fail: Fail): void {
  if (keyOps === undefined) return;
  if (!Array.isArray(keyOps) || keyOps.length === 0 || keyOps.some((op) => typeof op !== 'string')) {
    fail('has key_ops that is not a non-empty array of strings');
  }
  const ops = keyOps as string[];
  if (new Set(ops).size !== ops.length) fail('has key_ops with a repeated value');
  const other = ops.filter((op) => op !== 'verify');
  if (other.length > 0)
    fail(`has key_ops "${other.join('", "')}"; only "verify" belongs in an issuer's JWKS`);
}

/**
 * The key material, imported as a relying party would: an EC point off its curve or an
 * RSA modulus that is no key fails here, and the strength is checked on what was imported.
 * Only the type's own members are passed, so nothing else can sway the import.
 */
function importKey(jwk: Record<string, unknown>, kty: string, fail: Fail): KeyObject {
  const material =
    kty === 'RSA'
      ? { kty, n: jwk.n as string, e: jwk.e as string }
      : { kty, crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: material, format: 'jwk' });
  } catch {
    return fail(
      kty === 'EC'
        ? `has x, y that are not a point on ${material.crv}`
        : 'has n, e that are not an RSA public key',
    );
  }
  if (kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      fail(`has a ${bits}-bit RSA modulus; at least ${MIN_RSA_BITS} bits are required`);
    const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
    if (exponent < 3n || exponent % 2n === 0n || exponent > MAX_RSA_EXPONENT) {
      fail(`has RSA exponent ${exponent}; it must be odd, at least 3 and below 2^31 (usually 65537, "AQAB")`);
    }
  }
  return key;
}

/** The certificate thumbprint members: digest and size. */
const THUMBPRINTS = [
  ['x5t', 'sha1', 20],
  ['x5t#S256', 'sha256', 32],
] as const;

/**
 * x5u, x5c, x5t and x5t#S256 (RFC 7517 §4.6-4.9): well-formed, and when a chain is given
 * its first certificate holds this very key and matches the thumbprints; relying parties
 * that read the certificate (Azure does) would otherwise verify with another key.
 */
function checkCertificateMembers(jwk: Record<string, unknown>, publicKey: KeyObject, fail: Fail): void {
  const x5uProblem = jwk.x5u === undefined ? undefined : checkHttpsUrl(jwk.x5u, 'x5u');
  if (x5uProblem) fail(`has ${x5uProblem}`);
  for (const [member, , bytes] of THUMBPRINTS) {
    const value = jwk[member];
    if (value !== undefined && !isDigestOfSize(value, bytes)) {
      fail(`has ${member} that is not the base64url of a ${bytes}-byte digest`);
    }
  }
  if (jwk.x5c === undefined) return;
  const der = firstCertificateDer(jwk.x5c, fail);
  const certificate = parseCertificate(der);
  if (!certificate) fail('has an x5c whose first entry is not a certificate');
  if (!certificate?.publicKey.equals(publicKey)) fail('has an x5c whose first certificate holds another key');
  for (const [member, digest] of THUMBPRINTS) {
    const value = jwk[member];
    if (value !== undefined && createHash(digest).update(der).digest('base64url') !== value) {
      fail(`has ${member} that is not the thumbprint of its first x5c certificate`);
    }
  }
}

function isDigestOfSize(value: unknown, bytes: number): boolean {
  return (
    typeof value === 'string' && BASE64URL.test(value) && Buffer.from(value, 'base64url').length === bytes
  );
}

/** The DER of x5c's first certificate, once x5c is a non-empty array of base64 strings. */
function firstCertificateDer(chain: unknown, fail: Fail): Buffer {
  if (
    !Array.isArray(chain) ||
    chain.length === 0 ||
    chain.some((cert) => typeof cert !== 'string' || !BASE64.test(cert))
  ) {
    fail('has x5c that is not a non-empty array of base64 DER certificates');
  }
  return Buffer.from((chain as string[])[0] as string, 'base64');
}

function parseCertificate(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
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
    const jwk = validateJwk(key, `JWKS key #${index}`);
    if (seen.has(jwk.kid)) {
      throw new GatewayError('JWKS_DUPLICATE_KID', `JWKS: kid "${jwk.kid}" appears more than once`);
    }
    seen.add(jwk.kid);
  });
  return value as JwkSet;
}

/**
 * Issuer documents for the store and sync tests, without any server: real public keys,
 * turned into a JWKS and a discovery document the way `--from-keys` does it (core/keys.ts),
 * then validated and rendered by the core as every run renders them.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  type IssuerDocuments,
  type NormalizeOptions,
  normalizeDiscovery,
  normalizeJwks,
} from '../../src/core/documents.js';
import { discoveryFromKeys, jwksFromKeys } from '../../src/core/keys.js';
import type { SyncOptions } from '../../src/publish/sync.js';
import { nextRsaKeyPair } from './rsa-keys.js';

export const TEST_ISSUER = 'https://oidc.example.com/cluster-1';
export const JWKS_KEY = 'openid/v1/jwks';
export const DISCOVERY_KEY = '.well-known/openid-configuration';
export const STATE_KEY = '.kube-oidc-gateway/state.json';
export const T0 = Date.parse('2026-03-01T12:00:00Z');
export const HOUR = 3_600_000;

export const NORMALIZE: NormalizeOptions = { pretty: true, jwksUri: { mode: 'auto' } };

/** A fresh P-256 public key (ES256): a millisecond each. */
export function ecKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
}

let rsa: KeyObject | undefined;
/** One 2048-bit RSA public key (RS256) per test file: generating one takes a while. */
export function rsaKey(): KeyObject {
  rsa ??= nextRsaKeyPair().publicKey;
  return rsa;
}

/** The documents an issuer with these keys publishes; `jwksUri` other than the default moves the JWKS. */
export function issuerDocuments(
  keys: readonly KeyObject[],
  options: { issuer?: string; jwksUri?: string } = {},
): IssuerDocuments {
  const issuer = options.issuer ?? TEST_ISSUER;
  const jwks = jwksFromKeys(keys);
  return {
    jwks: normalizeJwks(jwks, NORMALIZE),
    discovery: normalizeDiscovery(discoveryFromKeys(issuer, jwks, options.jwksUri), NORMALIZE),
  };
}

/** A run's sync options with the defaults of `publish` (max-age 300, retention 24 h), at T0. */
export function syncOptions(overrides: Partial<SyncOptions> = {}): SyncOptions {
  return {
    normalize: NORMALIZE,
    jwksKey: JWKS_KEY,
    maxAgeSeconds: 300,
    retainMs: 24 * HOUR,
    publicRead: false,
    dryRun: false,
    now: T0,
    ...overrides,
  };
}

import { describe, expect, it } from 'vitest';
import { decideJwksUri, isUnderIssuer, parseJwksUriPolicy, withIssuer, withJwksUri } from './jwks-uri.js';
import type { DiscoveryDocument } from './validate.js';
import { defaultJwksUri } from './well-known.js';

describe('jwks_uri policy', () => {
  const doc = (issuer: string, jwks_uri: string) => ({ issuer, jwks_uri }) as DiscoveryDocument;

  it('auto keeps a jwks_uri on the issuer origin', () => {
    const d = doc('https://oidc.example.com/c1', 'https://oidc.example.com/keys');
    expect(decideJwksUri(d, { mode: 'auto' })).toEqual({ jwksUri: 'https://oidc.example.com/keys' });
  });

  it('auto rewrites the API server address to the issuer-relative path', () => {
    const d = doc('https://oidc.example.com/c1/', 'https://10.0.0.1:6443/openid/v1/jwks');
    expect(decideJwksUri(d, { mode: 'auto' })).toEqual({
      jwksUri: 'https://oidc.example.com/c1/openid/v1/jwks',
      rewrittenFrom: 'https://10.0.0.1:6443/openid/v1/jwks',
    });
  });

  it('keep never rewrites; an explicit URL always wins', () => {
    const d = doc('https://oidc.example.com', 'https://10.0.0.1:6443/openid/v1/jwks');
    expect(decideJwksUri(d, { mode: 'keep' }).jwksUri).toBe('https://10.0.0.1:6443/openid/v1/jwks');
    expect(
      decideJwksUri(d, parseJwksUriPolicy('https://cdn.example.com/jwks.json', 'JWKS_URI')).jwksUri,
    ).toBe('https://cdn.example.com/jwks.json');
  });

  it('marks a replacement as a rewrite only when auto moved it, never for an explicit URL', () => {
    const d = doc('https://oidc.example.com/c1', 'https://10.0.0.1:6443/openid/v1/jwks');
    const sameOrigin = parseJwksUriPolicy('https://oidc.example.com/c1/keys.json', '--jwks-uri');
    const otherOrigin = parseJwksUriPolicy('https://cdn.example.com/jwks.json', '--jwks-uri');
    expect(decideJwksUri(d, sameOrigin)).toEqual({ jwksUri: 'https://oidc.example.com/c1/keys.json' });
    expect(decideJwksUri(d, otherOrigin)).toEqual({ jwksUri: 'https://cdn.example.com/jwks.json' });
    expect(decideJwksUri(d, { mode: 'auto' }).rewrittenFrom).toBe('https://10.0.0.1:6443/openid/v1/jwks');
  });

  it('rejects a policy that is neither keep, auto nor an https URL, naming the setting', () => {
    expect(() => parseJwksUriPolicy('sometimes', 'JWKS_URI')).toThrow(/invalid JWKS_URI: "sometimes"/);
    expect(() => parseJwksUriPolicy('http://x/jwks', '--jwks-uri')).toThrow(/--jwks-uri.*not an https URL/);
  });

  it('replaces jwks_uri in place, keeping member order', () => {
    const d = { issuer: 'https://i', jwks_uri: 'https://old', extra: 1 } as unknown as DiscoveryDocument;
    expect(Object.keys(withJwksUri(d, 'https://new'))).toEqual(['issuer', 'jwks_uri', 'extra']);
    expect(withJwksUri(d, 'https://new').jwks_uri).toBe('https://new');
    expect(defaultJwksUri('https://i/')).toBe('https://i/openid/v1/jwks');
  });
});

describe('jwks_uri policy for a document re-issued under another issuer', () => {
  const NEW = 'https://oidc.example.com/new';
  const OLD = 'https://oidc.example.com/old';
  const doc = (jwks_uri: string) => ({ issuer: NEW, jwks_uri }) as DiscoveryDocument;

  it("auto gives the published issuer's own jwks_uri, never the cluster's issuer's, and no rewrite to warn about", () => {
    // The API server's own address, and NEW's published jwks_uri on the same origin as OLD.
    for (const clusters of ['https://10.0.0.1:6443/openid/v1/jwks', `${NEW}/openid/v1/jwks`]) {
      expect(decideJwksUri(doc(clusters), { mode: 'auto' }, OLD)).toEqual({
        jwksUri: `${OLD}/openid/v1/jwks`,
      });
    }
    // Already under OLD (the cluster still points at OLD's copy): kept.
    expect(decideJwksUri(doc(`${OLD}/keys.json`), { mode: 'auto' }, OLD)).toEqual({
      jwksUri: `${OLD}/keys.json`,
    });
  });

  it("keep gives the cluster's jwks_uri as it is; an explicit URL wins", () => {
    expect(decideJwksUri(doc(`${NEW}/openid/v1/jwks`), { mode: 'keep' }, OLD)).toEqual({
      jwksUri: `${NEW}/openid/v1/jwks`,
    });
    const explicit = parseJwksUriPolicy('https://cdn.example.com/old/jwks.json', '--jwks-uri');
    expect(decideJwksUri(doc(`${NEW}/openid/v1/jwks`), explicit, OLD)).toEqual({
      jwksUri: 'https://cdn.example.com/old/jwks.json',
    });
  });

  it('tells what lies under an issuer: same origin, below its path, no query', () => {
    expect(isUnderIssuer('https://h/c1/openid/v1/jwks', 'https://h/c1')).toBe(true);
    expect(isUnderIssuer('https://h/c1/openid/v1/jwks', 'https://h/c1/')).toBe(true);
    expect(isUnderIssuer('https://h/jwks', 'https://h')).toBe(true);
    expect(isUnderIssuer('https://h/c10/jwks', 'https://h/c1')).toBe(false);
    expect(isUnderIssuer('https://h/c1', 'https://h/c1')).toBe(false);
    expect(isUnderIssuer('https://h/c1/jwks?v=1', 'https://h/c1')).toBe(false);
    expect(isUnderIssuer('https://h:8443/c1/jwks', 'https://h/c1')).toBe(false);
  });

  it('replaces the issuer in place, keeping member order', () => {
    const d = { a: 0, issuer: NEW, jwks_uri: 'https://k', z: 1 } as unknown as DiscoveryDocument;
    expect(Object.keys(withIssuer(d, OLD))).toEqual(['a', 'issuer', 'jwks_uri', 'z']);
    expect(withIssuer(d, OLD)).toEqual({ ...d, issuer: OLD });
    expect(withIssuer(d, NEW)).toBe(d);
  });
});

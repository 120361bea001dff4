import { describe, expect, it } from 'vitest';
import { decideJwksUri, parseJwksUriPolicy, withJwksUri } from './jwks-uri.js';
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

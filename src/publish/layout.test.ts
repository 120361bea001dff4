import { describe, expect, it } from 'vitest';
import { jwksKeyOf } from './layout.js';

const doc = (issuer: string, jwks_uri: string) => ({ issuer, jwks_uri });

describe('jwksKeyOf', () => {
  it.each([
    ['https://oidc.example.com', 'https://oidc.example.com/openid/v1/jwks', 'openid/v1/jwks'],
    ['https://oidc.example.com/', 'https://oidc.example.com/openid/v1/jwks', 'openid/v1/jwks'],
    ['https://b.s3.amazonaws.com/c1', 'https://b.s3.amazonaws.com/c1/openid/v1/jwks', 'openid/v1/jwks'],
    ['https://oidc.example.com/c1', 'https://oidc.example.com/c1/keys%20v2.json', 'keys v2.json'],
  ])('issuer %s, jwks_uri %s → %s', (issuer, jwksUri, key) => {
    expect(jwksKeyOf(doc(issuer, jwksUri))).toBe(key);
  });

  it.each([
    ['https://oidc.example.com/c1', 'https://10.0.0.1:6443/openid/v1/jwks', 'is not under the issuer'],
    ['https://oidc.example.com/c1', 'https://oidc.example.com/c2/openid/v1/jwks', 'is not under the issuer'],
    ['https://oidc.example.com/c1', 'https://oidc.example.com/c1/jwks?v=1', 'is not under the issuer'],
    ['https://oidc.example.com/c1', 'https://oidc.example.com/c1/', 'does not name a usable object'],
    [
      'https://oidc.example.com',
      'https://oidc.example.com/.well-known/openid-configuration',
      'does not name a usable object',
    ],
  ])('refuses issuer %s with jwks_uri %s', (issuer, jwksUri, expected) => {
    expect(() => jwksKeyOf(doc(issuer, jwksUri))).toThrow(expected);
  });
});

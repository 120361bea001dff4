import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideJwksUri, defaultJwksUri, parseJwksUriPolicy, withJwksUri } from './jwks-uri.js';
import { renderJson } from './render.js';
import type { DiscoveryDocument } from './validate.js';

describe('renderJson', () => {
  const value = { issuer: 'https://a', b: [1, 2], a: { z: 1, y: 2 } };

  it('pretty-prints with 2 spaces and keeps member order', () => {
    const { body } = renderJson(value, { pretty: true });
    expect(body.toString()).toBe(
      '{\n  "issuer": "https://a",\n  "b": [\n    1,\n    2\n  ],\n  "a": {\n    "z": 1,\n    "y": 2\n  }\n}\n',
    );
  });

  it('renders compact JSON when pretty printing is off', () => {
    expect(renderJson(value, { pretty: false }).body.toString()).toBe(
      '{"issuer":"https://a","b":[1,2],"a":{"z":1,"y":2}}',
    );
  });

  it('uses the quoted hex SHA-256 of the exact bytes as the ETag', () => {
    const { body, etag } = renderJson(value, { pretty: true });
    expect(etag).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    expect(renderJson(value, { pretty: false }).etag).not.toBe(etag);
  });
});

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

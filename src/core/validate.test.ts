import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import { validateDiscovery, validateJwks } from './validate.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as GatewayError).code;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

const discovery = {
  issuer: 'https://oidc.example.com/cluster',
  jwks_uri: 'https://oidc.example.com/cluster/openid/v1/jwks',
  response_types_supported: ['id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['ES256', 'RS256'],
};

describe('validateDiscovery', () => {
  it('accepts a kube-apiserver document', () => {
    expect(validateDiscovery(discovery)).toBe(discovery);
  });

  it.each([
    [null, 'expected a JSON object, got null'],
    [[], 'expected a JSON object, got an array'],
    [{ ...discovery, issuer: undefined }, 'issuer is missing'],
    [{ ...discovery, issuer: 'http://oidc.example.com' }, 'is not https'],
    [{ ...discovery, issuer: 'https://oidc.example.com?x=1' }, 'has a query'],
    [{ ...discovery, issuer: 'https://oidc.example.com#frag' }, 'has a fragment'],
    [{ ...discovery, issuer: 'not a url' }, 'is not a URL'],
    [{ ...discovery, jwks_uri: undefined }, 'jwks_uri is missing'],
    [
      { ...discovery, jwks_uri: 'http://10.0.0.1/openid/v1/jwks' },
      'jwks_uri "http://10.0.0.1/openid/v1/jwks" is not https',
    ],
    [{ ...discovery, response_types_supported: 'id_token' }, 'response_types_supported must be an array'],
  ])('rejects %j naming the problem', (doc, expected) => {
    expect(codeOf(() => validateDiscovery(doc))).toBe('DISCOVERY_INVALID');
    expect(messageOf(() => validateDiscovery(doc))).toContain(expected);
  });
});

describe('validateJwks', () => {
  const rsaKey = { use: 'sig', kty: 'RSA', kid: 'rsa-1', alg: 'RS256', n: rsa.n, e: rsa.e };
  const ecKey = { use: 'sig', kty: 'EC', kid: 'ec-1', crv: 'P-256', alg: 'ES256', x: ec.x, y: ec.y };

  it('accepts RSA and EC public keys', () => {
    const jwks = { keys: [rsaKey, ecKey] };
    expect(validateJwks(jwks)).toBe(jwks);
  });

  it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])(
    'refuses a key carrying private member %s',
    (member) => {
      const jwks = { keys: [ecKey, { ...rsaKey, [member]: 'AQAB' }] };
      expect(codeOf(() => validateJwks(jwks))).toBe('JWKS_PRIVATE_KEY');
      expect(messageOf(() => validateJwks(jwks))).toContain(`kid "rsa-1"`);
      expect(messageOf(() => validateJwks(jwks))).toContain(member);
    },
  );

  it('refuses a real private JWK exported by node', () => {
    const privateJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    });
    expect(codeOf(() => validateJwks({ keys: [{ ...privateJwk, kid: 'x' }] }))).toBe('JWKS_PRIVATE_KEY');
  });

  it('refuses duplicate kids', () => {
    expect(codeOf(() => validateJwks({ keys: [rsaKey, { ...ecKey, kid: 'rsa-1' }] }))).toBe(
      'JWKS_DUPLICATE_KID',
    );
  });

  it.each([
    [{}, '"keys" is not an array'],
    [{ keys: [] }, '"keys" is empty'],
    [{ keys: ['x'] }, 'key #0 is a string'],
    [{ keys: [{ ...rsaKey, kid: undefined }] }, 'key #0 has no kid'],
    [{ keys: [{ ...rsaKey, kty: undefined }] }, 'has no kty'],
    [{ keys: [{ ...rsaKey, n: undefined }] }, 'is missing "n"'],
    [{ keys: [{ ...ecKey, y: undefined }] }, 'is missing "y"'],
    [{ keys: [{ ...ecKey, crv: 'P-192' }] }, 'unsupported curve'],
    [{ keys: [{ ...rsaKey, kty: 'oct' }] }, 'unsupported kty "oct"'],
    [{ keys: [{ ...rsaKey, alg: 'ES256' }] }, 'does not fit kty RSA'],
    [{ keys: [{ ...rsaKey, use: 'enc' }] }, 'use "enc"'],
    [{ keys: [{ ...rsaKey, n: 'not base64!' }] }, 'not base64url'],
  ])('rejects %j naming the problem', (jwks, expected) => {
    expect(codeOf(() => validateJwks(jwks))).toBe('JWKS_INVALID');
    expect(messageOf(() => validateJwks(jwks))).toContain(expected);
  });

  it('throws GatewayError instances', () => {
    expect(() => validateJwks(null)).toThrow(GatewayError);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RFC7517_A1_EC, RFC7517_A1_RSA, RFC7517_B_RSA_X5C } from '../../test/support/rfc7517.js';
import { GatewayError } from './errors.js';
import { validateDiscovery, validateJwk, validateJwks } from './validate.js';

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

  it.each([
    ['https:///c1', 'https://c1/'],
    ['https://h/c 1', 'https://h/c%201'],
    ['https://h/a/../c1', 'https://h/c1'],
    ['https://h/./c1', 'https://h/c1'],
    ['https://bücher.example/c1', 'https://xn--bcher-kva.example/c1'],
    ['https://OIDC.example.com/c1', 'https://oidc.example.com/c1'],
    ['https://oidc.example.com:443/c1', 'https://oidc.example.com/c1'],
    ['https://oidc.example.com/c\t1', 'https://oidc.example.com/c1'],
    ['https:\\\\oidc.example.com/c1', 'https://oidc.example.com/c1'],
  ])(
    'refuses the issuer %j, which URL parsers read as %s, naming the canonical form',
    (issuer, canonical) => {
      const doc = { ...discovery, issuer };
      expect(codeOf(() => validateDiscovery(doc))).toBe('DISCOVERY_INVALID');
      expect(messageOf(() => validateDiscovery(doc))).toBe(
        `discovery document: issuer "${issuer}" is not canonical; did you mean "${canonical}"?`,
      );
    },
  );

  it.each([
    'https://oidc.example.com',
    'https://oidc.example.com/',
    'https://oidc.example.com/c1',
    'https://oidc.example.com/c1/',
    'https://oidc.example.com:8443/c%201',
    'https://xn--bcher-kva.example/c1',
  ])('accepts the canonical issuer %s (a bare origin too)', (issuer) => {
    expect(validateDiscovery({ ...discovery, issuer }).issuer).toBe(issuer);
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

describe('validateJwk: member by member, key material imported', () => {
  /** RFC 7517 A.1's EC key is an encryption key; the same material as a signing key. */
  const a1Ec = { ...RFC7517_A1_EC, use: 'sig', alg: 'ES256' };
  const rsaKey = { use: 'sig', kty: 'RSA', kid: 'rsa-1', alg: 'RS256', n: rsa.n, e: rsa.e };
  const invalid = (value: unknown) => ({
    code: codeOf(() => validateJwk(value, 'JWKS key #0')),
    message: messageOf(() => validateJwk(value, 'JWKS key #0')),
  });
  const b64 = (bytes: Buffer | number[]) => Buffer.from(bytes).toString('base64url');
  const offCurveY = (() => {
    const y = Buffer.from(RFC7517_A1_EC.y, 'base64url');
    y[31] = (y[31] ?? 0) ^ 1;
    return b64(y);
  })();

  it('accepts the RFC 7517 example keys: A.1 RSA as printed, A.1 EC as a signing key, B with its x5c', () => {
    expect(validateJwk(RFC7517_A1_RSA, 'k')).toBe(RFC7517_A1_RSA);
    expect(validateJwk(a1Ec, 'k')).toBe(a1Ec);
    expect(validateJwk(RFC7517_B_RSA_X5C, 'k')).toBe(RFC7517_B_RSA_X5C);
  });

  it('accepts the RFC 7517 B key with its certificate thumbprints and the other optional members', () => {
    const key = {
      ...RFC7517_B_RSA_X5C,
      // The SHA-1 and SHA-256 thumbprints of the B certificate.
      x5t: '4pNenEBLv0JpLIdugWxQkOsZcK0',
      'x5t#S256': 'pJm2BBpkB8y7tCqrWM0X37WOmQTO8zQw-VpxVgBb21I',
      x5u: 'https://keys.example.com/1b94c.pem',
      alg: 'PS256',
      key_ops: ['verify'],
    };
    expect(validateJwk(key, 'k')).toBe(key);
  });

  it.each([
    ['a nested private key', { ...rsaKey, priv: { d: 'c2VjcmV0' } }, '"priv"'],
    ['a private member in upper case', { ...rsaKey, D: 'c2VjcmV0' }, '"D"'],
    ['an unknown member', { ...rsaKey, note: 'hi' }, '"note"'],
    ["another type's member", { ...a1Ec, n: rsa.n }, '"n"'],
    ['several', { ...rsaKey, a: 1, b: 2 }, '"a", "b", not members of a public RSA key'],
  ])('refuses %s, naming the member', (_, key, expected) => {
    const { code, message } = invalid(key);
    expect(code).toBe('JWKS_INVALID');
    expect(message).toContain(expected);
    expect(message).toContain('JWKS key #0 (kid ');
  });

  it('refuses private members first, whatever else is wrong with the key', () => {
    expect(invalid({ kty: 'OKP', d: 'x', extra: 1 }).code).toBe('JWKS_PRIVATE_KEY');
    expect(invalid({ ...rsaKey, d: 'x', extra: 1 }).code).toBe('JWKS_PRIVATE_KEY');
  });

  it.each([
    ['an EC point off its curve', { ...a1Ec, y: offCurveY }, 'has x, y that are not a point on P-256'],
    ['a 3-byte RSA modulus', { ...rsaKey, n: b64([0xc1, 0x23, 0x45]) }, 'has a 24-bit RSA modulus'],
    [
      'a 1024-bit RSA key',
      {
        ...rsaKey,
        n: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }).n,
      },
      'has a 1024-bit RSA modulus; at least 2048 bits are required',
    ],
    ['an RSA exponent of 1', { ...rsaKey, e: 'AQ' }, 'has RSA exponent 1'],
    ['an even RSA exponent', { ...rsaKey, e: 'AQAA' }, 'has RSA exponent 65536'],
    ['an RSA exponent over 2^31', { ...rsaKey, e: b64([1, 0, 0, 0, 1]) }, 'below 2^31'],
    [
      'an EC coordinate with a leading zero byte',
      { ...a1Ec, x: b64([0, ...Buffer.from(RFC7517_A1_EC.x, 'base64url')]) },
      'member "x" is 33 bytes; P-256 coordinates are 32',
    ],
    ['a short EC coordinate', { ...a1Ec, y: b64([1, 2, 3]) }, 'member "y" is 3 bytes'],
    [
      'an Ed25519 (OKP) key',
      { ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid: 'ed' },
      'has unsupported kty "OKP": only RSA and EC keys are accepted',
    ],
    ['an alg of another curve', { ...a1Ec, alg: 'ES384' }, 'has alg "ES384", which does not fit curve P-256'],
    ['key_ops other than verify', { ...rsaKey, key_ops: ['sign', 'verify'] }, 'has key_ops "sign"'],
    ['key_ops that is not a list', { ...rsaKey, key_ops: 'verify' }, 'has key_ops that is not'],
    [
      'an http x5u',
      { ...rsaKey, x5u: 'http://keys.example.com/k.pem' },
      'x5u "http://keys.example.com/k.pem" is not https',
    ],
    [
      'an x5t that is no SHA-1 digest',
      { ...rsaKey, x5t: 'AAAA' },
      'x5t that is not the base64url of a 20-byte digest',
    ],
    [
      'an x5c certificate of another key',
      { ...RFC7517_B_RSA_X5C, n: RFC7517_A1_RSA.n },
      'has an x5c whose first certificate holds another key',
    ],
    [
      'an x5c that is no certificate',
      { ...RFC7517_B_RSA_X5C, x5c: ['AAAA'] },
      'first entry is not a certificate',
    ],
    ['an x5c in base64url', { ...RFC7517_B_RSA_X5C, x5c: ['ab_-'] }, 'x5c that is not a non-empty array'],
    [
      'an x5t of another certificate',
      { ...RFC7517_B_RSA_X5C, x5t: b64(Buffer.alloc(20)) },
      'x5t that is not the thumbprint of its first x5c certificate',
    ],
  ])('refuses %s', (_, key, expected) => {
    const { code, message } = invalid(key);
    expect(code).toBe('JWKS_INVALID');
    expect(message).toContain(expected);
  });

  it('refuses the whole set for one bad key, naming it (PyJWT and go-jose would drop every key)', () => {
    const jwks = { keys: [RFC7517_A1_RSA, { ...a1Ec, y: offCurveY }] };
    expect(codeOf(() => validateJwks(jwks))).toBe('JWKS_INVALID');
    expect(messageOf(() => validateJwks(jwks))).toBe(
      'JWKS key #1 (kid "1") has x, y that are not a point on P-256',
    );
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { checkJwksValid, checkKeyCount } from './content.js';

function rsaJwk(kid: string): Record<string, unknown> {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  return { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n, e: jwk.e };
}

function ecJwk(kid: string): Record<string, unknown> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { use: 'sig', kty: 'EC', kid, crv: 'P-256', alg: 'ES256', x: jwk.x, y: jwk.y };
}

const rsa = rsaJwk('rsa-1');
const ec = ecJwk('ec-1');

describe('checkJwksValid (the core validation)', () => {
  it('lists the keys of a valid set', () => {
    expect(checkJwksValid('jwks-valid', { keys: [rsa, ec] })).toEqual({
      check: 'jwks-valid',
      status: 'ok',
      message: '2 public keys: rsa-1 (RSA RS256), ec-1 (EC ES256)',
    });
  });

  it.each([
    ['a private member', { keys: [{ ...rsa, d: 'AQAB' }] }, 'private key material (d)'],
    ['a duplicate kid', { keys: [rsa, { ...ec, kid: 'rsa-1' }] }, 'kid "rsa-1" appears more than once'],
    ['an unsupported kty', { keys: [{ ...rsa, kty: 'oct' }] }, 'unsupported kty'],
    ['an alg that does not fit', { keys: [{ ...ec, alg: 'RS256' }] }, 'does not fit kty EC'],
    ['no keys', { keys: [] }, '"keys" is empty'],
  ])('fails on %s', (_, jwks, reason) => {
    const result = checkJwksValid('jwks-valid', jwks);
    expect(result.status).toBe('fail');
    expect(result.message).toContain(reason);
  });
});

describe('checkKeyCount', () => {
  const keys = (count: number) => ({
    keys: Array.from({ length: count }, (_, i) => ({ ...ec, kid: `k${i}` })),
  });

  it(`accepts ${MAX_JWKS_KEYS} keys and refuses one more`, () => {
    expect(checkKeyCount('jwks-key-count', keys(MAX_JWKS_KEYS))?.status).toBe('ok');
    expect(checkKeyCount('jwks-key-count', keys(MAX_JWKS_KEYS + 1))).toMatchObject({
      status: 'fail',
      message: '101 keys; AWS accepts at most 100',
    });
  });

  it('leaves a set without a key list to the validity check', () => {
    expect(checkKeyCount('jwks-key-count', { keys: 'none' })).toBeUndefined();
  });
});

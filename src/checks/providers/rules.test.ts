/**
 * Each cloud's rules on crafted inputs: one correct set passes every rule of every
 * provider, and each crafted case fails exactly one rule of its provider, so every rule is
 * shown failing on its own. The keys are real public keys (what kube-apiserver publishes).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../result.js';
import { AWS_MAX_KEYS_PER_TYPE } from './aws.js';
import { AWS_STS_FETCH_LIMIT_MS, PROVIDERS, type Provider } from './names.js';
import { type ProviderInput, providerChecks } from './rules.js';

type Jwk = Record<string, unknown>;

const rsaMaterial = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ecMaterial = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const rsa = (kid: string, extra: Jwk = {}): Jwk => ({
  use: 'sig',
  kty: 'RSA',
  kid,
  alg: 'RS256',
  n: rsaMaterial.n,
  e: rsaMaterial.e,
  ...extra,
});
const ec = (kid: string, extra: Jwk = {}): Jwk => ({
  use: 'sig',
  kty: 'EC',
  kid,
  crv: 'P-256',
  alg: 'ES256',
  x: ecMaterial.x,
  y: ecMaterial.y,
  ...extra,
});

const ISSUER = 'https://oidc.example.com/cluster-a';
/** Right for all three clouds: an https issuer without port, RS256 RSA keys only, quick answers. */
const CORRECT: ProviderInput = {
  issuer: ISSUER,
  jwks: { keys: [rsa('current'), rsa('previous')] },
  fetchTimes: { discovery: 40, jwks: 35 },
};

function failed(results: CheckResult[]): string[] {
  return results.filter((result) => result.status === 'fail').map((result) => result.check);
}

function only(provider: Provider, input: Partial<ProviderInput>): CheckResult[] {
  return providerChecks([provider], { ...CORRECT, ...input });
}

describe('a correct set', () => {
  it('passes every rule of every provider, reported by provider in a fixed order', () => {
    const results = providerChecks(['azure', 'aws', 'gcp'], CORRECT);
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual([
      'ok aws-issuer',
      'ok aws-fetch-time',
      'ok aws-key-count',
      'ok aws-alg',
      'ok aws-kid',
      'ok gcp-members',
      'ok gcp-key-type',
      'ok azure-issuer',
      'ok azure-alg',
    ]);
  });

  it('prints the measured times in aws-fetch-time', () => {
    const [result] = providerChecks(['aws'], { fetchTimes: { discovery: 40.4, jwks: 35 } });
    expect(result).toEqual({
      check: 'aws-fetch-time',
      status: 'ok',
      message: `discovery document 40 ms, JWKS 35 ms, within the ${AWS_STS_FETCH_LIMIT_MS} ms STS waits`,
    });
  });

  it('leaves out the rules whose input is missing: no key set, no times, no issuer', () => {
    expect(providerChecks([...PROVIDERS], { issuer: ISSUER }).map((r) => r.check)).toEqual([
      'aws-issuer',
      'azure-issuer',
    ]);
    expect(providerChecks([...PROVIDERS], { jwks: CORRECT.jwks }).map((r) => r.check)).toEqual([
      'aws-key-count',
      'aws-alg',
      'aws-kid',
      'gcp-members',
      'gcp-key-type',
      'azure-alg',
    ]);
    // A key set without a key list: the validity check says what is wrong, no rule judges it.
    expect(providerChecks([...PROVIDERS], { jwks: { keys: 'none' } })).toEqual([]);
    expect(providerChecks([], CORRECT)).toEqual([]);
  });

  it('accepts 100 RSA and 100 EC keys, and keys without alg that sign what STS takes', () => {
    const many = [
      ...Array.from({ length: AWS_MAX_KEYS_PER_TYPE }, (_, i) => rsa(`r${i}`)),
      ...Array.from({ length: AWS_MAX_KEYS_PER_TYPE }, (_, i) => ec(`e${i}`)),
    ];
    expect(failed(only('aws', { jwks: { keys: many } }))).toEqual([]);
    const noAlg = { keys: [rsa('r', { alg: undefined }), ec('e', { alg: undefined })] };
    expect(failed(only('aws', { jwks: JSON.parse(JSON.stringify(noAlg)) }))).toEqual([]);
    // An RSA key without alg can sign RS256: Entra takes it.
    expect(
      failed(only('azure', { jwks: JSON.parse(JSON.stringify({ keys: [rsa('r', { alg: undefined })] })) })),
    ).toEqual([]);
  });
});

const tooMany = { keys: Array.from({ length: AWS_MAX_KEYS_PER_TYPE + 1 }, (_, i) => rsa(`r${i}`)) };
const { kid: _kid, ...withoutKid } = rsa('unused');

describe.each<[string, Provider, Partial<ProviderInput>, string, string]>([
  ['aws-issuer', 'aws', { issuer: 'https://oidc.example.com:8443/a' }, 'aws-issuer', 'has port 8443'],
  ['aws-issuer', 'aws', { issuer: 'https://oidc.example.com/a?x=1' }, 'aws-issuer', 'has a query'],
  ['aws-issuer', 'aws', { issuer: 'https://oidc.example.com/a#top' }, 'aws-issuer', 'has a fragment'],
  ['aws-issuer', 'aws', { issuer: 'http://oidc.example.com/a' }, 'aws-issuer', 'is http, not https'],
  [
    'aws-fetch-time',
    'aws',
    { fetchTimes: { discovery: 40, jwks: AWS_STS_FETCH_LIMIT_MS + 1 } },
    'aws-fetch-time',
    `discovery document 40 ms, JWKS ${AWS_STS_FETCH_LIMIT_MS + 1} ms: the JWKS took longer than the ${AWS_STS_FETCH_LIMIT_MS} ms STS waits`,
  ],
  [
    'aws-fetch-time (a shortened limit)',
    'aws',
    { fetchTimes: { discovery: 150 }, stsFetchLimitMs: 100 },
    'aws-fetch-time',
    'the discovery document took longer than the 100 ms STS waits',
  ],
  [
    'aws-key-count',
    'aws',
    { jwks: tooMany },
    'aws-key-count',
    `${AWS_MAX_KEYS_PER_TYPE + 1} RSA and 0 EC keys; IAM accepts at most ${AWS_MAX_KEYS_PER_TYPE} of each type`,
  ],
  [
    'aws-alg',
    'aws',
    { jwks: { keys: [rsa('a'), rsa('pss', { alg: 'PS256' })] } },
    'aws-alg',
    'a token from kid "pss" (RSA PS256) would be refused',
  ],
  ['aws-kid', 'aws', { jwks: { keys: [rsa('a'), withoutKid] } }, 'aws-kid', 'key #1 has no kid'],
  ['aws-kid', 'aws', { jwks: { keys: [rsa('')] } }, 'aws-kid', 'key #0 has an empty kid'],
  [
    'gcp-members',
    'gcp',
    { jwks: { keys: [rsa('a', { x5t: 'BwcHBwcHBwcHBwcHBwcHBwcHBwc' })] } },
    'gcp-members',
    'kid "a" has x5t',
  ],
  [
    'gcp-members',
    'gcp',
    { jwks: { keys: [rsa('a')], expires: 1 } },
    'gcp-members',
    'the set has members besides "keys": expires',
  ],
  [
    'gcp-key-type',
    'gcp',
    { jwks: { keys: [rsa('a'), { kty: 'OKP', kid: 'ed', crv: 'Ed25519', x: 'abc' }] } },
    'gcp-key-type',
    'kid "ed" has kty OKP',
  ],
  [
    'gcp-key-type',
    'gcp',
    { jwks: { keys: [rsa('a', { use: 'enc' })] } },
    'gcp-key-type',
    'kid "a" has use enc',
  ],
  [
    'azure-issuer',
    'azure',
    { issuer: `https://oidc.example.com/${'a'.repeat(600)}` },
    'azure-issuer',
    "is 625 characters, over Entra's 600",
  ],
  ['azure-issuer', 'azure', { issuer: ` ${ISSUER}` }, 'azure-issuer', 'leading or trailing whitespace'],
  ['azure-issuer', 'azure', { issuer: `${ISSUER}\n` }, 'azure-issuer', 'leading or trailing whitespace'],
  [
    'azure-alg',
    'azure',
    { jwks: { keys: [rsa('a'), ec('b')] } },
    'azure-alg',
    'Entra accepts RS256-signed tokens only; a token from kid "b" (EC ES256) would be refused',
  ],
  [
    'azure-alg',
    'azure',
    { jwks: { keys: [rsa('a', { alg: 'RS384' })] } },
    'azure-alg',
    'kid "a" (RSA RS384)',
  ],
])('%s', (_, provider, input, check, message) => {
  it(`fails only ${check} of ${provider}`, () => {
    const results = only(provider, input);
    expect(failed(results)).toEqual([check]);
    expect(results.find((r) => r.check === check)?.message).toContain(message);
  });
});

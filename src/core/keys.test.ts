import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../test/support/apiserver.js';
import { createTestPki, type TestPki } from '../../test/support/pki.js';
import { fetchIssuerDocuments } from './documents.js';
import type { GatewayError } from './errors.js';
import {
  createKeyFileSource,
  discoveryFromKeys,
  jwksFromKeys,
  kidOf,
  publicKeysFromPem,
  readPublicKeyFiles,
} from './keys.js';

// Known answers from Kubernetes itself: the test keys of pkg/serviceaccount/jwt_test.go and the
// exact documents pkg/serviceaccount/openidmetadata_test.go ("valid inputs") expects for them.
const K8S_RSA_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA249XwEo9k4tM8fMxV7zx
OhcrP+WvXn917koM5Qr2ZXs4vo26e4ytdlrV0bQ9SlcLpQVSYjIxNfhTZdDt+ecI
zshKuv1gKIxbbLQMOuK1eA/4HALyEkFgmS/tleLJrhc65tKPMGD+pKQ/xhmzRuCG
51RoiMgbQxaCyYxGfNLpLAZK9L0Tctv9a0mJmGIYnIOQM4kC1A1I1n3EsXMWmeJU
j7OTh/AjjCnMnkgvKT2tpKxYQ59PgDgU8Ssc7RDSmSkLxnrv+OrN80j6xrw0OjEi
B4Ycr0PqfzZcvy8efTtFQ/Jnc4Bp1zUtFXt7+QeevePtQ2EcyELXE0i63T1CujRM
WwIDAQAB
-----END PUBLIC KEY-----
`;
const K8S_EC_PRIVATE_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIEZmTmUhuanLjPA2CLquXivuwBDHTt5XYwgIr/kA1LtRoAoGCCqGSM49
AwEHoUQDQgAEH6cuzP8XuD5wal6wf9M6xDljTOPLX2i8uIp/C/ASqiIGUeeKQtX0
/IR3qCXyThP/dbCiHrF3v1cuhBOHY8CLVg==
-----END EC PRIVATE KEY-----`;
const K8S_DISCOVERY =
  '{"issuer":"https://issuer.example.com","jwks_uri":"https://issuer.example.com/openid/v1/jwks",' +
  '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
  '"id_token_signing_alg_values_supported":["ES256","RS256"]}';
const K8S_JWKS =
  '{"keys":[{"use":"sig","kty":"RSA","kid":"JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU","alg":"RS256",' +
  '"n":"249XwEo9k4tM8fMxV7zxOhcrP-WvXn917koM5Qr2ZXs4vo26e4ytdlrV0bQ9SlcLpQVSYjIxNfhTZdDt-ecIzshKuv1gKIxbbLQMOuK1' +
  'eA_4HALyEkFgmS_tleLJrhc65tKPMGD-pKQ_xhmzRuCG51RoiMgbQxaCyYxGfNLpLAZK9L0Tctv9a0mJmGIYnIOQM4kC1A1I1n3EsXMWmeJU' +
  'j7OTh_AjjCnMnkgvKT2tpKxYQ59PgDgU8Ssc7RDSmSkLxnrv-OrN80j6xrw0OjEiB4Ycr0PqfzZcvy8efTtFQ_Jnc4Bp1zUtFXt7-QeevePt' +
  'Q2EcyELXE0i63T1CujRMWw","e":"AQAB"},{"use":"sig","kty":"EC","kid":"SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc",' +
  '"crv":"P-256","alg":"ES256","x":"H6cuzP8XuD5wal6wf9M6xDljTOPLX2i8uIp_C_ASqiI",' +
  '"y":"BlHnikLV9PyEd6gl8k4T_3Wwoh6xd79XLoQTh2PAi1Y"}]}';

function problemOf(text: string): { code: string; message: string } {
  try {
    publicKeysFromPem(text, 'keys.pem');
  } catch (error) {
    return { code: (error as GatewayError).code, message: (error as Error).message };
  }
  throw new Error('expected publicKeysFromPem to throw');
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const pem = (key: import('node:crypto').KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8' | 'sec1') =>
  key.export({ format: 'pem', type } as never).toString();

describe('documents from key files, as kube-apiserver builds them', () => {
  it('gives byte for byte the JWKS and discovery document Kubernetes expects for its test keys', () => {
    const keys = [
      ...publicKeysFromPem(K8S_RSA_PUBLIC_KEY, 'rsa.pub'),
      ...publicKeysFromPem(K8S_EC_PRIVATE_KEY, 'ec.key'),
    ];
    const jwks = jwksFromKeys(keys);
    expect(JSON.stringify(jwks)).toBe(K8S_JWKS);
    expect(JSON.stringify(discoveryFromKeys('https://issuer.example.com', jwks))).toBe(K8S_DISCOVERY);
  });

  it('publishes only the public part of a private key, in every form kube reads', () => {
    for (const text of [
      pem(rsa.privateKey, 'pkcs1'),
      pem(rsa.privateKey, 'pkcs8'),
      pem(ec384.privateKey, 'sec1'),
    ]) {
      const [key] = publicKeysFromPem(text, 'private.pem');
      expect(key?.type).toBe('public');
      const jwk = jwksFromKeys(key ? [key] : []).keys[0];
      expect(
        Object.keys(jwk ?? {}).filter((member) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(member)),
      ).toEqual([]);
    }
  });

  it('matches the API-server stand-in key for key (RSA, P-256, P-384, P-521), member order included', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const pair of [rsa, p256, ec384, ec521]) {
      const [key] = publicKeysFromPem(pem(pair.publicKey, 'spki'), 'key.pem');
      const ours = jwksFromKeys(key ? [key] : []).keys[0];
      expect(JSON.stringify(ours)).toBe(JSON.stringify(publicJwkOf(pair.privateKey)));
    }
    expect(jwksFromKeys(publicKeysFromPem(pem(ec521.publicKey, 'spki'), 'k')).keys[0]?.alg).toBe('ES512');
    expect(jwksFromKeys(publicKeysFromPem(pem(ec384.publicKey, 'spki'), 'k')).keys[0]?.alg).toBe('ES384');
  });

  it('reads several blocks in file order, skips non-key blocks, and lists a repeated key once', () => {
    const ecParameters = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const text = `${ecParameters}${pem(ec384.publicKey, 'spki')}junk between blocks\n${pem(rsa.publicKey, 'spki')}`;
    const keys = publicKeysFromPem(text, 'bundle.pem');
    expect(keys.map((key) => kidOf(key))).toEqual([kidOf(ec384.publicKey), kidOf(rsa.publicKey)]);
    const twice = jwksFromKeys([...keys, ...publicKeysFromPem(pem(rsa.privateKey, 'pkcs1'), 'rsa.key')]);
    expect(twice.keys.map((key) => key.kid)).toEqual([kidOf(ec384.publicKey), kidOf(rsa.publicKey)]);
    const discovery = discoveryFromKeys('https://oidc.example.com/c1', twice);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES384', 'RS256']);
    expect(discovery.jwks_uri).toBe('https://oidc.example.com/c1/openid/v1/jwks');
  });

  it("reads PEM framing line by line as Go's pem.Decode does", () => {
    const rsaPem = pem(rsa.publicKey, 'spki');
    const ecPem = pem(ec384.publicKey, 'spki');
    const kids = (text: string) => publicKeysFromPem(text, 'k.pem').map((key) => kidOf(key));
    // Trailing spaces, tabs and CRs on every line are ignored.
    expect(kids(rsaPem.replaceAll('\n', ' \t\r\n'))).toEqual([kidOf(rsa.publicKey)]);
    // A BEGIN line abandons the block still open; an END line naming another type drops its block.
    expect(kids(`-----BEGIN PUBLIC KEY-----\nAAAA\n${ecPem}`)).toEqual([kidOf(ec384.publicKey)]);
    const otherEnd = rsaPem.replace('-----END PUBLIC KEY-----', '-----END CERTIFICATE-----');
    expect(kids(`${otherEnd}${ecPem}`)).toEqual([kidOf(ec384.publicKey)]);
    // RFC 1421 headers right after BEGIN mark the block encrypted: refused by name, not skipped.
    const headers = 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n';
    const encrypted = `-----BEGIN RSA PRIVATE KEY-----\n${headers}AAAA\n-----END RSA PRIVATE KEY-----\n`;
    expect(problemOf(encrypted).message).toContain('PEM block #1 ("RSA PRIVATE KEY") is encrypted');
  });

  describe('takes the public key out of a certificate, as keyutil does', () => {
    let pki: TestPki;
    beforeAll(async () => {
      pki = await createTestPki();
    });
    afterAll(() => pki.cleanup());

    it('uses the certificate key (EC P-256 here)', () => {
      const [fromCert] = publicKeysFromPem(pki.certPem, 'server.crt');
      expect(fromCert && kidOf(fromCert)).toBe(kidOf(createPublicKey(pki.keyPem)));
      expect(fromCert && jwksFromKeys([fromCert]).keys[0]?.alg).toBe('ES256');
    });
  });

  it.each([
    [
      'a PKCS#8 EC private key (kube skips it)',
      () => pem(ec384.privateKey, 'pkcs8'),
      'PKCS#8 EC private key',
    ],
    ['a PKCS#1 RSA PUBLIC KEY (kube skips it)', () => pem(rsa.publicKey, 'pkcs1'), 'PKCS#1 "RSA PUBLIC KEY"'],
    [
      'an Ed25519 key',
      () => pem(generateKeyPairSync('ed25519').publicKey, 'spki'),
      'ed25519 key; kube-apiserver signs only with RSA and ECDSA',
    ],
    [
      'an encrypted private key',
      () =>
        rsa.privateKey
          .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'x' })
          .toString(),
      'is encrypted',
    ],
    [
      'a key on a curve kube cannot sign with',
      () => pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, 'spki'),
      'curve secp256k1',
    ],
    ['a file without any PEM key', () => 'not a key\n', 'keys.pem: no RSA or ECDSA key in PEM form'],
  ])('refuses %s with a one-line error naming the file', (_name, text, expected) => {
    const problem = problemOf(text());
    expect(problem.code).toBe('KEY_INVALID');
    expect(problem.message).toContain(expected);
    expect(problem.message).toContain('keys.pem');
    expect(problem.message).not.toContain('\n');
  });
});

describe('createKeyFileSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kog-keys-'));
    await writeFile(join(dir, 'rsa.pub'), K8S_RSA_PUBLIC_KEY);
    await writeFile(join(dir, 'ec.key'), K8S_EC_PRIVATE_KEY);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('feeds the shared fetch/validate/render path', async () => {
    const source = await createKeyFileSource(
      [join(dir, 'rsa.pub'), join(dir, 'ec.key')],
      'https://issuer.example.com',
    );
    const documents = await fetchIssuerDocuments(source, { pretty: false, jwksUri: { mode: 'auto' } });
    expect(documents.jwks.body.toString()).toBe(K8S_JWKS);
    expect(documents.discovery.body.toString()).toBe(K8S_DISCOVERY);
    expect(documents.jwks.kids).toEqual([
      'JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU',
      'SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc',
    ]);
  });

  it('refuses an issuer that is not https, and a missing file', async () => {
    await expect(
      createKeyFileSource([join(dir, 'rsa.pub')], 'http://issuer.example.com'),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('is not https'),
    });
    await expect(readPublicKeyFiles([join(dir, 'missing.pem')])).rejects.toMatchObject({
      code: 'KEY_INVALID',
      message: expect.stringContaining('missing.pem: no such file or directory (ENOENT)'),
    });
  });
});

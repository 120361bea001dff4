/**
 * publish, then verify, end to end through the built CLI: `publish` copies the stand-in
 * API server's documents into a bucket on the S3 test server over HTTPS; `verify` then
 * fetches them anonymously from the bucket's public URL, as a relying party would, and
 * checks a token the stand-in minted. Removing the signing key from the bucket by hand
 * must make the same run fail.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, randomToken, startApiServer } from './support/apiserver.js';
import { runCli } from './support/cli.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { S3_CREDENTIALS_ENV, type S3TestServer, startS3Server } from './support/s3-server.js';

const BUCKET = 'test-bucket';
const PREFIX = 'clusters/prod';
const JWKS_KEY = `${PREFIX}/openid/v1/jwks`;

let workdir: string;
let pki: TestPki;
let s3: S3TestServer;
let apiserver: ApiServerStandIn;
let issuer: string;
let clusterEnv: Record<string, string>;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-verify-e2e-'));
  pki = await createTestPki();
  s3 = await startS3Server({ tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caCertPem } });
  // The API server's --service-account-issuer is the bucket's public URL.
  issuer = `${s3.endpoint}/${BUCKET}/${PREFIX}`;
  const token = randomToken();
  apiserver = await startApiServer({ issuer, pki, tokens: [token] });
  const tokenPath = join(workdir, 'sa-token');
  await writeFile(tokenPath, `${token}\n`);
  clusterEnv = { UPSTREAM_HOST: apiserver.url, SA_TOKEN_PATH: tokenPath, SA_CA_CERT_PATH: pki.caCertPath };
});

afterAll(async () => {
  await s3?.close();
  await apiserver?.close();
  await pki?.cleanup();
  await rm(workdir, { recursive: true, force: true });
});

describe('publish then verify', () => {
  it('passes on what publish wrote, and fails once a key is removed from the bucket by hand', async () => {
    const published = await runCli(
      [
        'publish',
        '--dest',
        `s3://${BUCKET}/${PREFIX}`,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
        '--check-public-url',
        issuer,
      ],
      {
        env: {
          ...clusterEnv,
          ...S3_CREDENTIALS_ENV,
          // The SDK and the public check trust the test CA the way a host trusts its own.
          NODE_EXTRA_CA_CERTS: pki.caCertPath,
        },
        timeoutMs: 30_000,
      },
    );
    expect(published.stderr).not.toMatch(/error/i);
    expect(published.code).toBe(0);

    const signer = apiserver.keys[0];
    if (!signer) throw new Error('the stand-in has no signing key');
    const tokenPath = join(workdir, 'workload-token');
    await writeFile(tokenPath, await apiserver.mintToken({ namespace: 'default', name: 'workload' }));
    const verify = () =>
      runCli(
        [
          'verify',
          '--issuer',
          issuer,
          '--ca',
          pki.caCertPath,
          '--allow-private',
          '--token',
          tokenPath,
          '--compare-cluster',
          '--gcp',
          '--output',
          'json',
        ],
        { env: clusterEnv },
      );

    const passing = await verify();
    expect(passing.stderr).toBe('');
    const passed = JSON.parse(passing.stdout);
    expect(passed.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    expect(passing.code).toBe(0);
    expect(passed.checks).toContainEqual({
      check: 'token-signature',
      status: 'ok',
      message: `signature (kid "${signer.kid}", ${signer.alg}) verifies against the public JWKS`,
    });

    // By hand, as someone tidying the bucket would: the JWKS without the key that signs tokens.
    const client = new S3Client(s3.clientConfig());
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: JWKS_KEY }));
      const jwks = JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('{}')));
      jwks.keys = jwks.keys.filter((key: { kid: string }) => key.kid !== signer.kid);
      expect(jwks.keys).toHaveLength(apiserver.keys.length - 1);
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: JWKS_KEY,
          Body: Buffer.from(`${JSON.stringify(jwks, null, 2)}\n`),
          ContentType: object.ContentType,
          CacheControl: object.CacheControl,
          Metadata: object.Metadata,
        }),
      );
    } finally {
      client.destroy();
    }

    const failing = await verify();
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout);
    expect(report.ok).toBe(false);
    const failures = report.checks.filter((c: { status: string }) => c.status === 'fail');
    expect(failures.map((c: { check: string }) => c.check)).toEqual(['cluster-keys', 'token-signature']);
    expect(failures[0].message).toContain(`not published: ${signer.kid}`);
    expect(failures[1].message).toContain('it was signed by a key that is not published');
  });
});

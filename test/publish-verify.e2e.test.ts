/**
 * `publish --verify`: after writing, publish runs verify's own checks against the public
 * URL, as a relying party would, and fails the run when they fail. Every case writes where
 * no other does (its own prefix or folder), so the processes run side by side.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePublishConfig } from '../src/publish/config.js';
import { runCli } from './support/cli.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { S3_CREDENTIALS_ENV, type S3TestServer, startS3Server } from './support/s3-server.js';

const BUCKET = 'test-bucket';
const KEY_FILE = fileURLToPath(new URL('../examples/service-account.pub', import.meta.url));

let pki: TestPki;
let s3: S3TestServer;

beforeAll(async () => {
  pki = await createTestPki();
  s3 = await startS3Server({ tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caCertPem } });
});

afterAll(async () => {
  await s3?.close();
  await pki?.cleanup();
});

function publish(prefix: string, extra: string[]) {
  const issuer = `${s3.endpoint}/${BUCKET}/${prefix}`;
  return runCli(
    [
      'publish',
      '--from-keys',
      KEY_FILE,
      '--issuer',
      issuer,
      '--dest',
      `s3://${BUCKET}/${prefix}`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-force-path-style',
      '--check-public-url',
      issuer,
      ...extra,
    ],
    {
      env: {
        ...S3_CREDENTIALS_ENV,
        NODE_EXTRA_CA_CERTS: pki.caCertPath,
      },
      timeoutMs: 30_000,
    },
  );
}

describe.concurrent('publish --verify', () => {
  it('runs the verify checks on the public URL after writing and reports them', async ({ expect }) => {
    const result = await publish('clusters/a', ['--verify', '--verify-allow-private']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const issuer = `${s3.endpoint}/${BUCKET}/clusters/a`;
    expect(result.stdout).toContain(`verify    ${issuer}`);
    expect(result.stdout).toContain(`    ok issuer-match: discovery issuer equals --issuer "${issuer}"`);
    expect(result.stdout).toMatch(/ {4}ok jwks-valid: 1 public key/);
    expect(result.stdout).not.toContain('FAIL');
  });

  it('fails the run with one line when a check fails (a loopback issuer, without --verify-allow-private)', async ({
    expect,
  }) => {
    const result = await publish('clusters/b', ['--verify', '--output', 'json']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: PUBLIC_CHECK_FAILED: verify https:\/\/127\.0\.0\.1:\d+\/test-bucket\/clusters\/b: issuer-public: /,
    );
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.verify[0].checks.find((c: { check: string }) => c.check === 'issuer-public').status).toBe(
      'fail',
    );
  });

  it('trusts the CA given with --ca for the public check and verify, and only then', async ({ expect }) => {
    const folder = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-publish-ca-'));
    const site = https.createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
      const path = new URL(req.url ?? '/', 'https://site').pathname;
      readFile(join(folder, ...path.split('/').filter(Boolean))).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
          res.end(body);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const base = `https://127.0.0.1:${(site.address() as AddressInfo).port}`;
    // Each run publishes an issuer of its own, a folder the site serves, so they run side by side.
    const run = (name: string, extra: string[]) =>
      runCli([
        'publish',
        '--from-keys',
        KEY_FILE,
        '--issuer',
        `${base}/${name}`,
        '--dest',
        join(folder, name),
        '--check-public-url',
        `${base}/${name}`,
        '--verify',
        '--verify-allow-private',
        ...extra,
      ]);
    try {
      const [untrusted, trusted, missing] = await Promise.all([
        run('untrusted', []),
        run('trusted', ['--ca', pki.caCertPath]),
        run('missing', ['--ca', join(folder, 'no-such-ca.pem')]),
      ]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/PUBLIC_CHECK_FAILED: .*(certificate|self-signed|verify)/i);
      expect(trusted.stderr).toBe('');
      expect(trusted.code).toBe(0);
      expect(trusted.stdout).toContain(
        `    ok issuer-match: discovery issuer equals --issuer "${base}/trusted"`,
      );
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /invalid --ca: cannot read .*no-such-ca\.pem: no such file or directory \(ENOENT\)$/m,
      );
    } finally {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('publish --verify without a public URL', () => {
  it('is refused before anything is read or written: CONFIG_INVALID, naming what is missing', () => {
    expect(() => resolvePublishConfig({ dest: ['/tmp/unused'], verify: true }, {})).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: '--verify needs --check-public-url: the public URL to verify',
      }),
    );
  });
});

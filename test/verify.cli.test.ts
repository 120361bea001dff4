/**
 * `verify` through the built CLI as a child process: exit codes (0 pass, 1 fail, 2 usage),
 * the one-line-per-check text output and --output json, against a bucket on the S3 test
 * server over HTTPS (the documents are put there with the SDK, as a hand-made setup would
 * be), with the API-server stand-in as the cluster for --token-request and --compare-cluster.
 * Each test uploads to a prefix of its own (its own issuer), so the processes run side by
 * side. Bad values a flag's resolver refuses are resolved in this process; a few go through
 * the process for the exit code and the one line.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeDiscovery, normalizeJwks } from '../src/core/documents.js';
import { GatewayError } from '../src/core/errors.js';
import { resolveVerifyConfig } from '../src/verify/config.js';
import { type ApiServerStandIn, randomToken, startApiServer } from './support/apiserver.js';
import { runCli } from './support/cli.js';
import { writeImportRecorder } from './support/import-recorder.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { type S3TestServer, startS3Server } from './support/s3-server.js';

const BUCKET = 'test-bucket';
const PREFIX = 'cluster-a';
const LINE = /^(ok|FAIL|warn) [a-z-]+: .+$/;

let workdir: string;
let pki: TestPki;
let s3: S3TestServer;
let client: S3Client;
let apiserver: ApiServerStandIn;
let clusterIssuer: string;
let clusterEnv: Record<string, string>;

let sites = 0;

/** A fresh prefix in the bucket, and the issuer a bucket there gives: no other test reads it. */
function freshIssuer(): { prefix: string; issuer: string } {
  const prefix = `${PREFIX}-${++sites}`;
  return { prefix, issuer: `${s3.endpoint}/${BUCKET}/${prefix}` };
}

async function put(
  prefix: string,
  key: string,
  body: Buffer,
  contentType = 'application/json',
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: `${prefix}/${key}`,
      Body: body,
      ContentType: contentType,
      CacheControl: 'public, max-age=300',
    }),
  );
}

/** The cluster's documents, rendered as serve and publish render them, into the bucket at `prefix` under `issuer`. */
async function upload(prefix: string, issuer: string): Promise<void> {
  const normalize = { pretty: true, jwksUri: { mode: 'auto' as const } };
  const discovery = {
    ...JSON.parse(apiserver.discoveryJson()),
    issuer,
    jwks_uri: `${issuer}/openid/v1/jwks`,
  };
  await put(prefix, 'openid/v1/jwks', normalizeJwks(JSON.parse(apiserver.jwksJson()), normalize).body);
  await put(prefix, '.well-known/openid-configuration', normalizeDiscovery(discovery, normalize).body);
}

/** A fresh prefix with the cluster's documents. */
async function uploaded(): Promise<{ prefix: string; issuer: string }> {
  const site = freshIssuer();
  await upload(site.prefix, site.issuer);
  return site;
}

function verify(issuer: string, args: string[], env: Record<string, string> = {}) {
  return runCli(['verify', '--issuer', issuer, '--ca', pki.caCertPath, ...args], { env });
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-verify-cli-'));
  pki = await createTestPki();
  s3 = await startS3Server({ tls: { key: pki.keyPem, cert: pki.certPem, ca: pki.caCertPem } });
  client = new S3Client(s3.clientConfig());
  clusterIssuer = `${s3.endpoint}/${BUCKET}/${PREFIX}`;
  const token = randomToken();
  apiserver = await startApiServer({ issuer: clusterIssuer, pki, tokens: [token] });
  const tokenPath = join(workdir, 'token');
  await writeFile(tokenPath, `${token}\n`);
  clusterEnv = { UPSTREAM_HOST: apiserver.url, SA_TOKEN_PATH: tokenPath, SA_CA_CERT_PATH: pki.caCertPath };
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  await apiserver?.close();
  await pki?.cleanup();
  await rm(workdir, { recursive: true, force: true });
});

describe.concurrent('verify CLI', () => {
  it('exits 0 on a correct bucket, one line per check', async ({ expect }) => {
    // The cluster's own issuer: --compare-cluster compares it, --token-request mints for it.
    await upload(PREFIX, clusterIssuer);
    const recorder = await writeImportRecorder(await mkdtemp(join(workdir, 'imports-')));
    const run = await verify(
      clusterIssuer,
      ['--allow-private', '--compare-cluster', '--gcp', '--token-request', 'ci/verifier'],
      { ...clusterEnv, NODE_OPTIONS: recorder.importFlag },
    );
    expect(run.stderr).toBe('');
    // The token checks load jose; the positive control for the JSON test below.
    expect(await readFile(recorder.logPath, 'utf8')).toContain('jose\n');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(LINE);
    expect(lines).toContain(`ok issuer-match: discovery issuer equals --issuer "${clusterIssuer}"`);
    expect(lines.filter((l) => l.startsWith('warn '))).toEqual([
      'warn issuer-public: issuer host 127.0.0.1 is a loopback address (127.0.0.0/8); relying parties on the internet cannot reach it (allowed by --allow-private)',
      'warn jwks-uri-public: jwks_uri host 127.0.0.1 is a loopback address (127.0.0.0/8); relying parties on the internet cannot reach it (allowed by --allow-private)',
    ]);
    expect(lines.some((l) => l.startsWith('ok token-signature: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('ok cluster-keys: all 2 cluster keys are published'))).toBe(true);
    // --gcp, the old flag, is --provider gcp: the rules that replaced the jwks-gcp check.
    expect(lines.filter((l) => /^\w+ (gcp-[a-z-]+|jwks-gcp):/.test(l))).toEqual([
      'ok gcp-members: every key uses only kty, alg, use, kid, n, e, x, y, crv',
      'ok gcp-key-type: every key is an RSA or EC signing key',
    ]);
  });

  it("--provider, repeated: each cloud's rules, failing what AWS and Azure would refuse", async ({
    expect,
  }) => {
    const { issuer } = await uploaded();
    const run = await verify(issuer, [
      '--allow-private',
      '--provider',
      'aws',
      '--provider',
      'azure',
      '--output',
      'json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const checks: { check: string; status: string; message: string }[] = report.checks;
    expect(
      checks.filter((c) => /^(aws|gcp|azure)-/.test(c.check)).map((c) => `${c.status} ${c.check}`),
    ).toEqual([
      'fail aws-issuer',
      'ok aws-fetch-time',
      'ok aws-key-count',
      'ok aws-alg',
      'ok aws-kid',
      'ok azure-issuer',
      'fail azure-alg',
    ]);
    // The S3 test server's port, and the stand-in's EC key (kube-apiserver signs with either).
    expect(checks.find((c) => c.check === 'aws-issuer')?.message).toContain(
      `has port ${new URL(issuer).port}`,
    );
    expect(checks.find((c) => c.check === 'azure-alg')?.message).toMatch(
      /a token from kid "[^"]+" \(EC ES256\)/,
    );
    expect(checks.find((c) => c.check === 'aws-fetch-time')?.message).toMatch(
      /^discovery document \d+ ms, JWKS \d+ ms/,
    );
  });

  it('writes a JSON report with --output json', async ({ expect }) => {
    const { issuer } = await uploaded();
    const recorder = await writeImportRecorder(await mkdtemp(join(workdir, 'imports-')));
    const run = await verify(issuer, ['--allow-private', '--output', 'json'], {
      NODE_OPTIONS: recorder.importFlag,
    });
    expect(run.code).toBe(0);
    // No token, no jose (50 ms of CPU), nor any SDK: the public documents are read over HTTPS.
    expect(await readFile(recorder.logPath, 'utf8')).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ issuer, ok: true });
    expect(report.checks[0]).toEqual({ check: 'issuer-https', status: 'ok', message: '--issuer is https' });
    expect(report.checks.map((c: { check: string }) => c.check)).toContain('jwks-valid');
  });

  it('exits 1 when a check fails: a loopback issuer without --allow-private, a JWKS removed from the bucket', async ({
    expect,
  }) => {
    const { prefix, issuer } = await uploaded();
    const privateRun = await verify(issuer, []);
    expect(privateRun.code).toBe(1);
    expect(privateRun.stdout).toMatch(/^FAIL issuer-public: /m);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}/openid/v1/jwks` }));
    const run = await verify(issuer, ['--allow-private', '--output', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([
      { check: 'jwks-fetch', status: 'fail', message: `${issuer}/openid/v1/jwks: HTTP 404, expected 200` },
    ]);
  });

  it('exits 1 on a JWKS stored without a content type (S3 then serves binary/octet-stream)', async ({
    expect,
  }) => {
    const { prefix, issuer } = await uploaded();
    const jwks = normalizeJwks(JSON.parse(apiserver.jwksJson()), { pretty: true }).body;
    await put(prefix, 'openid/v1/jwks', jwks, '');
    const run = await verify(issuer, ['--allow-private']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL jwks-content-type: /m);
  });

  // What yargs refuses (a missing flag, flags that conflict, an unknown flag) and one value a
  // resolver refuses: exit 2 and the message, from the process. The other values below.
  it.for<[string[], string]>([
    [['verify'], 'Missing required argument: issuer'],
    [['verify', '--issuer', 'https://o.example', '--max-age-limit', 'day'], 'invalid --max-age-limit'],
    [
      ['verify', '--issuer', 'https://o.example', '--provider', 'oracle'],
      'invalid --provider: "oracle" is not one of aws, gcp, azure',
    ],
    [
      ['verify', '--issuer', 'https://o.example', '--token', 't', '--token-request', 'a/b'],
      'mutually exclusive',
    ],
    [['verify', '--issuer', 'https://o.example', '--ca', '/nonexistent/ca.pem'], 'invalid --ca'],
    [['verify', '--issuer', 'https://o.example', '--no-such-flag'], 'verify: unknown option --no-such-flag'],
  ])('exits 2 on bad usage: %j', async ([args, message], { expect }) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });
});

describe('verify refuses a bad value before any check, naming the flag (exit 2: CONFIG_INVALID)', () => {
  it.each([
    [{ issuer: 'oidc.example.com' }, 'invalid --issuer: "oidc.example.com" is not a URL'],
    [{ issuer: 'https://o.example', 'max-age-limit': 'day' }, 'invalid --max-age-limit'],
    [{ issuer: 'https://o.example', output: 'xml' }, 'invalid --output'],
    [{ issuer: 'https://o.example', 'token-request': 'verifier' }, 'is not NAMESPACE/NAME'],
    [{ issuer: 'https://o.example', ca: '/nonexistent/ca.pem' }, 'invalid --ca'],
  ])('%j', async (argv, message) => {
    const error = await resolveVerifyConfig(argv, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) });
    expect((error as Error).message).not.toContain('\n');
  });
});

/**
 * publish end to end: the built CLI (dist/cli.js) as a child process, reading the HTTPS
 * kube-apiserver stand-in with a bearer token and the test CA, writing to s3rver, the GCS
 * emulator and folders. Each run is a fresh process, so anything a later run knows (the
 * retention state, what is unchanged) came from the destination, not from memory.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandInCredentials, writeImportRecorder, writeStandInCredentials } from './publish.support.js';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { CLI_PATH, cleanEnv, runCli, startServe } from './support/cli.js';
import { type GcsEmulator, startGcsEmulator } from './support/gcs-emulator.js';
import {
  S3_ACCESS_KEY_ID,
  S3_REGION,
  S3_SECRET_ACCESS_KEY,
  type S3TestServer,
  startS3Server,
} from './support/s3-server.js';

const ISSUER = 'https://oidc.example.com/cluster-1';

let api: ApiServerStandIn;
let creds: StandInCredentials;
let s3: S3TestServer;
let gcs: GcsEmulator;
let dir: string;

beforeAll(async () => {
  const token = randomToken();
  [api, s3, gcs, dir] = await Promise.all([
    startApiServer({ tokens: [token], issuer: ISSUER, jwksUri: `${ISSUER}/openid/v1/jwks` }),
    startS3Server(),
    startGcsEmulator(),
    mkdtemp(join(tmpdir(), 'kog-publish-cli-')),
  ]);
  await chmod(dir, 0o755);
  creds = await writeStandInCredentials(token, api.caCertPem);
});

afterAll(async () => {
  await Promise.all([api?.close(), s3?.close(), gcs?.stop()]);
  await Promise.all([
    rm(dir, { recursive: true, force: true }),
    rm(creds?.dir ?? '', { recursive: true, force: true }),
  ]);
});

afterEach(() => {
  api.setFault(JWKS_PATH, undefined);
});

const upstream = () => [
  '--upstream-host',
  api.url,
  '--sa-token-path',
  creds.tokenPath,
  '--sa-ca-cert-path',
  creds.caPath,
];
const s3Flags = () => ['--s3-endpoint', s3.endpoint, '--s3-force-path-style'];
const S3_ENV = {
  AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
  AWS_REGION: S3_REGION,
};

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function anonymousGet(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('publish through the built CLI', () => {
  it('S3: creates the objects, a second process writes nothing, and the bytes and ETag are what serve serves', async () => {
    const args = ['publish', '--dest', 's3://test-bucket/e2e', ...s3Flags(), ...upstream()];
    s3.resetRequests();
    const first = await runCli(args, { env: S3_ENV });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(lines(first.stdout).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'created s3://test-bucket/e2e/openid/v1/jwks',
      'created s3://test-bucket/e2e/.well-known/openid-configuration',
      'created s3://test-bucket/e2e/.kube-oidc-gateway/state.json',
    ]);
    expect(s3.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/test-bucket/e2e/openid/v1/jwks',
      '/test-bucket/e2e/.well-known/openid-configuration',
      '/test-bucket/e2e/.kube-oidc-gateway/state.json',
    ]);

    s3.resetRequests();
    const second = await runCli(args, { env: S3_ENV });
    expect(second.code).toBe(0);
    expect(lines(second.stdout).every((line) => line.startsWith('unchanged '))).toBe(true);
    expect(s3.writeCount()).toBe(0);
    expect(s3.requests.map((r) => r.method).sort()).toEqual(['GET', 'GET', 'HEAD', 'HEAD']);

    const serve = await startServe(upstream(), {});
    try {
      for (const [route, key] of [
        ['/openid/v1/jwks', 'e2e/openid/v1/jwks'],
        ['/.well-known/openid-configuration', 'e2e/.well-known/openid-configuration'],
      ] as const) {
        const served = await anonymousGet(`${serve.url}${route}`);
        const published = await anonymousGet(s3.objectUrl('test-bucket', key));
        expect(served.status).toBe(200);
        expect(published.status).toBe(200);
        expect(published.body.equals(served.body), route).toBe(true);
        expect(published.headers['x-amz-meta-sha256']).toBe(served.headers.etag);
        expect(published.headers['content-type']).toBe('application/json');
        expect(published.headers['cache-control']).toBe('public, max-age=300');
      }
    } finally {
      await serve.stop();
    }
  });

  it('S3: a key rotated out in between two processes stays published, from the state in the bucket', async () => {
    const args = ['publish', '--dest', 's3://test-bucket/rotation', ...s3Flags(), ...upstream()];
    expect((await runCli(args, { env: S3_ENV })).code).toBe(0);
    const [rsaKey, ecKey] = api.keys;
    api.removeKey(rsaKey?.kid as string);
    try {
      const rotated = await runCli([...args, '--output', 'json'], { env: S3_ENV });
      expect(rotated.code).toBe(0);
      const report = JSON.parse(rotated.stdout);
      expect(report.destinations[0].keys.kids).toEqual([ecKey?.kid, rsaKey?.kid]);
      expect(report.destinations[0].keys.retained.map((key: { kid: string }) => key.kid)).toEqual([
        rsaKey?.kid,
      ]);
      const published = await anonymousGet(s3.objectUrl('test-bucket', 'rotation/openid/v1/jwks'));
      expect(JSON.parse(published.body.toString()).keys.map((key: { kid: string }) => key.kid)).toEqual([
        ecKey?.kid,
        rsaKey?.kid,
      ]);
    } finally {
      api.setKeys([rsaKey?.privateKey, ecKey?.privateKey].filter((key) => key !== undefined));
    }
  });

  it('GCS (STORAGE_EMULATOR_HOST): creates the objects with their metadata; --output json is the report', async () => {
    const result = await runCli(
      ['publish', '--dest', 'gs://oidc-e2e/cluster-1', '--output', 'json', ...upstream()],
      {
        env: { STORAGE_EMULATOR_HOST: gcs.host },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      dryRun: false,
      issuer: ISSUER,
      jwksUri: `${ISSUER}/openid/v1/jwks`,
    });
    expect(
      report.destinations[0].objects.map((o: { key: string; status: string }) => `${o.status} ${o.key}`),
    ).toEqual([
      'created openid/v1/jwks',
      'created .well-known/openid-configuration',
      'created .kube-oidc-gateway/state.json',
    ]);
    const restore = gcs.applyEnv();
    try {
      const [metadata] = await new Storage({ projectId: 'test' })
        .bucket('oidc-e2e')
        .file('cluster-1/openid/v1/jwks')
        .getMetadata();
      expect(metadata.contentType).toBe('application/json');
      expect(metadata.cacheControl).toBe('public, max-age=300');
      expect(metadata.metadata?.sha256).toBe(report.destinations[0].objects[0].etag);
    } finally {
      restore();
    }
  });

  it('loads only the SDK a destination needs: none for a folder, one each for s3:// and gs://', async () => {
    const recorder = await writeImportRecorder(await mkdtemp(join(dir, 'imports-')));
    const run = async (dest: string, env: Record<string, string>) => {
      await writeFile(recorder.logPath, '');
      const result = await runCli(['publish', '--dest', dest, ...s3Flags(), ...upstream()], {
        env: { ...env, NODE_OPTIONS: recorder.importFlag },
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return lines(await readFile(recorder.logPath, 'utf8'));
    };
    const folder = await run(join(dir, 'no-sdk'), {});
    const viaS3 = await run('s3://test-bucket/sdk', S3_ENV);
    const viaGcs = await run('gs://oidc-e2e/sdk', { STORAGE_EMULATOR_HOST: gcs.host });

    expect(folder).toEqual([]);
    // The recorder works: it sees each SDK where it is used...
    expect(viaS3).toContain('@aws-sdk/client-s3');
    expect(viaGcs).toContain('@google-cloud/storage');
    // ...and never the other one, nor the Kubernetes client (no --kubeconfig here).
    expect(viaS3.filter((name) => /google|kubernetes/.test(name))).toEqual([]);
    expect(viaGcs.filter((name) => /aws|smithy|kubernetes/.test(name))).toEqual([]);
  });

  it('an invalid upstream document: exit 1, one line naming the problem, the published objects unchanged', async () => {
    const args = ['publish', '--dest', 's3://test-bucket/invalid', ...s3Flags(), ...upstream()];
    expect((await runCli(args, { env: S3_ENV })).code).toBe(0);
    const before = await anonymousGet(s3.objectUrl('test-bucket', 'invalid/openid/v1/jwks'));
    api.setFault(JWKS_PATH, { kind: 'private-key' });
    s3.resetRequests();
    const result = await runCli(args, { env: S3_ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: JWKS_PRIVATE_KEY: JWKS key #0 \(kid "[^"]+"\) carries private key material \([a-z, ]+\); refusing to publish it\n$/,
    );
    expect(result.stdout).toBe('');
    expect(s3.count()).toBe(0);
    const after = await anonymousGet(s3.objectUrl('test-bucket', 'invalid/openid/v1/jwks'));
    expect(after.body.equals(before.body)).toBe(true);
  });

  it('a folder it may not write: exit 1, one line naming the file, what was there before unchanged', async () => {
    const out = join(dir, 'read-only');
    const args = ['publish', '--dest', out, ...upstream()];
    expect((await runCli(args)).code).toBe(0);
    const before = await readFile(join(out, 'openid/v1/jwks'));
    api.addKey('EC');
    for (const sub of ['', 'openid', 'openid/v1', '.well-known', '.kube-oidc-gateway'])
      await chmod(join(out, sub), 0o555);
    try {
      // Root ignores file modes, so the run is made as nobody then.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, [CLI_PATH, ...args], {
            env: cleanEnv({ HOME: '/tmp' }),
            ...asUser,
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk;
          });
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk;
          });
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: STORE_ACCESS_DENIED: cannot write ${out}/openid/v1/jwks: permission denied (EACCES)\n`,
      );
      expect(lines(result.stdout).map((line) => line.split(/\s+/)[0])).toEqual([
        'failed',
        'unchanged',
        'skipped',
      ]);
      expect((await readFile(join(out, 'openid/v1/jwks'))).equals(before)).toBe(true);
      const leftovers = (await readdir(join(out, 'openid/v1'))).filter((name) => name.endsWith('.tmp'));
      expect(leftovers).toEqual([]);
    } finally {
      api.removeKey(api.keys[api.keys.length - 1]?.kid as string);
      for (const sub of ['', 'openid', 'openid/v1', '.well-known', '.kube-oidc-gateway'])
        await chmod(join(out, sub), 0o755);
    }
  });

  it('--dry-run: prints what would change, writes nothing, exits 0', async () => {
    const out = join(dir, 'dry');
    expect((await runCli(['publish', '--dest', out, ...upstream()])).code).toBe(0);
    const before = (await stat(join(out, 'openid/v1/jwks'))).ino;
    const added = api.addKey('EC');
    try {
      const result = await runCli(['publish', '--dest', out, '--dry-run', ...upstream()]);
      expect(result.code).toBe(0);
      expect(lines(result.stdout)[0]).toBe('dry run: nothing was written');
      expect(result.stdout).toContain(`(added ${added.kid})`);
      expect(result.stdout).toContain(`+       "kid": "${added.kid}",`);
      expect((await stat(join(out, 'openid/v1/jwks'))).ino).toBe(before);
    } finally {
      api.removeKey(added.kid);
    }
  });

  it('--from-keys: publishes before a cluster exists, from the key files kube-apiserver is given', async () => {
    const keyFile = join(dir, 'sa.key');
    // What kubeadm writes to /etc/kubernetes/pki/sa.key: a PKCS#1 RSA private key.
    const { generateKeyPairSync } = await import('node:crypto');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(keyFile, pair.privateKey.export({ format: 'pem', type: 'pkcs1' }));
    const out = join(dir, 'from-keys');
    const result = await runCli([
      'publish',
      '--from-keys',
      keyFile,
      '--issuer',
      'https://oidc.example.com/new-cluster',
      '--dest',
      `file://${out}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const discovery = JSON.parse(await readFile(join(out, '.well-known/openid-configuration'), 'utf8'));
    expect(discovery).toEqual({
      issuer: 'https://oidc.example.com/new-cluster',
      jwks_uri: 'https://oidc.example.com/new-cluster/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = JSON.parse(await readFile(join(out, 'openid/v1/jwks'), 'utf8'));
    expect(Object.keys(jwks.keys[0])).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    expect(jwks.keys[0].n).toBe(pair.publicKey.export({ format: 'jwk' }).n);
  });
});

// Each case is its own process and touches nothing shared, so they run side by side.
describe.concurrent('publish through the built CLI, bad configuration', () => {
  it.each([
    [
      ['--dest', 'ftp://bucket/x'],
      {},
      'error: CONFIG_INVALID: invalid --dest: "ftp://bucket/x" is not s3://bucket/prefix',
    ],
    [['--dest', 's3://Bad_Bucket/x'], {}, 'invalid --dest: "s3://Bad_Bucket/x" has an invalid bucket name'],
    [[], {}, 'error: CONFIG_INVALID: no destination: give --dest (or PUBLISH_DEST)'],
    [[], { PUBLISH_DEST: 'gs://bucket/x,ftp://y' }, 'invalid PUBLISH_DEST: "ftp://y"'],
    [
      ['--dest', '/tmp/x', '--retain-removed-keys', '5x'],
      {},
      'invalid --retain-removed-keys: "5x" is not a duration',
    ],
    [
      ['--dest', '/tmp/x'],
      { PUBLISH_MAX_AGE: 'abc' },
      'invalid PUBLISH_MAX_AGE: "abc" is not a whole number',
    ],
    [['--dest', '/tmp/x', '--output', 'yaml'], {}, 'invalid --output: "yaml" is not one of text, json'],
    [['--dest', '/tmp/x', '--from-keys', 'k.pem'], {}, '--from-keys needs --issuer'],
    [['--dest', '/tmp/x', '--issuer', 'https://x'], {}, '--issuer is only used with --from-keys'],
    [['--dest', '/tmp/x', '--check-public-url', 'https://x/?a=b'], {}, 'invalid --check-public-url'],
    [
      ['--dest', '/tmp/x', '--jwks-uri', 'http://x/jwks'],
      {},
      'invalid --jwks-uri: "http://x/jwks" is not an https URL',
    ],
  ])('bad configuration %j %j: exit 2, one line naming the flag or variable', async (args, env, expected) => {
    const result = await runCli(['publish', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(expected);
  });
});

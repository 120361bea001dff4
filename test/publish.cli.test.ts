/**
 * publish end to end: the built CLI (dist/cli.js) as a child process, reading the HTTPS
 * kube-apiserver stand-in with a bearer token and the test CA, writing to s3rver, the GCS
 * emulator, Azurite and folders. Only what a process shows is here: exit codes, what it prints,
 * flags and environment, which modules it loads, a run as another user, and one S3 round
 * trip (two processes and serve) and one Azure round trip (two processes and the public
 * check) as the smoke tests of it all. What every store does alike is
 * in the store contract suite (test/stores), a whole run in-process in test/publish.test.ts.
 * A test that needs something published first publishes it in-process, not with a process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePublishConfig } from '../src/publish/config.js';
import { runPublish } from '../src/publish/run.js';
import {
  captureIo,
  type FaultProxy,
  type StandInCredentials,
  startFaultProxy,
  writeImportRecorder,
  writeStandInCredentials,
} from './publish.support.js';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { AZURITE_ACCOUNT } from './support/azurite.js';
import { CLI_PATH, cleanEnv, runCli, startServe } from './support/cli.js';
import { type GcsEmulator, startGcsEmulator } from './support/gcs-emulator.js';
import { nextRsaKeyPair } from './support/rsa-keys.js';
import { S3_CREDENTIALS_ENV, type S3TestServer, startS3Server } from './support/s3-server.js';
import { type SharedAzurite, sharedAzurite } from './support/shared-azurite.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const EXAMPLE_KEY = new URL('../examples/service-account.pub', import.meta.url).pathname;

let api: ApiServerStandIn;
let creds: StandInCredentials;
let s3: S3TestServer;
let gcs: GcsEmulator;
let azurite: SharedAzurite;
/** In front of Azurite, to count what the CLI asks of it. */
let azureProxy: FaultProxy;
let dir: string;

beforeAll(async () => {
  const token = randomToken();
  azurite = await sharedAzurite();
  [api, s3, gcs, dir] = await Promise.all([
    startApiServer({ tokens: [token], issuer: ISSUER, jwksUri: `${ISSUER}/openid/v1/jwks` }),
    startS3Server(),
    startGcsEmulator(),
    mkdtemp(join(tmpdir(), 'kog-publish-cli-')),
  ]);
  azureProxy = await startFaultProxy(`http://127.0.0.1:${azurite.port}`);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString());
  // $web as the static website has it, and a container any anonymous client may read from.
  await Promise.all([
    blobs.getContainerClient('$web').createIfNotExists(),
    blobs.getContainerClient('public').createIfNotExists({ access: 'blob' }),
  ]);
  await chmod(dir, 0o755);
  creds = await writeStandInCredentials(token, api.caCertPem);
});

afterAll(async () => {
  await Promise.all([api?.close(), s3?.close(), gcs?.stop(), azureProxy?.close()]);
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
/** Azurite's account through the counting proxy, as a pod would be given its connection string. */
const azureEnv = () => ({
  AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(`${azureProxy.url}/${AZURITE_ACCOUNT}`),
});

/** Publishes from the stand-in to a folder in this process: what a test needs there before its own run. */
async function publishedTo(out: string): Promise<void> {
  const argv = {
    dest: [out],
    'upstream-host': api.url,
    'sa-token-path': creds.tokenPath,
    'sa-ca-cert-path': creds.caPath,
  };
  const report = await runPublish(resolvePublishConfig(argv, {}), captureIo().io);
  expect(report.ok).toBe(true);
}

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
    const first = await runCli(args, { env: S3_CREDENTIALS_ENV });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(lines(first.stdout).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'source in-cluster',
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
    // serve starts meanwhile: it touches no bucket.
    const [second, serve] = await Promise.all([
      runCli(args, { env: S3_CREDENTIALS_ENV }),
      startServe(upstream(), {}),
    ]);
    expect(second.code).toBe(0);
    expect(lines(second.stdout)[0]).toBe(`source    in-cluster ${api.url}`);
    expect(
      lines(second.stdout)
        .slice(1)
        .every((line) => line.startsWith('unchanged ')),
    ).toBe(true);
    expect(s3.writeCount()).toBe(0);
    expect(s3.requests.map((r) => r.method).sort()).toEqual(['GET', 'GET', 'HEAD', 'HEAD']);

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

  it('Azure: creates the blobs with AZURE_STORAGE_CONNECTION_STRING, the public container serves them, a second process writes nothing', async () => {
    const publicBase = `${azurite.endpoint}/public/e2e`;
    const args = [
      'publish',
      '--dest',
      `az://${AZURITE_ACCOUNT}/public/e2e`,
      '--check-public-url',
      publicBase,
      ...upstream(),
    ];
    const since = azureProxy.requests.length;
    const first = await runCli(args, { env: azureEnv() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(lines(first.stdout).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'source in-cluster',
      `created az://${AZURITE_ACCOUNT}/public/e2e/openid/v1/jwks`,
      `created az://${AZURITE_ACCOUNT}/public/e2e/.well-known/openid-configuration`,
      `created az://${AZURITE_ACCOUNT}/public/e2e/.kube-oidc-gateway/state.json`,
      `public ${publicBase}/.well-known/openid-configuration`,
      `public ${publicBase}/openid/v1/jwks`,
    ]);
    const base = `/${AZURITE_ACCOUNT}/public/e2e`;
    expect(azureProxy.requests.slice(since).filter((r) => r.startsWith('PUT '))).toEqual([
      `PUT ${base}/openid/v1/jwks`,
      `PUT ${base}/.well-known/openid-configuration`,
      `PUT ${base}/.kube-oidc-gateway/state.json`,
    ]);

    // The second run names the endpoint with --azure-endpoint too (it must be the connection string's).
    const again = azureProxy.requests.length;
    const endpoint = `${azureProxy.url}/${AZURITE_ACCOUNT}`;
    const second = await runCli([...args, '--azure-endpoint', endpoint], { env: azureEnv() });
    expect(second.code).toBe(0);
    expect(
      lines(second.stdout)
        .slice(1, 4)
        .every((line) => line.startsWith('unchanged ')),
    ).toBe(true);
    expect(
      azureProxy.requests
        .slice(again)
        .map((r) => r.split(' ')[0])
        .sort(),
    ).toEqual(['GET', 'GET', 'HEAD', 'HEAD']);

    // What the public reads: the served bytes' hash is the sha256 metadata, with the headers set.
    const published = await anonymousGet(`${publicBase}/openid/v1/jwks`);
    expect(published.status).toBe(200);
    expect(published.headers['content-type']).toBe('application/json');
    expect(published.headers['cache-control']).toBe('public, max-age=300');
    expect(published.headers['x-ms-meta-sha256']).toBe(
      `"${createHash('sha256').update(published.body).digest('hex')}"`,
    );
  });

  it('loads only the SDK a destination needs (none for a folder), never the memory store; GCS from STORAGE_EMULATOR_HOST, --output json; Azure with a connection string without @azure/identity, without one with it', async () => {
    const recorded = async (dest: string, env: Record<string, string>, extra: string[] = []) => {
      const recorder = await writeImportRecorder(await mkdtemp(join(dir, 'imports-')));
      const result = await runCli(['publish', '--dest', dest, ...s3Flags(), ...upstream(), ...extra], {
        env: { ...env, NODE_OPTIONS: recorder.importFlag },
      });
      return { result, imports: lines(await readFile(recorder.logPath, 'utf8')) };
    };
    const run = async (dest: string, env: Record<string, string>, extra: string[] = []) => {
      const done = await recorded(dest, env, extra);
      expect(done.result.stderr).toBe('');
      expect(done.result.code).toBe(0);
      return done;
    };
    const dest = `az://${AZURITE_ACCOUNT}/$web/no-credentials`;
    const [folder, viaS3, viaGcs, viaAzure, viaIdentity] = await Promise.all([
      run(join(dir, 'no-sdk'), {}),
      run('s3://test-bucket/sdk', S3_CREDENTIALS_ENV),
      run('gs://oidc-e2e/cluster-1', { STORAGE_EMULATOR_HOST: gcs.host }, ['--output', 'json']),
      run(`az://${AZURITE_ACCOUNT}/$web/sdk`, azureEnv()),
      // No connection string: the identity chain, held to one credential that needs no network
      // here (the default chain would probe the managed identity endpoint), and finds none.
      recorded(dest, { AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' }),
    ]);

    expect(folder.imports).toEqual([]);
    // The recorder works: it sees each SDK where it is used...
    expect(viaS3.imports).toContain('@aws-sdk/client-s3');
    expect(viaGcs.imports).toContain('@google-cloud/storage');
    expect(viaAzure.imports).toContain('@azure/storage-blob');
    expect(viaIdentity.imports).toContain('@azure/storage-blob');
    expect(viaIdentity.imports).toContain('@azure/identity');
    // ...and never another one, nor the Kubernetes client (no --kubeconfig here), nor the memory store;
    // nor @azure/identity when a connection string is the credential.
    expect(viaS3.imports.filter((name) => /google|azure|kubernetes|memory/.test(name))).toEqual([]);
    expect(viaGcs.imports.filter((name) => /aws|smithy|azure|kubernetes|memory/.test(name))).toEqual([]);
    expect(
      viaAzure.imports.filter((name) => /aws|smithy|google|kubernetes|memory|identity/.test(name)),
    ).toEqual([]);
    expect(viaIdentity.result.code).toBe(1);
    expect(viaIdentity.result.stderr).toBe(
      `error: STORE_ACCESS_DENIED: ${dest}/.kube-oidc-gateway/state.json: no Azure credentials found (AZURE_STORAGE_CONNECTION_STRING; workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID; a managed identity; az login)\n`,
    );

    // It would see the memory store if anything loaded it.
    const probe = await writeImportRecorder(await mkdtemp(join(dir, 'imports-')));
    const memoryUrl = new URL('../dist/stores/memory.js', import.meta.url).href;
    const loaded = await new Promise<number | null>((resolve, reject) =>
      spawn(
        process.execPath,
        [probe.importFlag, '--input-type=module', '-e', `await import(${JSON.stringify(memoryUrl)})`],
        {
          env: cleanEnv(),
          stdio: 'ignore',
        },
      )
        .on('error', reject)
        .on('close', resolve),
    );
    expect(loaded).toBe(0);
    expect(lines(await readFile(probe.logPath, 'utf8'))).toEqual([memoryUrl]);

    // The JSON report, and the objects in the emulator with their metadata.
    const report = JSON.parse(viaGcs.result.stdout);
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

  it('an invalid upstream document: exit 1, one line naming the problem, not one request to the bucket', async () => {
    const args = ['publish', '--dest', 's3://test-bucket/invalid', ...s3Flags(), ...upstream()];
    api.setFault(JWKS_PATH, { kind: 'private-key' });
    s3.resetRequests();
    const result = await runCli(args, { env: S3_CREDENTIALS_ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: JWKS_PRIVATE_KEY: JWKS key #0 \(kid "[^"]+"\) carries private key material \([a-z, ]+\); refusing to publish it\n$/,
    );
    // Where the documents came from, and nothing else.
    expect(result.stdout).toBe(`source    in-cluster ${api.url}\n`);
    // Not one request to the bucket: nothing published there could have changed.
    expect(s3.count()).toBe(0);
  });

  it('a folder it may not write: exit 1, one line naming the file, what was there before unchanged', async () => {
    const out = join(dir, 'read-only');
    const args = ['publish', '--dest', out, ...upstream()];
    await publishedTo(out);
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
        'source',
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
    await publishedTo(out);
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
});

// Each case is its own process and touches nothing shared, so they run side by side. The
// messages of every bad value are unit cases (src/publish/config.test.ts): here a flag, the
// environment, and nothing at all reach the one line and exit 2.
describe.concurrent('publish through the built CLI, no cluster needed', () => {
  it('--from-keys: publishes before a cluster exists, from the key files kube-apiserver is given', async () => {
    const keyFile = join(dir, 'sa.key');
    // What kubeadm writes to /etc/kubernetes/pki/sa.key: a PKCS#1 RSA private key.
    const pair = nextRsaKeyPair();
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

  it('Azure without a connection string: an invalid AZURE_TOKEN_CREDENTIALS is a usage error naming it, exit 2', async () => {
    const dest = `az://${AZURITE_ACCOUNT}/$web/x`;
    const result = await runCli(['publish', '--from-keys', EXAMPLE_KEY, '--issuer', ISSUER, '--dest', dest], {
      env: { AZURE_TOKEN_CREDENTIALS: 'AnyCredential' },
    });
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(
      result.stderr.startsWith(
        `error: CONFIG_INVALID: ${dest}: Invalid value for AZURE_TOKEN_CREDENTIALS = AnyCredential. Valid values are`,
      ),
    ).toBe(true);
  });

  it('--provider / PUBLISH_PROVIDER: a broken rule is a warning in text and JSON, and the run publishes and exits 0', async () => {
    const keys = ['examples/service-account.pub', 'examples/service-account-ec.pub'].map((file) =>
      fileURLToPath(new URL(`../${file}`, import.meta.url)),
    );
    const [textOut, jsonOut] = [join(dir, 'providers-text'), join(dir, 'providers-json')];
    const args = (out: string) => [
      'publish',
      '--from-keys',
      ...keys,
      '--issuer',
      'https://oidc.example.com:8443/c',
      '--dest',
      out,
    ];
    const [text, json] = await Promise.all([
      runCli([...args(textOut), '--provider', 'aws', '--provider', 'azure']),
      runCli([...args(jsonOut), '--output', 'json'], { env: { PUBLISH_PROVIDER: 'aws,azure' } }),
    ]);
    const expected = (out: string) => [
      'aws-issuer: issuer "https://oidc.example.com:8443/c" has port 8443; IAM takes an https URL with no port, query or fragment',
      expect.stringMatching(
        new RegExp(
          `^${out}: azure-alg: Entra accepts RS256-signed tokens only; a token from kid "[^"]+" \\(EC ES256\\) would be refused$`,
        ),
      ),
    ];
    expect(text.code).toBe(0);
    expect(lines(text.stdout).map((line) => line.split(/ +/)[0])).toEqual([
      'source',
      'created',
      'created',
      'created',
    ]);
    expect(lines(text.stderr).map((line) => line.replace(/^warning: /, ''))).toEqual(expected(textOut));
    expect(lines(text.stderr).every((line) => line.startsWith('warning: '))).toBe(true);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual(expected(jsonOut));
    for (const out of [textOut, jsonOut]) {
      const published = JSON.parse(await readFile(join(out, 'openid/v1/jwks'), 'utf8'));
      expect(published.keys.map((key: { kty: string }) => key.kty)).toEqual(['RSA', 'EC']);
    }
  });

  it.each([
    [
      ['--dest', 'ftp://bucket/x'],
      {},
      'error: CONFIG_INVALID: invalid --dest: "ftp://bucket/x" is not s3://bucket/prefix',
    ],
    [[], {}, 'error: CONFIG_INVALID: no destination: give --dest (or PUBLISH_DEST)'],
    [[], { PUBLISH_DEST: 'gs://bucket/x,ftp://y' }, 'error: CONFIG_INVALID: invalid PUBLISH_DEST: "ftp://y"'],
  ])('bad configuration %j %j: exit 2, one line naming the flag or variable', async (args, env, expected) => {
    const result = await runCli(['publish', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(expected);
  });
});

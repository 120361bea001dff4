/**
 * A store that accepts a request and never answers (issue 7, item 7): every store call has
 * a deadline (--store-timeout-seconds), past which the run fails with STORE_TIMEOUT and
 * exit 1, and the process exits then rather than whenever the SDK gives up (the S3 SDK
 * only printed a warning at 30 s and kept waiting). What was published stays consistent:
 * a stalled write stops the run like any failed write. The built CLI runs as a process,
 * against s3rver and the GCS emulator behind a proxy that stalls the chosen requests.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, STALL, startFaultProxy } from '../publish.support.js';
import { runCli } from '../support/cli.js';
import { type GcsEmulator, startGcsEmulator } from '../support/gcs-emulator.js';
import {
  S3_ACCESS_KEY_ID,
  S3_REGION,
  S3_SECRET_ACCESS_KEY,
  type S3TestServer,
  startS3Server,
} from '../support/s3-server.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const JWKS_KEY = 'openid/v1/jwks';
const DISCOVERY_KEY = '.well-known/openid-configuration';
const STATE_KEY = '.kube-oidc-gateway/state.json';
const DEADLINE_SECONDS = 1;
/** Start-up, the deadline itself and a generous margin for a shared machine; the SDKs alone waited 30 s and more. */
const EXIT_WITHIN_MS = DEADLINE_SECONDS * 1000 + 6000;

let dir: string;
let s3: S3TestServer;
let gcs: GcsEmulator;
let s3Proxy: FaultProxy;
let gcsProxy: FaultProxy;
let s3Client: S3Client;
let storage: Storage;
let restoreGcsEnv: () => void;
const keyFiles: string[] = [];

beforeAll(async () => {
  [dir, s3, gcs] = await Promise.all([
    mkdtemp(join(tmpdir(), 'kog-store-timeout-')),
    startS3Server(),
    startGcsEmulator(),
  ]);
  [s3Proxy, gcsProxy] = await Promise.all([startFaultProxy(s3.endpoint), startFaultProxy(gcs.host)]);
  // An EC key, then an RSA key: adding the second changes the JWKS and the discovery document's algs.
  for (const [name, { publicKey }] of [
    ['ec.pub', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['rsa.pub', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const) {
    const path = join(dir, name);
    await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
    keyFiles.push(path);
  }
  s3Client = new S3Client(s3.clientConfig());
  restoreGcsEnv = gcs.applyEnv();
  storage = new Storage({ projectId: 'test' });
});

afterAll(async () => {
  s3Client?.destroy();
  restoreGcsEnv?.();
  await Promise.all([s3Proxy?.close(), gcsProxy?.close()]);
  await Promise.all([s3?.close(), gcs?.stop(), rm(dir, { recursive: true, force: true })]);
});

afterEach(() => {
  s3Proxy.refuse(undefined);
  gcsProxy.refuse(undefined);
});

interface Backend {
  name: string;
  proxy: () => FaultProxy;
  args: (prefix: string) => string[];
  env: () => Record<string, string>;
  /** The method a write uses. */
  write: string;
  read(prefix: string, key: string): Promise<string | undefined>;
}

const backends: Backend[] = [
  {
    name: 'S3',
    proxy: () => s3Proxy,
    args: (prefix) => [
      '--dest',
      `s3://test-bucket/${prefix}`,
      '--s3-endpoint',
      s3Proxy.url,
      '--s3-force-path-style',
    ],
    env: () => ({
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
      AWS_REGION: S3_REGION,
    }),
    write: 'PUT',
    async read(prefix, key) {
      try {
        const object = await s3Client.send(
          new GetObjectCommand({ Bucket: 'test-bucket', Key: `${prefix}/${key}` }),
        );
        return (await object.Body?.transformToString()) ?? '';
      } catch {
        return undefined;
      }
    },
  },
  {
    name: 'GCS',
    proxy: () => gcsProxy,
    args: (prefix) => ['--dest', `gs://oidc-bucket/${prefix}`],
    env: () => ({ STORAGE_EMULATOR_HOST: gcsProxy.url }),
    write: 'POST',
    async read(prefix, key) {
      const file = storage.bucket('oidc-bucket').file(`${prefix}/${key}`);
      if (!(await file.exists())[0]) return undefined;
      return (await file.download())[0].toString();
    },
  },
];

async function publish(backend: Backend, prefix: string, keys: string[], extra: string[] = []) {
  const args = ['publish', '--from-keys', ...keys, '--issuer', ISSUER, ...backend.args(prefix), ...extra];
  const started = performance.now();
  const result = await runCli(args, { env: backend.env(), timeoutMs: 30_000 });
  return { ...result, elapsed: performance.now() - started };
}

const readAll = (backend: Backend, prefix: string) =>
  Promise.all([JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(prefix, key)));

describe.each(backends)('a stalled $name store', (backend) => {
  const deadline = ['--store-timeout-seconds', String(DEADLINE_SECONDS)];

  it('reads that never answer: STORE_TIMEOUT, exit 1 just past the deadline, nothing written', async () => {
    backend.proxy().refuse(({ method }) => (method === 'GET' || method === 'HEAD' ? STALL : undefined));
    backend.proxy().requests.length = 0;
    const run = await publish(backend, 'stalled-reads', [keyFiles[0] as string], deadline);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: STORE_TIMEOUT: \S+stalled-reads\/\S+: (HEAD|GET) got no answer within 1 s; the store is unreachable or stalled \(check the endpoint and the network, or raise --store-timeout-seconds\)$/,
    );
    expect(run.elapsed).toBeGreaterThanOrEqual(DEADLINE_SECONDS * 1000);
    expect(run.elapsed).toBeLessThan(EXIT_WITHIN_MS);
    expect(backend.proxy().requests.filter((request) => request.startsWith(backend.write))).toEqual([]);
  });

  it.each([
    ['the JWKS', JWKS_KEY, ['jwks:failed', 'discovery:skipped', 'state:skipped']],
    ['the discovery document', DISCOVERY_KEY, ['jwks:updated', 'discovery:failed', 'state:skipped']],
  ])(
    'a write of %s that never answers: STORE_TIMEOUT, exit 1, the writes after it not made',
    async (_what, stalledKey, statuses) => {
      const prefix = `stalled-${stalledKey.split('/')[0]?.replace('.', '')}`;
      const [first, second] = keyFiles as [string, string];
      const before = await publish(backend, prefix, [first]);
      expect(before.code, before.stderr).toBe(0);
      const published = await readAll(backend, prefix);

      // The RSA key changes all three objects.
      backend
        .proxy()
        .refuse(({ method, url }) =>
          method === backend.write && decodeURIComponent(url).includes(`${prefix}/${stalledKey}`)
            ? STALL
            : undefined,
        );
      const run = await publish(backend, prefix, [first, second], [...deadline, '--output', 'json']);
      expect(run.code).toBe(1);
      expect(run.elapsed).toBeLessThan(EXIT_WITHIN_MS);
      const report = JSON.parse(run.stdout);
      const objects = report.destinations[0].objects as Array<{
        kind: string;
        status: string;
        error?: { code: string };
      }>;
      expect(objects.map((object) => `${object.kind}:${object.status}`)).toEqual(statuses);
      expect(objects.find((object) => object.status === 'failed')?.error?.code).toBe('STORE_TIMEOUT');
      expect(run.stderr).toMatch(/^error: STORE_TIMEOUT: \S+: PUT got no answer within 1 s; /m);

      // Consistent: the discovery document and the state are the ones before; the JWKS the old or
      // the new (the stalled proxy never forwarded it), and the discovery document still points at it.
      const [jwks, discovery, state] = await readAll(backend, prefix);
      expect(discovery).toBe(published[1]);
      expect(state).toBe(published[2]);
      if (stalledKey === JWKS_KEY) expect(jwks).toBe(published[0]);
      else expect(JSON.parse(jwks ?? '{}').keys).toHaveLength(2);

      // Once the store answers again the next run completes what this one left; once per backend is enough.
      if (stalledKey === DISCOVERY_KEY) {
        backend.proxy().refuse(undefined);
        const after = await publish(backend, prefix, [first, second]);
        expect(after.code, after.stderr).toBe(0);
      }
    },
  );
});

/**
 * A store that accepts a request and never answers (issue 7, item 7): every store call has
 * a deadline (--store-timeout-seconds), past which the run fails with STORE_TIMEOUT and
 * exit 1, and the process exits then rather than whenever the SDK gives up (the S3 SDK
 * only printed a warning at 30 s and kept waiting). What was published stays consistent:
 * a stalled write stops the run like any failed write. s3rver and the GCS emulator sit
 * behind a proxy that stalls the chosen requests.
 *
 * - Per backend (each SDK has its own sockets that could keep a process alive), one run of
 *   the built CLI as a process: a stalled write, then exit 1 shortly past a 1 s deadline with
 *   the one-line error, and no write after the stalled one. The two run side by side.
 * - The other stalls (every read; the first write) as whole runs in this process, under a
 *   0.3 s deadline. The store's own deadline on every backend is in the store contract
 *   (test/stores/contract.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePublishConfig } from '../../src/publish/config.js';
import type { PublishReport } from '../../src/publish/report.js';
import { publishFailure, runPublish } from '../../src/publish/run.js';
import {
  captureIo,
  cliFlags,
  DISCOVERY_KEY,
  type FaultProxy,
  JWKS_KEY,
  STALL,
  STATE_KEY,
  startFaultProxy,
} from '../publish.support.js';
import { runCli } from '../support/cli.js';
import { type GcsEmulator, startGcsEmulator } from '../support/gcs-emulator.js';
import { nextRsaKeyPair } from '../support/rsa-keys.js';
import { S3_CREDENTIALS_ENV, type S3TestServer, startS3Server } from '../support/s3-server.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
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
const keyFiles: string[] = [];
const savedEnv = { ...process.env };

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
    ['rsa.pub', nextRsaKeyPair()],
  ] as const) {
    const path = join(dir, name);
    await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
    keyFiles.push(path);
  }
  s3Client = new S3Client(s3.clientConfig());
  // The library reads STORAGE_EMULATOR_HOST when a client is made: this one reads the emulator
  // directly, the runs in this process go through the proxy (with the S3 credentials).
  process.env.STORAGE_EMULATOR_HOST = gcs.host;
  storage = new Storage({ projectId: 'test' });
  Object.assign(process.env, S3_CREDENTIALS_ENV, { STORAGE_EMULATOR_HOST: gcsProxy.url });
});

afterAll(async () => {
  s3Client?.destroy();
  process.env = savedEnv;
  await Promise.all([s3Proxy?.close(), gcsProxy?.close()]);
  await Promise.all([s3?.close(), gcs?.stop(), rm(dir, { recursive: true, force: true })]);
});

interface Backend {
  name: string;
  proxy: () => FaultProxy;
  /** The destination flags, as argv for a run in this process. */
  argv: (prefix: string) => Record<string, string | boolean | string[]>;
  env: () => Record<string, string>;
  /** The method a write uses. */
  write: string;
  read(prefix: string, key: string): Promise<string | undefined>;
}

const backends: Backend[] = [
  {
    name: 'S3',
    proxy: () => s3Proxy,
    argv: (prefix) => ({
      dest: [`s3://test-bucket/${prefix}`],
      's3-endpoint': s3Proxy.url,
      's3-force-path-style': true,
    }),
    env: () => S3_CREDENTIALS_ENV,
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
    argv: (prefix) => ({ dest: [`gs://oidc-bucket/${prefix}`] }),
    env: () => ({ STORAGE_EMULATOR_HOST: gcsProxy.url }),
    write: 'POST',
    async read(prefix, key) {
      const file = storage.bucket('oidc-bucket').file(`${prefix}/${key}`);
      if (!(await file.exists())[0]) return undefined;
      return (await file.download())[0].toString();
    },
  },
];

/** The built CLI, as a process. */
async function publish(backend: Backend, prefix: string, keys: string[], extra: string[] = []) {
  const args = [
    'publish',
    '--from-keys',
    ...keys,
    '--issuer',
    ISSUER,
    ...cliFlags(backend.argv(prefix)),
    ...extra,
  ];
  const started = performance.now();
  const result = await runCli(args, { env: backend.env(), timeoutMs: 30_000 });
  return { ...result, elapsed: performance.now() - started };
}

/** A whole run in this process, each store call under `timeoutMs`. */
async function publishInProcess(backend: Backend, prefix: string, keys: string[], timeoutMs = 10_000) {
  const config = resolvePublishConfig(
    { 'from-keys': keys, issuer: ISSUER, ...backend.argv(prefix) },
    backend.env(),
  );
  config.store.timeoutMs = timeoutMs;
  const started = performance.now();
  const report = await runPublish(config, captureIo().io);
  return { report, error: publishFailure(report), elapsed: performance.now() - started };
}

const readAll = (backend: Backend, prefix: string) =>
  Promise.all([JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(prefix, key)));

const statusesOf = (report: PublishReport) =>
  report.destinations[0]?.objects.map((object) => `${object.kind}:${object.status}`);

/**
 * From now on the proxy stalls writes of this object and answers everything else. Gives the
 * writes that reach it from now on, in order, as the decoded request targets (path and query:
 * a GCS upload names its object in the query).
 */
function stallWritesOf(backend: Backend, prefix: string, key: string): string[] {
  const writes: string[] = [];
  backend.proxy().refuse(({ method, url }) => {
    if (method !== backend.write) return undefined;
    writes.push(decodeURIComponent(url));
    return decodeURIComponent(url).includes(`${prefix}/${key}`) ? STALL : undefined;
  });
  return writes;
}

// Each backend has its own proxy, prefix and process: nothing shared, so side by side.
describe.concurrent.each(backends)('a stalled $name store, the built CLI as a process', (backend) => {
  afterEach(() => backend.proxy().refuse(undefined));

  it('a stalled write of the discovery document: STORE_TIMEOUT, exit 1 just past the deadline, the one line, no write after it', async ({
    expect,
  }) => {
    const prefix = 'stalled-process';
    const [first, second] = keyFiles as [string, string];
    const before = await publishInProcess(backend, prefix, [first]);
    expect(before.error).toBeUndefined();
    const published = await readAll(backend, prefix);

    // The RSA key changes all three objects: the JWKS goes out, the discovery document stalls.
    const writes = stallWritesOf(backend, prefix, DISCOVERY_KEY);
    const run = await publish(
      backend,
      prefix,
      [first, second],
      ['--store-timeout-seconds', String(DEADLINE_SECONDS), '--output', 'json'],
    );
    expect(run.code).toBe(1);
    expect(run.elapsed).toBeGreaterThanOrEqual(DEADLINE_SECONDS * 1000);
    expect(run.elapsed).toBeLessThan(EXIT_WITHIN_MS);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: STORE_TIMEOUT: \S+stalled-process\/\.well-known\/openid-configuration: PUT got no answer within 1 s; the store is unreachable or stalled \(check the endpoint and the network, or raise --store-timeout-seconds\)$/,
    );
    const report = JSON.parse(run.stdout) as PublishReport;
    expect(statusesOf(report)).toEqual(['jwks:updated', 'discovery:failed', 'state:skipped']);
    // The JWKS, then the stalled write, the last the run made.
    expect(writes).toHaveLength(2);
    expect(writes[0]).toContain(`${prefix}/${JWKS_KEY}`);
    expect(writes[1]).toContain(`${prefix}/${DISCOVERY_KEY}`);

    // Consistent: the discovery document and the state are the ones before; the new JWKS is
    // out, and the discovery document published still points at it.
    const [jwks, discovery, state] = await readAll(backend, prefix);
    expect(discovery).toBe(published[1]);
    expect(state).toBe(published[2]);
    expect(JSON.parse(jwks ?? '{}').keys).toHaveLength(2);
  });
});

describe.each(backends)('a stalled $name store, a whole run in process', (backend) => {
  afterEach(() => backend.proxy().refuse(undefined));

  it('reads that never answer: STORE_TIMEOUT just past the deadline, nothing written', async () => {
    backend.proxy().refuse(({ method }) => (method === 'GET' || method === 'HEAD' ? STALL : undefined));
    backend.proxy().requests.length = 0;
    const run = await publishInProcess(backend, 'stalled-reads', [keyFiles[0] as string], 300);
    expect(run.error?.code).toBe('STORE_TIMEOUT');
    expect(run.error?.message).toMatch(
      /^\S+stalled-reads\/\S+: (HEAD|GET) got no answer within 0\.3 s; the store is unreachable or stalled \(check the endpoint and the network, or raise --store-timeout-seconds\)$/,
    );
    expect(run.elapsed).toBeGreaterThanOrEqual(290);
    expect(run.elapsed).toBeLessThan(5000);
    expect(backend.proxy().requests.filter((request) => request.startsWith(backend.write))).toEqual([]);
    expect(await readAll(backend, 'stalled-reads')).toEqual([undefined, undefined, undefined]);
  });

  it('a write of the JWKS that never answers: STORE_TIMEOUT, the writes after it not made; the next run completes', async () => {
    const prefix = 'stalled-openid';
    const [first, second] = keyFiles as [string, string];
    expect((await publishInProcess(backend, prefix, [first])).error).toBeUndefined();
    const published = await readAll(backend, prefix);

    const writes = stallWritesOf(backend, prefix, JWKS_KEY);
    const run = await publishInProcess(backend, prefix, [first, second], 300);
    expect(statusesOf(run.report)).toEqual(['jwks:failed', 'discovery:skipped', 'state:skipped']);
    expect(run.error?.code).toBe('STORE_TIMEOUT');
    expect(run.error?.message).toMatch(
      /^\S+stalled-openid\/openid\/v1\/jwks: PUT got no answer within 0\.3 s; /,
    );
    expect(writes).toHaveLength(1);
    // Nothing changed: the stalled proxy never forwarded the JWKS.
    expect(await readAll(backend, prefix)).toEqual(published);

    // Once the store answers again the next run completes what this one left.
    backend.proxy().refuse(undefined);
    const after = await publishInProcess(backend, prefix, [first, second]);
    expect(after.error).toBeUndefined();
    expect(statusesOf(after.report)).toEqual(['jwks:updated', 'discovery:updated', 'state:updated']);
  });
});

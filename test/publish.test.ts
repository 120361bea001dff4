/**
 * publish, run in-process against real servers: the HTTPS kube-apiserver stand-in as the
 * source, and s3rver, the firebase-tools GCS emulator and a temp folder as destinations.
 * Every backend must pass the same assertions; the clock is injected for key retention.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizeDiscovery, normalizeJwks } from '../src/core/documents.js';
import type { GatewayError } from '../src/core/errors.js';
import { etagOf } from '../src/core/render.js';
import { resolvePublishConfig } from '../src/publish/config.js';
import type { PublishReport } from '../src/publish/report.js';
import { publishFailure, runPublish } from '../src/publish/run.js';
import {
  captureIo,
  type FaultProxy,
  GCS_FORBIDDEN,
  GCS_UNIFORM_ACCESS,
  type Refusal,
  S3_ACCESS_DENIED,
  S3_ACLS_DISABLED,
  type StandInCredentials,
  startFaultProxy,
  writeStandInCredentials,
} from './publish.support.js';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  JWKS_PATH,
  randomToken,
  startApiServer,
} from './support/apiserver.js';
import { type GcsEmulator, startGcsEmulator } from './support/gcs-emulator.js';
import {
  S3_ACCESS_KEY_ID,
  S3_REGION,
  S3_SECRET_ACCESS_KEY,
  type S3TestServer,
  startS3Server,
} from './support/s3-server.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const JWKS_KEY = 'openid/v1/jwks';
const DISCOVERY_KEY = '.well-known/openid-configuration';
const STATE_KEY = '.kube-oidc-gateway/state.json';
const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3600_000;

interface Stored {
  body: Buffer;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  sha256?: string | undefined;
}

/** What the assertions need from a destination, read back with the backend's own client. */
interface Backend {
  name: 'S3' | 'GCS' | 'folder';
  dest: string;
  flags: Record<string, unknown>;
  recordsHeaders: boolean;
  read(key: string): Promise<Stored | undefined>;
  /** Every object key under the prefix. */
  keys(): Promise<string[]>;
  /** Keys written since the last reset, in order; the folder reports replaced files (their inode changes). */
  writes(): Promise<string[]>;
  /** Requests made since the last reset (undefined for a folder). */
  requests(): number | undefined;
  reset(): Promise<void>;
  /** Puts a fault proxy in front (S3/GCS); the returned flags/env point publish at it. */
  viaProxy?(proxy: FaultProxy): { flags: Record<string, unknown>; restore(): void };
  proxyTarget?: string;
}

let api: ApiServerStandIn;
let creds: StandInCredentials;
let s3: S3TestServer;
let s3Client: S3Client;
let gcs: GcsEmulator;
let restoreGcsEnv: () => void;
let storage: Storage;
let folder: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  const token = randomToken();
  [api, s3, gcs, folder] = await Promise.all([
    startApiServer({ tokens: [token], issuer: ISSUER, jwksUri: `${ISSUER}/openid/v1/jwks` }),
    startS3Server(),
    startGcsEmulator(),
    mkdtemp(join(tmpdir(), 'kog-publish-folder-')),
  ]);
  creds = await writeStandInCredentials(token, api.caCertPem);
  // The S3 SDK's default chain reads these, as it would in a pod or on a laptop.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
    AWS_REGION: S3_REGION,
  });
  restoreGcsEnv = gcs.applyEnv();
  s3Client = new S3Client(s3.clientConfig());
  storage = new Storage({ projectId: 'test' });
});

afterAll(async () => {
  s3Client?.destroy();
  restoreGcsEnv?.();
  process.env = savedEnv;
  await Promise.all([api?.close(), s3?.close(), gcs?.stop(), rm(folder, { recursive: true, force: true })]);
  await rm(creds.dir, { recursive: true, force: true });
});

function s3Backend(prefix: string): Backend {
  const full = (key: string) => `${prefix}/${key}`;
  return {
    name: 'S3',
    dest: `s3://test-bucket/${prefix}`,
    flags: { 's3-endpoint': s3.endpoint, 's3-force-path-style': true },
    recordsHeaders: true,
    async read(key) {
      try {
        const head = await s3Client.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: full(key) }));
        const object = await s3Client.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: full(key) }));
        const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
        return {
          body,
          contentType: head.ContentType,
          cacheControl: head.CacheControl,
          sha256: head.Metadata?.sha256,
        };
      } catch (error) {
        if ((error as Error).name === 'NotFound') return undefined;
        throw error;
      }
    },
    async keys() {
      const list = await s3Client.send(
        new ListObjectsV2Command({ Bucket: 'test-bucket', Prefix: `${prefix}/` }),
      );
      return (list.Contents ?? []).map((object) => (object.Key ?? '').slice(prefix.length + 1)).sort();
    },
    async writes() {
      return s3.requests
        .filter((r) => r.method === 'PUT' && r.path.startsWith(`/test-bucket/${prefix}/`))
        .map((r) => decodeURIComponent(r.path.slice(`/test-bucket/${prefix}/`.length)));
    },
    requests: () => s3.count({ pathPrefix: `/test-bucket/${prefix}/` }),
    async reset() {
      s3.resetRequests();
    },
    proxyTarget: s3.endpoint,
    viaProxy: (proxy) => ({ flags: { 's3-endpoint': proxy.url, 's3-force-path-style': true }, restore() {} }),
  };
}

function gcsBackend(bucket: string, prefix: string): Backend {
  const full = (key: string) => `${prefix}/${key}`;
  const mine = () =>
    gcs.requests.filter(
      (r) => r.url.includes(`/b/${bucket}/`) && r.url.includes(encodeURIComponent(`${prefix}/`)),
    );
  return {
    name: 'GCS',
    dest: `gs://${bucket}/${prefix}`,
    flags: {},
    recordsHeaders: true,
    async read(key) {
      const file = storage.bucket(bucket).file(full(key));
      if (!(await file.exists())[0]) return undefined;
      const [metadata] = await file.getMetadata();
      const [body] = await file.download();
      return {
        body,
        contentType: metadata.contentType,
        cacheControl: metadata.cacheControl,
        sha256: metadata.metadata?.sha256 as string | undefined,
      };
    },
    async keys() {
      const [files] = await storage.bucket(bucket).getFiles({ prefix: `${prefix}/` });
      return files.map((file) => file.name.slice(prefix.length + 1)).sort();
    },
    async writes() {
      return mine()
        .filter((r) => r.method === 'POST')
        .map((r) => (new URLSearchParams(r.url.split('?')[1]).get('name') ?? '').slice(prefix.length + 1));
    },
    requests: () => mine().length,
    async reset() {
      gcs.resetRequests();
    },
    proxyTarget: gcs.host,
    viaProxy: (proxy) => {
      process.env.STORAGE_EMULATOR_HOST = proxy.url;
      return {
        flags: {},
        restore: () => {
          process.env.STORAGE_EMULATOR_HOST = gcs.host;
        },
      };
    },
  };
}

function folderBackend(name: string): Backend {
  const root = join(folder, name);
  let inodes = new Map<string, number>();
  const list = async (): Promise<string[]> => {
    try {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => relative(root, join(entry.parentPath, entry.name)))
        .sort();
    } catch {
      return [];
    }
  };
  const snapshot = async () =>
    new Map(
      await Promise.all((await list()).map(async (key) => [key, (await stat(join(root, key))).ino] as const)),
    );
  return {
    name: 'folder',
    dest: root,
    flags: {},
    recordsHeaders: false,
    async read(key) {
      try {
        return { body: await readFile(join(root, key)) };
      } catch {
        return undefined;
      }
    },
    keys: list,
    async writes() {
      // Every write is a rename of a new file: a key whose inode changed was written.
      const now = await snapshot();
      return [...now].filter(([key, ino]) => inodes.get(key) !== ino).map(([key]) => key);
    },
    requests: () => undefined,
    async reset() {
      inodes = await snapshot();
    },
  };
}

function argvFor(backend: Backend, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dest: [backend.dest],
    'upstream-host': api.url,
    'sa-token-path': creds.tokenPath,
    'sa-ca-cert-path': creds.caPath,
    ...backend.flags,
    ...extra,
  };
}

interface Run {
  report?: PublishReport;
  error?: GatewayError;
  stdout: string;
  stderr: string;
}

async function publish(argv: Record<string, unknown>, now = T0): Promise<Run> {
  const { io, out } = captureIo(() => now);
  const report = await runPublish(resolvePublishConfig(argv, {}), io);
  return { report, error: publishFailure(report), ...out };
}

function expectedDocuments(maxAgeKids?: string[]) {
  const jwks = normalizeJwks(JSON.parse(api.jwksJson()), { pretty: true });
  const discovery = normalizeDiscovery(JSON.parse(api.discoveryJson()), {
    pretty: true,
    jwksUri: { mode: 'auto' },
  });
  if (maxAgeKids) expect(jwks.kids).toEqual(maxAgeKids);
  return { jwks, discovery };
}

function expectSameBodies(after: Array<Stored | undefined>, before: Array<Stored | undefined>): void {
  expect(after.map((stored) => stored?.body.toString())).toEqual(
    before.map((stored) => stored?.body.toString()),
  );
}

function statuses(run: Run): string[] {
  return (run.report ?? { destinations: [] }).destinations.flatMap((d) =>
    d.objects.map((o) => `${o.kind}:${o.status}`),
  );
}

const backends: Array<[string, () => Backend]> = [
  ['S3', () => s3Backend('cluster-1')],
  ['GCS', () => gcsBackend('oidc-bucket', 'cluster-1')],
  ['folder', () => folderBackend('cluster-1')],
];

// Each case continues from what the one before left in the store (first publish, then no change, ...),
// and the refusal cases expect what the ones before them wrote: run in order even with --sequence.shuffle.
describe('in order', { shuffle: false }, () => {
  describe.each(backends)('publish to %s', (_name, make) => {
    let backend: Backend;
    beforeAll(() => {
      backend = make();
    });
    afterEach(() => {
      api.setFault(DISCOVERY_PATH, undefined);
      api.setFault(JWKS_PATH, undefined);
    });

    it('creates both documents with the exact bytes, content type, cache control and sha256 metadata, JWKS first', async () => {
      await backend.reset();
      const run = await publish(argvFor(backend));
      expect(run.error).toBeUndefined();
      expect(statuses(run)).toEqual(['jwks:created', 'discovery:created', 'state:created']);

      const { jwks, discovery } = expectedDocuments();
      expect(await backend.keys()).toEqual([DISCOVERY_KEY, STATE_KEY, JWKS_KEY].sort());
      for (const [key, rendered] of [
        [JWKS_KEY, jwks],
        [DISCOVERY_KEY, discovery],
      ] as const) {
        const stored = await backend.read(key);
        expect(stored?.body.equals(rendered.body), key).toBe(true);
        if (backend.recordsHeaders) {
          expect(stored?.contentType).toBe('application/json');
          expect(stored?.cacheControl).toBe('public, max-age=300');
          expect(stored?.sha256).toBe(rendered.etag);
        }
      }
      // Keys before the document that points at them, the state last.
      expect(await backend.writes()).toEqual(
        backend.name === 'folder'
          ? [DISCOVERY_KEY, STATE_KEY, JWKS_KEY].sort()
          : [JWKS_KEY, DISCOVERY_KEY, STATE_KEY],
      );
      expect(run.stdout).toMatch(/^created +\S+openid\/v1\/jwks {2}\d+ bytes {2}2 keys \(added /m);
    });

    it('makes zero writes when nothing changed: one HEAD per document, one read of the state and of the JWKS', async () => {
      await backend.reset();
      const run = await publish(argvFor(backend));
      expect(run.error).toBeUndefined();
      expect(statuses(run)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      expect(await backend.writes()).toEqual([]);
      if (backend.name !== 'folder') expect(backend.requests()).toBe(4);
      if (backend.name === 'S3') {
        expect(s3.count({ method: 'HEAD' })).toBe(2);
        expect(s3.count({ method: 'GET' })).toBe(2);
      }
      expect(
        run.stdout
          .split('\n')
          .filter(Boolean)
          .every((line) => line.startsWith('unchanged ')),
      ).toBe(true);
    });

    it('rewrites when only the headers would change (--max-age), where the store keeps headers', async () => {
      await backend.reset();
      const run = await publish(argvFor(backend, { 'max-age': '60' }));
      expect(run.error).toBeUndefined();
      if (backend.recordsHeaders) {
        expect(statuses(run)).toEqual(['jwks:updated', 'discovery:updated', 'state:unchanged']);
        expect((await backend.read(JWKS_KEY))?.cacheControl).toBe('public, max-age=60');
        await publish(argvFor(backend));
      } else {
        expect(statuses(run)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      }
    });

    it.each([
      ['HTML from a proxy in the way', DISCOVERY_PATH, { kind: 'html' } as const, 'UPSTREAM_NOT_JSON'],
      ['a JWKS carrying a private key', JWKS_PATH, { kind: 'private-key' } as const, 'JWKS_PRIVATE_KEY'],
      ['HTTP 500', JWKS_PATH, { kind: 'status', status: 500 } as const, 'UPSTREAM_STATUS'],
    ])(
      'refuses %s: one-line error, nothing written, the published objects unchanged',
      async (_what, path, fault, code) => {
        const before = await Promise.all(
          [JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)),
        );
        api.addKey('EC'); // a change that would otherwise be published
        api.setFault(path, fault);
        await backend.reset();
        try {
          const run = await publish(argvFor(backend));
          expect(run.error?.code).toBe(code);
          expect(run.error?.message).not.toContain('\n');
          expect(await backend.writes()).toEqual([]);
          if (backend.name !== 'folder') expect(backend.requests()).toBe(0);
          const after = await Promise.all(
            [JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)),
          );
          expectSameBodies(after, before);
        } finally {
          api.removeKey(api.keys[api.keys.length - 1]?.kid ?? '');
        }
      },
    );

    it('keeps a rotated-out key for the retention window, then drops it; the state lives in the store', async () => {
      const [rsaKey, ecKey] = api.keys;
      const oldKid = rsaKey?.kid as string;
      const newKey = api.addKey('EC');
      api.removeKey(oldKid);
      try {
        // t0 + 5 min: the RSA key left the cluster. It stays published, and RS256 stays advertised.
        await backend.reset();
        const rotated = await publish(argvFor(backend), T0 + 5 * 60_000);
        expect(rotated.error).toBeUndefined();
        expect(statuses(rotated)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
        const keys = rotated.report?.destinations[0]?.keys;
        expect(keys?.kids).toEqual([ecKey?.kid, newKey.kid, oldKid]);
        expect(keys?.added).toEqual([newKey.kid]);
        expect(keys?.retained).toEqual([
          { kid: oldKid, removedAt: '2026-03-01T12:05:00Z', until: '2026-03-02T12:05:00Z' },
        ]);
        const published = JSON.parse((await backend.read(JWKS_KEY))?.body.toString() ?? '{}');
        expect(published.keys.map((key: { kid: string }) => key.kid)).toEqual([
          ecKey?.kid,
          newKey.kid,
          oldKid,
        ]);
        expect(rotated.stdout).toContain(`retained ${oldKid} until 2026-03-02T12:05:00Z`);
        const state = JSON.parse((await backend.read(STATE_KEY))?.body.toString() ?? '{}');
        expect(state.keys.find((record: { kid: string }) => record.kid === oldKid)).toMatchObject({
          firstSeen: '2026-03-01T12:00:00Z',
          removedAt: '2026-03-01T12:05:00Z',
        });

        // One second before the window ends: still there, and nothing is written.
        await backend.reset();
        const inside = await publish(argvFor(backend), T0 + 5 * 60_000 + 24 * HOUR - 1000);
        expect(statuses(inside)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
        expect(await backend.writes()).toEqual([]);

        // Window over: dropped from the JWKS, RS256 no longer advertised.
        await backend.reset();
        const after = await publish(argvFor(backend), T0 + 5 * 60_000 + 24 * HOUR);
        expect(statuses(after)).toEqual(['jwks:updated', 'discovery:updated', 'state:updated']);
        expect(after.report?.destinations[0]?.keys?.dropped).toEqual([oldKid]);
        const { jwks, discovery } = expectedDocuments([ecKey?.kid as string, newKey.kid]);
        expect((await backend.read(JWKS_KEY))?.body.equals(jwks.body)).toBe(true);
        expect((await backend.read(DISCOVERY_KEY))?.body.equals(discovery.body)).toBe(true);
        expect(JSON.parse(discovery.body.toString()).id_token_signing_alg_values_supported).toEqual([
          'ES256',
        ]);
      } finally {
        api.setKeys([rsaKey?.privateKey, ecKey?.privateKey].filter((key) => key !== undefined));
        await publish(argvFor(backend, { 'retain-removed-keys': '0' }));
      }
    });

    it('--dry-run writes nothing and shows the kids and lines that would change', async () => {
      const added = api.addKey('EC');
      try {
        await backend.reset();
        const run = await publish(argvFor(backend, { 'dry-run': true }));
        expect(run.error).toBeUndefined();
        expect(await backend.writes()).toEqual([]);
        expect(statuses(run)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
        expect(run.stdout).toMatch(/^dry run: nothing was written$/m);
        expect(run.stdout).toContain(`3 keys (added ${added.kid})`);
        expect(run.stdout).toContain(`    +       "kid": "${added.kid}",`);
        const jwks = run.report?.destinations[0]?.objects[0];
        expect(jwks?.diff?.some((line) => line.startsWith('+ ') && line.includes(added.kid))).toBe(true);
        expect(jwks?.previousEtag).toBe(etagOf((await backend.read(JWKS_KEY))?.body ?? Buffer.alloc(0)));
      } finally {
        api.removeKey(added.kid);
      }
    });

    it('fails when the key set would exceed 100 keys (the AWS limit), writing nothing', async () => {
      const extra = Array.from({ length: 99 }, () => api.addKey('EC'));
      try {
        await backend.reset();
        const run = await publish(argvFor(backend));
        expect(run.error?.code).toBe('PUBLISH_INVALID');
        expect(run.error?.message).toContain('101 keys');
        expect(await backend.writes()).toEqual([]);
      } finally {
        for (const key of extra) api.removeKey(key.kid);
      }
    });
  });

  describe.each([
    ['S3', () => s3Backend('refused'), S3_ACCESS_DENIED, S3_ACLS_DISABLED, 'bucket policy'],
    ['GCS', () => gcsBackend('oidc-bucket', 'refused'), GCS_FORBIDDEN, GCS_UNIFORM_ACCESS, 'allUsers'],
  ] as const)(
    'a bucket that refuses writes (%s, through a fault proxy)',
    (_name, make, denied, aclRefused, advice) => {
      let backend: Backend;
      let proxy: FaultProxy;
      let via: { flags: Record<string, unknown>; restore(): void };
      beforeAll(async () => {
        backend = make();
        proxy = await startFaultProxy(backend.proxyTarget as string);
        via = backend.viaProxy?.(proxy) as typeof via;
        const first = await publish(argvFor(backend, via.flags));
        expect(first.error).toBeUndefined();
      });
      afterAll(async () => {
        via?.restore();
        await proxy?.close();
      });
      afterEach(() => {
        proxy.refuse(undefined);
        proxy.requests.length = 0;
      });

      const refuseWritesTo = (key: string, refusal: Refusal) =>
        proxy.refuse(({ method, url }) =>
          (method === 'PUT' || method === 'POST') && decodeURIComponent(url).includes(key)
            ? refusal
            : undefined,
        );

      // Both cases change both documents: a new key, and a new jwks_uri that the discovery document must follow.
      const changed = () => ({ ...via.flags, 'jwks-uri': `${ISSUER}/keys.json` });

      it('JWKS refused: the discovery document is not written either, and both stay as they were', async () => {
        const before = await Promise.all(
          [JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)),
        );
        const added = api.addKey('RSA');
        proxy.refuse(({ method }) => (method === 'PUT' || method === 'POST' ? denied : undefined));
        proxy.requests.length = 0;
        try {
          await backend.reset();
          const run = await publish(argvFor(backend, changed()));
          expect(run.error?.code).toBe('STORE_ACCESS_DENIED');
          expect(run.error?.message).toMatch(/refused\/keys\.json: access denied \(HTTP 403/);
          expect(run.error?.message).not.toContain('\n');
          expect(statuses(run)).toEqual(['jwks:failed', 'discovery:skipped', 'state:skipped']);
          expect(await backend.writes()).toEqual([]);
          expect(proxy.requests.filter((r) => r.startsWith('PUT') || r.startsWith('POST'))).toHaveLength(1);
          const after = await Promise.all(
            [JWKS_KEY, DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)),
          );
          expectSameBodies(after, before);
          expect(await backend.read('keys.json')).toBeUndefined();
        } finally {
          api.removeKey(added.kid);
          proxy.requests.length = 0;
        }
      });

      it('discovery refused after the JWKS: the keys are out, the old discovery stays, the state is not advanced', async () => {
        const before = await Promise.all([DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)));
        const added = api.addKey('RSA');
        refuseWritesTo(DISCOVERY_KEY, denied);
        try {
          await backend.reset();
          const run = await publish(argvFor(backend, changed()));
          expect(run.error?.code).toBe('STORE_ACCESS_DENIED');
          expect(statuses(run)).toEqual(['jwks:created', 'discovery:failed', 'state:skipped']);
          expect(await backend.writes()).toEqual(['keys.json']);
          const after = await Promise.all([DISCOVERY_KEY, STATE_KEY].map((key) => backend.read(key)));
          expectSameBodies(after, before);
          // The discovery document still published points at the old JWKS, which is still there.
          expect(JSON.parse(after[0]?.body.toString() ?? '{}').jwks_uri).toBe(`${ISSUER}/openid/v1/jwks`);
          expect(await backend.read(JWKS_KEY)).toBeDefined();
          expect(JSON.parse((await backend.read('keys.json'))?.body.toString() ?? '{}').keys).toHaveLength(3);
        } finally {
          api.removeKey(added.kid);
          proxy.requests.length = 0;
        }
      });

      it('--public-read refused by the bucket: says what to do instead', async () => {
        proxy.refuse(({ method, url, headers }) =>
          (method === 'PUT' && headers['x-amz-acl'] === 'public-read') ||
          (method === 'POST' && url.includes('predefinedAcl=publicRead'))
            ? aclRefused
            : undefined,
        );
        await backend.reset();
        const run = await publish(argvFor(backend, { ...via.flags, 'public-read': true }));
        expect(run.error?.code).toBe('STORE_ACCESS_DENIED');
        expect(run.error?.message).toContain('refuses --public-read');
        expect(run.error?.message).toContain(advice);
        expect(run.error?.message).not.toContain('\n');
        expect(await backend.writes()).toEqual([]);
      });
    },
  );
});

describe('publish, other cases', () => {
  it('--public-read is recorded, so turning it on rewrites once and then nothing', async () => {
    const backend = s3Backend('public');
    expect((await publish(argvFor(backend))).error).toBeUndefined();
    const on = await publish(argvFor(backend, { 'public-read': true }));
    expect(statuses(on)).toEqual(['jwks:updated', 'discovery:updated', 'state:unchanged']);
    const put = s3.requests.filter((r) => r.method === 'PUT' && r.path.includes('/public/'));
    expect(put.length).toBeGreaterThan(0);
    await backend.reset();
    const again = await publish(argvFor(backend, { 'public-read': true }));
    expect(statuses(again)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
    expect(await backend.writes()).toEqual([]);
  });

  it('publishes to S3, GCS and a folder in one run, each reported on its own; one failing fails the run', async () => {
    const targets = [s3Backend('multi'), gcsBackend('oidc-bucket', 'multi'), folderBackend('multi')];
    const argv = { ...argvFor(targets[0] as Backend), dest: targets.map((backend) => backend.dest) };
    const run = await publish(argv);
    expect(run.error).toBeUndefined();
    expect(run.report?.destinations.map((d) => [d.destination, d.ok])).toEqual(
      targets.map((backend) => [backend.dest, true]),
    );
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(9);
    const bodies = await Promise.all(targets.map((backend) => backend.read(JWKS_KEY)));
    expect(bodies.every((stored) => stored?.body.equals(bodies[0]?.body as Buffer))).toBe(true);

    // A fourth destination that cannot work: a file is where the folder should be.
    const blocked = join(folder, 'blocked');
    await writeFile(blocked, 'a file, not a folder');
    const failing = await publish({ ...argv, dest: [...argv.dest, blocked] });
    expect(failing.error?.code).toBe('STORE_WRITE_FAILED');
    expect(failing.error?.message).toContain(blocked);
    expect(failing.report?.destinations.map((d) => d.ok)).toEqual([true, true, true, false]);
  });

  it('--check-public-url fetches both documents anonymously and compares the bytes', async () => {
    const backend = s3Backend('checked');
    const ok = await publish(
      argvFor(backend, { 'check-public-url': [`${s3.endpoint}/test-bucket/checked/`] }),
    );
    expect(ok.error).toBeUndefined();
    expect(ok.report?.publicChecks.map((check) => [check.kind, check.ok])).toEqual([
      ['discovery', true],
      ['jwks', true],
    ]);
    expect(ok.stdout).toMatch(
      /^public +http:\/\/127\.0\.0\.1:\d+\/test-bucket\/checked\/openid\/v1\/jwks {2}same bytes$/m,
    );

    const gcsOk = await publish({
      ...argvFor(gcsBackend('oidc-bucket', 'checked')),
      'check-public-url': [`${gcs.host}/oidc-bucket/checked`],
    });
    expect(gcsOk.error).toBeUndefined();

    const wrong = await publish(
      argvFor(backend, { 'check-public-url': [`${s3.endpoint}/test-bucket/elsewhere`] }),
    );
    expect(wrong.error?.code).toBe('PUBLIC_CHECK_FAILED');
    expect(wrong.error?.message).toMatch(
      /elsewhere\/\.well-known\/openid-configuration: HTTP 404 \(wrong base URL or prefix\?\) \(and 1 more\)$/,
    );
  });

  it('a folder: a JWKS write that fails leaves the discovery document as it was', async () => {
    const backend = folderBackend('blocked-jwks');
    expect((await publish(argvFor(backend))).error).toBeUndefined();
    const before = await backend.read(DISCOVERY_KEY);
    // The new jwks_uri would put the JWKS under keys/, where a file is in the way.
    await writeFile(join(backend.dest, 'keys'), 'not a directory');
    const run = await publish(argvFor(backend, { 'jwks-uri': `${ISSUER}/keys/jwks.json` }));
    expect(run.error?.code).toBe('STORE_WRITE_FAILED');
    expect(run.error?.message).toMatch(/cannot write \S+blocked-jwks\/keys\/jwks\.json: (EEXIST|ENOTDIR)$/);
    expect(statuses(run)).toEqual(['jwks:failed', 'discovery:skipped', 'state:unchanged']);
    expect((await backend.read(DISCOVERY_KEY))?.body.equals(before?.body as Buffer)).toBe(true);
  });

  it('refuses an issuer that is not https before touching any destination', async () => {
    const token = randomToken();
    const plain = await startApiServer({ tokens: [token], issuer: 'http://oidc.example.com', pki: api.pki });
    const backend = folderBackend('plain-issuer');
    try {
      const tokenFile = join(creds.dir, 'plain-token');
      await writeFile(tokenFile, token);
      const run = await publish({
        ...argvFor(backend),
        'upstream-host': plain.url,
        'sa-token-path': tokenFile,
      });
      expect(run.error?.code).toBe('DISCOVERY_INVALID');
      expect(run.error?.message).toBe('discovery document: issuer "http://oidc.example.com" is not https');
      expect(await backend.keys()).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('warns when it rewrites a jwks_uri off the issuer origin, and refuses one no object can serve', async () => {
    const token = randomToken();
    // Without --service-account-jwks-uri kube-apiserver advertises its own address.
    const bare = await startApiServer({ tokens: [token], issuer: ISSUER, pki: api.pki });
    const tokenFile = join(creds.dir, 'bare-token');
    await writeFile(tokenFile, token);
    const backend = folderBackend('bare');
    const argv = { ...argvFor(backend), 'upstream-host': bare.url, 'sa-token-path': tokenFile };
    try {
      const auto = await publish(argv);
      expect(auto.error).toBeUndefined();
      expect(auto.stderr).toBe(
        `warning: jwks_uri ${bare.url}/openid/v1/jwks is not on the issuer's origin; publishing ${ISSUER}/openid/v1/jwks instead (--jwks-uri auto)\n`,
      );
      const keep = await publish({ ...argv, 'jwks-uri': 'keep' });
      expect(keep.error?.code).toBe('PUBLISH_INVALID');
      expect(keep.error?.message).toContain('is not under the issuer');
    } finally {
      await bare.close();
    }
  });

  it('adopts a JWKS published without a state object: its keys are retained, not dropped', async () => {
    const backend = s3Backend('adopted');
    const extra = api.addKey('EC');
    expect((await publish(argvFor(backend))).error).toBeUndefined();
    api.removeKey(extra.kid);
    await s3Client.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({
        Bucket: 'test-bucket',
        Key: `adopted/${STATE_KEY}`,
      }),
    );
    const run = await publish(argvFor(backend), T0 + HOUR);
    expect(run.report?.destinations[0]?.keys?.retained.map((key) => key.kid)).toEqual([extra.kid]);
    expect(statuses(run)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:created']);
  });

  it('stops on a damaged state object rather than dropping retained keys', async () => {
    const backend = folderBackend('damaged');
    expect((await publish(argvFor(backend))).error).toBeUndefined();
    await writeFile(join(backend.dest, STATE_KEY), '{"version": 2}');
    const run = await publish(argvFor(backend));
    expect(run.error?.code).toBe('STORE_READ_FAILED');
    expect(run.error?.message).toContain(
      'state.json: the retention state is not version 1; fix or delete it',
    );
  });
});

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type BlobServiceClient as AzureBlobService, BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT } from './azurite.js';
import { type GcsEmulator, startGcsEmulator } from './gcs-emulator.js';
import { createTestPki, type TestPki } from './pki.js';
import { type S3TestServer, startS3Server } from './s3-server.js';
import { type SharedAzurite, sharedAzurite } from './shared-azurite.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Anonymous request with Node's http(s) client (no SDK, no auth), trusting `ca` if given. */
function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ...(opts.ca ? { ca: opts.ca } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const DOC_KEY = '.well-known/openid-configuration';
const DOC = Buffer.from(
  JSON.stringify({ issuer: 'https://issuer.example', jwks_uri: 'https://x/openid/v1/jwks' }),
);
const SHA = '"abc"';

describe('s3rver harness (HTTP)', () => {
  let s3: S3TestServer;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3Server();
    client = new S3Client(s3.clientConfig());
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });
  afterEach(() => s3.resetRequests());

  /** Each test writes what it reads: none depends on another's objects (the suite runs shuffled). */
  async function putDoc(): Promise<void> {
    await client.send(
      new PutObjectCommand({
        Bucket: 'test-bucket',
        Key: DOC_KEY,
        Body: DOC,
        ContentType: 'application/json',
        CacheControl: 'public, max-age=300',
        Metadata: { sha256: SHA },
      }),
    );
    s3.resetRequests();
  }

  it('listens on 127.0.0.1 with a fresh dir and the default bucket', () => {
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    expect(s3.port).toBeGreaterThan(0);
    expect(s3.dir).toContain('kog-s3rver-');
    expect(s3.buckets).toEqual(['test-bucket']);
  });

  it('PutObject then HeadObject/GetObject round-trip bytes and metadata; requests are counted', async () => {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'test-bucket',
        Key: DOC_KEY,
        Body: DOC,
        ContentType: 'application/json',
        CacheControl: 'public, max-age=300',
        Metadata: { sha256: SHA },
      }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const head = await client.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: DOC_KEY }));
    expect(head.ContentType).toBe('application/json');
    expect(head.CacheControl).toBe('public, max-age=300');
    expect(head.Metadata).toEqual({ sha256: SHA });
    expect(head.ETag).toBe(put.ETag);
    expect(head.ContentLength).toBe(DOC.length);

    const get = await client.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: DOC_KEY }));
    const bytes = Buffer.from(
      await (get.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(DOC)).toBe(true);
    expect(get.Metadata).toEqual({ sha256: SHA });
    expect(get.ContentType).toBe('application/json');

    expect(s3.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /test-bucket/${DOC_KEY}`,
      `HEAD /test-bucket/${DOC_KEY}`,
      `GET /test-bucket/${DOC_KEY}`,
    ]);
    expect(s3.count()).toBe(3);
    expect(s3.count({ method: 'PUT' })).toBe(1);
    expect(s3.count({ method: 'get' })).toBe(1);
    expect(s3.count({ method: ['PUT', 'POST', 'DELETE'] })).toBe(1);
    expect(s3.writeCount()).toBe(1);
    expect(s3.count({ pathPrefix: '/test-bucket/.well-known/' })).toBe(3);

    s3.resetRequests();
    await client.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: DOC_KEY }));
    expect(s3.count()).toBe(1);
    expect(s3.writeCount()).toBe(0);
  });

  it('serves the object to an anonymous GET/HEAD with the stored headers', async () => {
    await putDoc();
    const url = s3.objectUrl('test-bucket', DOC_KEY);
    expect(url).toBe(`${s3.endpoint}/test-bucket/.well-known/openid-configuration`);
    const res = await rawRequest(url);
    expect(res.status).toBe(200);
    expect(res.body).toBe(DOC.toString());
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers['x-amz-meta-sha256']).toBe(SHA);
    expect(res.headers['content-length']).toBe(String(DOC.length));
    expect(res.headers['last-modified']).toBeTruthy();

    const head = await rawRequest(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(res.headers.etag);

    const encoded = await rawRequest(`${s3.endpoint}/test-bucket/.well-known%2Fopenid-configuration`);
    expect(encoded.status).toBe(200);

    const notModified = await rawRequest(url, { headers: { 'if-none-match': String(res.headers.etag) } });
    expect(notModified.status).toBe(304);

    const missing = await rawRequest(`${s3.endpoint}/test-bucket/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<Code>NoSuchKey</Code>');
    expect(s3.writeCount()).toBe(0);
  });

  it('accepts ACL public-read but ignores it (stub GetObjectAcl, PutObjectAcl not implemented)', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'test-bucket', Key: 'acl.json', Body: '{}', ACL: 'public-read' }),
    );
    const acl = await client.send(new GetObjectAclCommand({ Bucket: 'test-bucket', Key: 'acl.json' }));
    expect(acl.Grants).toHaveLength(1);
    expect(acl.Grants?.[0]?.Grantee?.ID).toBe('abc');
    await expect(
      client.send(new PutObjectAclCommand({ Bucket: 'test-bucket', Key: 'acl.json', ACL: 'public-read' })),
    ).rejects.toMatchObject({ name: 'NotImplemented' });
    // No ContentType given: the SDK itself sends application/octet-stream.
    const res = await rawRequest(s3.objectUrl('test-bucket', 'acl.json'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
  });

  it('needs no auth for writes either, and ignores conditional PutObject (IfNoneMatch)', async () => {
    const anon = await rawRequest(s3.objectUrl('test-bucket', 'anon.json'), {
      method: 'PUT',
      body: '{"a":1}',
    });
    expect(anon.status).toBe(200);
    // Stored without a Content-Type: s3rver's default.
    expect((await rawRequest(s3.objectUrl('test-bucket', 'anon.json'))).headers['content-type']).toBe(
      'binary/octet-stream',
    );
    await client.send(
      new PutObjectCommand({ Bucket: 'test-bucket', Key: 'anon.json', Body: '{"a":2}', IfNoneMatch: '*' }),
    );
    const res = await rawRequest(s3.objectUrl('test-bucket', 'anon.json'));
    expect(res.body).toBe('{"a":2}');
    expect(s3.writeCount()).toBe(2);
  });

  it('rejects an unknown access key id', async () => {
    const bad = new S3Client({
      ...s3.clientConfig(),
      credentials: { accessKeyId: 'NOPE', secretAccessKey: 'x' },
    });
    try {
      await expect(
        bad.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: DOC_KEY })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      bad.destroy();
    }
  });
});

describe('s3rver harness: options and lifecycle', () => {
  it('configures the given buckets and can run several servers at once', async () => {
    const a = await startS3Server({ buckets: ['one', 'two'] });
    const b = await startS3Server();
    const client = new S3Client(a.clientConfig());
    try {
      expect(a.port).not.toBe(b.port);
      await client.send(new PutObjectCommand({ Bucket: 'two', Key: 'k', Body: 'v' }));
      await expect(
        client.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: 'k', Body: 'v' })),
      ).rejects.toMatchObject({
        name: 'NoSuchBucket',
      });
      expect(a.count({ method: 'PUT' })).toBe(2);
      expect(b.count()).toBe(0);
    } finally {
      client.destroy();
      await a.close();
      await b.close();
    }
    // close() is idempotent
    await a.close();
  });
});

describe('s3rver harness (HTTPS)', () => {
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

  it('serves HTTPS to the SDK and to an anonymous GET trusting the test CA', async () => {
    expect(s3.endpoint).toBe(`https://127.0.0.1:${s3.port}`);
    const client = new S3Client(s3.clientConfig());
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: 'test-bucket',
          Key: DOC_KEY,
          Body: DOC,
          ContentType: 'application/json',
          CacheControl: 'public, max-age=300',
          Metadata: { sha256: SHA },
        }),
      );
      const head = await client.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: DOC_KEY }));
      expect(head.Metadata).toEqual({ sha256: SHA });
    } finally {
      client.destroy();
    }

    const res = await rawRequest(s3.objectUrl('test-bucket', DOC_KEY), { ca: pki.caCertPem });
    expect(res.status).toBe(200);
    expect(res.body).toBe(DOC.toString());
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('public, max-age=300');

    // Without the CA the certificate is rejected.
    await expect(rawRequest(s3.objectUrl('test-bucket', DOC_KEY))).rejects.toThrow(/certificate/i);
    expect(s3.count({ method: 'PUT' })).toBe(1);
    expect(s3.count({ method: 'GET' })).toBe(1);
  });
});

describe('GCS emulator harness (firebase-tools Storage emulator, in-process)', () => {
  let gcs: GcsEmulator;
  let restoreEnv: () => void;
  let storage: Storage;

  beforeAll(async () => {
    gcs = await startGcsEmulator();
    restoreEnv = gcs.applyEnv();
    storage = new Storage({ projectId: 'test' });
  });
  afterAll(async () => {
    restoreEnv?.();
    await gcs?.stop();
  });
  afterEach(() => gcs.resetRequests());

  /** Each test writes what it reads: none depends on another's objects (the suite runs shuffled). */
  async function saveDoc(): Promise<void> {
    await storage
      .bucket('b')
      .file(DOC_KEY)
      .save(DOC, {
        contentType: 'application/json',
        metadata: { cacheControl: 'public, max-age=300', metadata: { sha256: SHA } },
        resumable: false,
      });
    gcs.resetRequests();
  }

  it('serves @google-cloud/storage: save, getMetadata, download; requests are counted', async () => {
    expect(gcs.host).toBe(`http://127.0.0.1:${gcs.port}`);
    expect(process.env.STORAGE_EMULATOR_HOST).toBe(gcs.host);
    const file = storage.bucket('b').file(DOC_KEY);
    await file.save(DOC, {
      contentType: 'application/json',
      metadata: { cacheControl: 'public, max-age=300', metadata: { sha256: SHA } },
      resumable: false,
    });
    expect(gcs.writeCount()).toBe(1);
    expect(gcs.count({ method: 'POST', pathPrefix: '/upload/storage/v1/b/b/o' })).toBe(1);

    const [md] = await file.getMetadata();
    expect(md.contentType).toBe('application/json');
    expect(md.cacheControl).toBe('public, max-age=300');
    expect(md.metadata).toEqual({ sha256: SHA });
    expect(md.size).toBe(String(DOC.length));
    expect(md.md5Hash).toMatch(/==$/);
    const [bytes] = await file.download();
    expect(bytes.equals(DOC)).toBe(true);

    expect(gcs.count()).toBe(3);
    expect(gcs.count({ method: 'GET' })).toBe(2);
    expect(gcs.writeCount()).toBe(1);
    expect(file.publicUrl()).toBe(`${gcs.host}/b/.well-known%2Fopenid-configuration`);
  });

  it('serves the object anonymously at the public and media download URLs', async () => {
    await saveDoc();
    const [md] = await storage.bucket('b').file(DOC_KEY).getMetadata();
    gcs.resetRequests();
    const urls = [
      gcs.objectUrl('b', DOC_KEY),
      `${gcs.host}/b/.well-known%2Fopenid-configuration`,
      `${gcs.host}/download/storage/v1/b/b/o/.well-known%2Fopenid-configuration?alt=media`,
      `${gcs.host}/b/b/o/.well-known%2Fopenid-configuration?alt=media`,
      String(md.mediaLink),
    ];
    expect(urls[0]).toBe(`${gcs.host}/b/.well-known/openid-configuration`);
    expect(urls[4]).toMatch(new RegExp(`^${gcs.host}/download/storage/v1/b/b/o/`));
    for (const url of urls) {
      const res = await rawRequest(url);
      expect(res.status, url).toBe(200);
      expect(res.body).toBe(DOC.toString());
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.headers.etag).toBe(md.etag);
      expect(res.headers['x-goog-hash']).toContain(`md5=${md.md5Hash}`);
      expect(res.headers['x-amz-meta-sha256']).toBeUndefined();
      expect(res.headers['x-goog-meta-sha256']).toBeUndefined();
    }
    const missing = await rawRequest(gcs.objectUrl('b', 'nope.json'));
    expect(missing.status).toBe(404);
    expect(gcs.count({ method: 'GET' })).toBe(urls.length + 1);
    expect(gcs.writeCount()).toBe(0);
  });

  it('etag follows generation, not content; ifGenerationMatch is ignored', async () => {
    await saveDoc();
    const file = storage.bucket('b').file(DOC_KEY);
    const [before] = await file.getMetadata();
    await file.save(DOC, {
      contentType: 'application/json',
      resumable: false,
      preconditionOpts: { ifGenerationMatch: 1 },
    });
    const [after] = await file.getMetadata();
    expect(after.generation).not.toBe(before.generation);
    expect(after.etag).not.toBe(before.etag);
    expect(after.md5Hash).toBe(before.md5Hash);
    // A fresh upload replaces custom metadata.
    expect(after.metadata).toBeUndefined();
  });

  it('reset() empties the store', async () => {
    await saveDoc();
    expect((await storage.bucket('b').file(DOC_KEY).exists())[0]).toBe(true);
    gcs.reset();
    const [exists] = await storage.bucket('b').file(DOC_KEY).exists();
    expect(exists).toBe(false);
  });

  it('refuses a second concurrent emulator in the same process', async () => {
    await expect(startGcsEmulator()).rejects.toThrow(/already running/);
  });
});

describe('GCS emulator harness: restart', () => {
  it('can be stopped and started again in the same process, with an empty store', async () => {
    for (let i = 0; i < 2; i++) {
      const gcs = await startGcsEmulator({ projectId: 'again' });
      const restore = gcs.applyEnv();
      try {
        const storage = new Storage({ projectId: 'again' });
        const file = storage.bucket('r').file('x.json');
        expect((await file.exists())[0]).toBe(false);
        await file.save('{"i":1}', { contentType: 'application/json', resumable: false });
        expect((await file.download())[0].toString()).toBe('{"i":1}');
        expect(gcs.writeCount()).toBe(1);
      } finally {
        restore();
        await gcs.stop();
      }
      await gcs.stop();
      await expect(rawRequest(gcs.objectUrl('r', 'x.json'))).rejects.toThrow(/ECONNREFUSED/);
    }
  });
});

describe('Azurite harness (Blob service, child process, in memory)', () => {
  let azurite: SharedAzurite;
  let service: AzureBlobService;
  let containers = 0;

  beforeAll(async () => {
    azurite = await sharedAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString());
  });

  /** A container of this test's own, with the document in it. */
  async function containerWithDoc(access?: 'blob') {
    const container = service.getContainerClient(`harness-${++containers}`);
    await container.create(access ? { access } : {});
    await container.getBlockBlobClient(DOC_KEY).upload(DOC, DOC.length, {
      blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'public, max-age=300' },
      metadata: { sha256: SHA },
    });
    return container;
  }

  it('listens on 127.0.0.1, path-style, and takes the current SDK (API version check skipped)', () => {
    expect(azurite.endpoint).toBe(`http://127.0.0.1:${azurite.port}/${AZURITE_ACCOUNT}`);
    expect(service.accountName).toBe(AZURITE_ACCOUNT);
    expect(azurite.connectionString('http://127.0.0.1:1/x')).toContain(';BlobEndpoint=http://127.0.0.1:1/x;');
  });

  it('Put Blob then Get Blob Properties and Get Blob round-trip bytes, headers and metadata', async () => {
    const blob = (await containerWithDoc()).getBlockBlobClient(DOC_KEY);
    const properties = await blob.getProperties();
    expect(properties.contentType).toBe('application/json');
    expect(properties.cacheControl).toBe('public, max-age=300');
    expect(properties.metadata).toEqual({ sha256: SHA });
    expect(properties.contentLength).toBe(DOC.length);
    expect((await blob.downloadToBuffer()).equals(DOC)).toBe(true);
  });

  it('a missing blob or container: 404 with x-ms-error-code, the only code a HEAD gets', async () => {
    const container = await containerWithDoc();
    const missing = [
      [container.getBlockBlobClient('no/such/blob'), 'BlobNotFound'],
      [service.getContainerClient('absent').getBlockBlobClient(DOC_KEY), 'ContainerNotFound'],
    ] as const;
    for (const [blob, code] of missing) {
      // A HEAD has no body: the SDK's error has no code of its own, only the header's.
      const error = await blob.getProperties().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ statusCode: 404, details: { errorCode: code } });
      expect((error as { code?: string }).code).toBeUndefined();
      // Get Blob has a body, and its code too.
      await expect(blob.download()).rejects.toMatchObject({ statusCode: 404, code });
    }
  });

  it('anonymous reads: refused on a private container, served with the stored headers on a public one', async () => {
    const [closed, open] = await Promise.all([containerWithDoc(), containerWithDoc('blob')]);
    const refused = await rawRequest(closed.getBlockBlobClient(DOC_KEY).url);
    expect(refused.status).toBe(403);
    expect(refused.headers['x-ms-error-code']).toBe('AuthorizationFailure');
    const served = await rawRequest(open.getBlockBlobClient(DOC_KEY).url);
    expect(served.status).toBe(200);
    expect(served.body).toBe(DOC.toString());
    expect(served.headers['content-type']).toBe('application/json');
    expect(served.headers['cache-control']).toBe('public, max-age=300');
    expect(served.headers['x-ms-meta-sha256']).toBe(SHA);
  });
});

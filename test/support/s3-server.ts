/**
 * Test harness: a real S3 protocol server (s3rver 3.7.1) on 127.0.0.1, in this process.
 *
 * Facts about s3rver 3.7.1, checked against @aws-sdk/client-s3 3.x (see object-servers.test.ts):
 *
 * - Auth: a request with NO auth (no Authorization header, no Signature / X-Amz-Algorithm query) is
 *   served without any check, for every operation: anonymous GET/HEAD of `/<bucket>/<key>` works (200),
 *   and so would an anonymous PUT or DELETE. A signed request must use a known access key
 *   (`S3RVER`, else 403 InvalidAccessKeyId); SigV4 signatures themselves are NOT verified, so any
 *   secret works with that key id.
 * - Anonymous GET/HEAD of an object uploaded with ContentType, CacheControl and Metadata {sha256}
 *   returns `Content-Type` and `Cache-Control` exactly as stored, `Content-Length`, `Last-Modified`,
 *   `Accept-Ranges: bytes`, `ETag: "<hex md5 of the bytes>"` (quoted, the same value PutObject
 *   returns) and the user metadata as `x-amz-meta-sha256` (value verbatim, quotes included).
 *   `If-None-Match: <etag>` gives 304. An unknown key gives 404 with an XML `NoSuchKey` body.
 *   A key with `/` may be requested as `/<bucket>/.well-known/x` or with `%2F`; both work.
 *   Without ContentType the SDK sends (so s3rver stores) `application/octet-stream`; an object PUT
 *   with no Content-Type header at all is served as `binary/octet-stream`.
 * - HeadObject/GetObject through the SDK return `Metadata` ({ sha256: ... }), `ContentType`,
 *   `CacheControl` and `ETag` as stored. Only these headers are stored: cache-control,
 *   content-disposition, content-encoding, content-language, content-type, expires,
 *   x-amz-storage-class, x-amz-website-redirect-location and x-amz-meta-*.
 * - ACL: PutObject with `ACL: 'public-read'` is accepted (200) but ignored: `x-amz-acl` is not stored,
 *   GetObjectAcl is a fixed stub (one FULL_CONTROL grant to a dummy owner), PutObjectAcl (`?acl`)
 *   answers 501 NotImplemented, and objects are publicly readable whatever their ACL.
 * - Bodies: send Buffers or strings. A stream body is sent aws-chunked by the current SDK and
 *   s3rver stores the chunk framing as content (unless the client has
 *   `requestChecksumCalculation: 'WHEN_REQUIRED'`). `clientConfig()` does not set that option,
 *   so it stays as close to production defaults as possible.
 * - Conditional writes are not implemented: PutObject with `IfNoneMatch: '*'` (or `IfMatch`) is
 *   ignored and overwrites. If-None-Match is honoured only on GET/HEAD.
 * - TLS: with `key`/`cert` s3rver serves HTTPS (node https.createServer with the same options).
 *
 * Every HTTP request the server receives is recorded in `requests` (listener on the underlying
 * http(s) server's 'request' event, so errors and 404s count too).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { Agent } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as received (not decoded). */
  path: string;
  /** The raw request target, query string included. */
  url: string;
}

export interface RequestFilter {
  method?: string | string[];
  /** Only requests whose path starts with this. */
  pathPrefix?: string;
}

/** Methods that change state on S3 or GCS. */
export const WRITE_METHODS = ['PUT', 'POST', 'PATCH', 'DELETE'] as const;

export interface S3TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA to trust in `clientConfig()`; without it the SDK uses Node's default trust store. */
  ca?: string | Buffer;
}

export interface S3ServerOptions {
  tls?: S3TlsOptions;
  /** Buckets created before the server starts; default `['test-bucket']`. */
  buckets?: string[];
}

export interface S3TestServer {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  endpoint: string;
  port: number;
  /** Fresh temp directory holding the buckets; removed by `close()`. */
  dir: string;
  buckets: string[];
  requests: RecordedRequest[];
  count(filter?: RequestFilter): number;
  /** Number of PUT/POST/PATCH/DELETE requests received. */
  writeCount(): number;
  resetRequests(): void;
  /** Config for `new S3Client(...)`: path-style, region us-east-1, the S3RVER key, the CA if given. */
  clientConfig(): S3ClientConfig;
  /** Public URL of an object (`<endpoint>/<bucket>/<key>`), readable anonymously. */
  objectUrl(bucket: string, key: string): string;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';
export const S3_REGION = 'us-east-1';
/** s3rver's account as the AWS SDK's default chain reads it, in a pod or on a laptop: for a run's environment. */
export const S3_CREDENTIALS_ENV = {
  AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
  AWS_REGION: S3_REGION,
} as const;

export function createRequestLog() {
  const requests: RecordedRequest[] = [];
  const record = (method: string | undefined, url: string | undefined): void => {
    const raw = url ?? '';
    const q = raw.indexOf('?');
    requests.push({ method: method ?? '', path: q === -1 ? raw : raw.slice(0, q), url: raw });
  };
  const count = (filter: RequestFilter = {}): number => {
    const methods =
      filter.method === undefined
        ? undefined
        : (Array.isArray(filter.method) ? filter.method : [filter.method]).map((m) => m.toUpperCase());
    return requests.filter(
      (r) =>
        (methods === undefined || methods.includes(r.method)) &&
        (filter.pathPrefix === undefined || r.path.startsWith(filter.pathPrefix)),
    ).length;
  };
  return {
    requests,
    record,
    count,
    writeCount: () => count({ method: [...WRITE_METHODS] }),
    resetRequests: () => {
      requests.length = 0;
    },
  };
}

export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3TestServer> {
  const S3rver = require('s3rver') as S3rverCtor;
  const buckets = opts.buckets ?? ['test-bucket'];
  const dir = await mkdtemp(join(tmpdir(), 'kog-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const log = createRequestLog();
  server.httpServer.prependListener('request', (req) => log.record(req.method, req.url));

  const scheme = opts.tls ? 'https' : 'http';
  const endpoint = `${scheme}://127.0.0.1:${address.port}`;
  const ca = opts.tls?.ca;
  const agent = ca === undefined ? undefined : new Agent({ ca, keepAlive: true });
  let closed = false;

  return {
    endpoint,
    port: address.port,
    dir,
    buckets,
    requests: log.requests,
    count: log.count,
    writeCount: log.writeCount,
    resetRequests: log.resetRequests,
    clientConfig: () => ({
      endpoint,
      forcePathStyle: true,
      region: S3_REGION,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
      ...(agent ? { requestHandler: { httpsAgent: agent } } : {}),
    }),
    objectUrl: (bucket, key) => `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    close: async () => {
      if (closed) return;
      closed = true;
      // Keep-alive sockets from SDK clients would make server.close() wait for their idle timeout.
      server.httpServer.closeAllConnections();
      await server.close();
      agent?.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

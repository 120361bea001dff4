/**
 * The store contract on S3: s3rver, reached through the fault proxy (test/publish.support.ts)
 * that sees every request the store makes and refuses or stalls the ones a test picks with
 * S3's own replies. What landed is s3rver's own request log; what it holds is read with an
 * S3 client of its own, straight from s3rver.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { openStore } from '../../src/stores/open.js';
import {
  type FaultProxy,
  type FaultRule,
  type ProxiedRequest,
  S3_ACCESS_DENIED,
  S3_ACLS_DISABLED,
  STALL,
  startFaultProxy,
} from '../publish.support.js';
import { S3_CREDENTIALS_ENV, S3_REGION, type S3TestServer, startS3Server } from '../support/s3-server.js';
import { describeStoreContract, literally, type ObservedCall, type StoreSite } from './contract.js';

const BUCKET = 'test-bucket';
let s3: S3TestServer;
let proxy: FaultProxy;
let client: S3Client;
let sites = 0;
/** Every request through the proxy, in order. */
const seen: ProxiedRequest[] = [];
/** Each site's refusal or stall, if any: a rule matches only its own site's objects. */
const faults = new Map<string, FaultRule>();
const savedEnv = { ...process.env };

describeStoreContract({
  name: 'S3',
  async start() {
    s3 = await startS3Server();
    proxy = await startFaultProxy(s3.endpoint);
    proxy.refuse((request) => {
      seen.push(request);
      for (const rule of faults.values()) {
        const answer = rule(request);
        if (answer) return answer;
      }
      return undefined;
    });
    client = new S3Client(s3.clientConfig());
    // The SDK's default chain reads these, as it does in a pod or on a laptop.
    Object.assign(process.env, S3_CREDENTIALS_ENV);
  },
  async stop() {
    process.env = savedEnv;
    client?.destroy();
    await proxy?.close();
    await s3?.close();
  },
  async site(): Promise<StoreSite> {
    const prefix = `site-${++sites}`;
    const base = `/${BUCKET}/${prefix}/`;
    const keyOf = (path: string) =>
      path.startsWith(base) ? decodeURIComponent(path.slice(base.length)) : undefined;
    let seenMark = 0;
    let landedMark = 0;
    const locate = (key: string) => `s3://${BUCKET}/${prefix}/${key}`;
    return {
      description: `s3://${BUCKET}/${prefix}`,
      locate,
      recordsHeaders: true,
      open: (timeoutMs = 10_000) =>
        openStore(
          { kind: 's3', bucket: BUCKET, prefix, description: `s3://${BUCKET}/${prefix}` },
          { timeoutMs, s3Endpoint: proxy.url, s3ForcePathStyle: true, s3Region: S3_REGION },
        ),
      async readBack(key) {
        let head: HeadObjectCommandOutput;
        try {
          head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}` }));
        } catch (error) {
          if ((error as Error).name === 'NotFound') return undefined;
          throw error;
        }
        const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}` }));
        return {
          body: Buffer.from((await object.Body?.transformToByteArray()) ?? []),
          contentType: head.ContentType,
          cacheControl: head.CacheControl,
          sha256: head.Metadata?.sha256,
          publicRead: head.Metadata?.acl === 'public-read',
        };
      },
      async mark() {
        seenMark = seen.length;
        landedMark = s3.requests.length;
      },
      calls: () =>
        seen.slice(seenMark).flatMap((request): ObservedCall[] => {
          const key = keyOf(request.path);
          const op = ({ HEAD: 'head', GET: 'get', PUT: 'put' } as const)[request.method as 'HEAD'];
          return key !== undefined && op ? [{ op, key }] : [];
        }),
      writes: async () =>
        s3.requests.slice(landedMark).flatMap((request) => {
          const key = keyOf(request.path);
          return request.method === 'PUT' && key !== undefined ? [key] : [];
        }),
      async refuseWrites(key) {
        faults.set(prefix, ({ method, path }) =>
          method === 'PUT' && keyOf(path) === key ? S3_ACCESS_DENIED : undefined,
        );
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: access denied \\(HTTP 403 AccessDenied\\); the identity needs s3:PutObject on it$`,
          ),
        };
      },
      refusePublicRead(key) {
        faults.set(prefix, ({ method, path, headers }) =>
          method === 'PUT' && keyOf(path) === key && headers['x-amz-acl'] === 'public-read'
            ? S3_ACLS_DISABLED
            : undefined,
        );
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: the bucket refuses --public-read \\(AccessControlListNotSupported: .*bucket policy`,
          ),
        };
      },
      stall(key) {
        faults.set(prefix, ({ method, path }) =>
          method === 'PUT' && keyOf(path) === key ? STALL : undefined,
        );
      },
      async heal() {
        faults.delete(prefix);
      },
    };
  },
});

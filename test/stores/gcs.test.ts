/**
 * The store contract on GCS: the firebase-tools emulator, reached through the fault proxy
 * (test/publish.support.ts) that sees every request the store makes and refuses or stalls
 * the ones a test picks with GCS's own replies. What landed is the emulator's own request
 * log; what it holds is read with a client of its own, straight from the emulator.
 */
import { Storage } from '@google-cloud/storage';
import { openStore } from '../../src/stores/open.js';
import {
  type FaultProxy,
  type FaultRule,
  GCS_FORBIDDEN,
  GCS_UNIFORM_ACCESS,
  type ProxiedRequest,
  STALL,
  startFaultProxy,
} from '../publish.support.js';
import { type GcsEmulator, startGcsEmulator } from '../support/gcs-emulator.js';
import { describeStoreContract, literally, type ObservedCall, type StoreSite } from './contract.js';

const BUCKET = 'oidc-bucket';
let gcs: GcsEmulator;
let proxy: FaultProxy;
let storage: Storage;
let sites = 0;
/** Every request through the proxy, in order. */
const seen: ProxiedRequest[] = [];
/** Each site's refusal or stall, if any: a rule matches only its own site's objects. */
const faults = new Map<string, FaultRule>();
const savedHost = process.env.STORAGE_EMULATOR_HOST;

/** What a JSON API request does to which object: a media upload, a download (alt=media), or a metadata read. */
function callOf(url: string): { op: ObservedCall['op']; name: string } | undefined {
  const [path = '', query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  if (path.startsWith(`/upload/storage/v1/b/${BUCKET}/o`))
    return { op: 'put', name: params.get('name') ?? '' };
  const marker = `/b/${BUCKET}/o/`;
  const at = path.indexOf(marker);
  if (at === -1) return undefined;
  const name = decodeURIComponent(path.slice(at + marker.length));
  return { op: params.get('alt') === 'media' ? 'get' : 'head', name };
}

describeStoreContract({
  name: 'GCS',
  async start() {
    gcs = await startGcsEmulator();
    proxy = await startFaultProxy(gcs.host);
    proxy.refuse((request) => {
      seen.push(request);
      for (const rule of faults.values()) {
        const answer = rule(request);
        if (answer) return answer;
      }
      return undefined;
    });
    // The library reads STORAGE_EMULATOR_HOST when a client is made: this one goes straight to
    // the emulator, every store opened later through the proxy.
    process.env.STORAGE_EMULATOR_HOST = gcs.host;
    storage = new Storage({ projectId: 'test' });
    process.env.STORAGE_EMULATOR_HOST = proxy.url;
  },
  async stop() {
    if (savedHost === undefined) delete process.env.STORAGE_EMULATOR_HOST;
    else process.env.STORAGE_EMULATOR_HOST = savedHost;
    await proxy?.close();
    await gcs?.stop();
  },
  async site(): Promise<StoreSite> {
    const prefix = `site-${++sites}`;
    const keyOf = (name: string) =>
      name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : undefined;
    let seenMark = 0;
    let landedMark = 0;
    const locate = (key: string) => `gs://${BUCKET}/${prefix}/${key}`;
    const writeOf = (request: ProxiedRequest) => {
      const call = callOf(request.url);
      return call?.op === 'put' ? keyOf(call.name) : undefined;
    };
    return {
      description: `gs://${BUCKET}/${prefix}`,
      locate,
      recordsHeaders: true,
      open: (timeoutMs = 10_000) =>
        openStore(
          { kind: 'gcs', bucket: BUCKET, prefix, description: `gs://${BUCKET}/${prefix}` },
          { timeoutMs },
        ),
      async readBack(key) {
        const file = storage.bucket(BUCKET).file(`${prefix}/${key}`);
        if (!(await file.exists())[0]) return undefined;
        const [[metadata], [body]] = await Promise.all([file.getMetadata(), file.download()]);
        return {
          body,
          contentType: metadata.contentType,
          cacheControl: metadata.cacheControl,
          sha256: metadata.metadata?.sha256 as string | undefined,
          publicRead: metadata.metadata?.acl === 'public-read',
        };
      },
      async mark() {
        seenMark = seen.length;
        landedMark = gcs.requests.length;
      },
      calls: () =>
        seen.slice(seenMark).flatMap((request): ObservedCall[] => {
          const call = callOf(request.url);
          const key = call && keyOf(call.name);
          return call && key !== undefined ? [{ op: call.op, key }] : [];
        }),
      writes: async () =>
        gcs.requests.slice(landedMark).flatMap((request) => {
          const key = request.method === 'POST' ? writeOf({ ...request, headers: {} }) : undefined;
          return key !== undefined ? [key] : [];
        }),
      async refuseWrites(key) {
        faults.set(prefix, (request) =>
          request.method === 'POST' && writeOf(request) === key ? GCS_FORBIDDEN : undefined,
        );
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: access denied \\(HTTP 403\\); the identity needs storage.objects.create`,
          ),
        };
      },
      refusePublicRead(key) {
        faults.set(prefix, (request) =>
          request.method === 'POST' &&
          writeOf(request) === key &&
          request.url.includes('predefinedAcl=publicRead')
            ? GCS_UNIFORM_ACCESS
            : undefined,
        );
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: the bucket refuses --public-read \\(uniform bucket-level access .*allUsers`,
          ),
        };
      },
      stall(key) {
        faults.set(prefix, (request) =>
          request.method === 'POST' && writeOf(request) === key ? STALL : undefined,
        );
      },
      async heal() {
        faults.delete(prefix);
      },
    };
  },
});

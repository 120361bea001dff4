/**
 * The one contract every object store keeps, run against each backend the same way (as
 * unstorage tests its drivers): the memory store, a folder, S3 (s3rver), GCS (the
 * firebase-tools emulator) and Azure Blob Storage (Azurite). A backend file gives a StoreBackend and calls
 * describeStoreContract; adding a store is one such file.
 *
 * Two parts: the store itself (bytes and headers round-trip and land in the backend as
 * given, missing objects, overwrites, nested keys, locations, close, the per-call deadline,
 * refusals with their stable codes), then publish's sync on top of it (the write order, zero
 * writes on a rerun, only what changed rewritten, dry run, a refused write stopping the run).
 * Every test takes a fresh site (a prefix or folder no other test uses, its refusals and
 * stalls its own), so the cases run in any order and side by side; what is asserted about the
 * backend is read with its own client, not the store.
 */
import type { KeyObject } from 'node:crypto';
import { afterAll, it as baseIt, beforeAll, describe, expect } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { etagOf } from '../../src/core/render.js';
import { type DestinationResult, type SyncOptions, syncDestination } from '../../src/publish/sync.js';
import { MAX_STORED_OBJECT_BYTES, type ObjectStore, type PutOptions } from '../../src/stores/store.js';
import {
  DISCOVERY_KEY,
  ecKey,
  HOUR,
  issuerDocuments,
  JWKS_KEY,
  STATE_KEY,
  syncOptions,
  T0,
  TEST_ISSUER,
} from '../support/issuer-documents.js';

/** An object as the backend holds it. `publicRead` where it records the ACL. */
export interface HeldObject {
  body: Buffer;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  sha256?: string | undefined;
  publicRead?: boolean | undefined;
}

export interface ObservedCall {
  op: 'head' | 'get' | 'put';
  key: string;
}

/** What a refused call must fail with: the stable code, and the one line. */
export interface ExpectedRefusal {
  code: ErrorCode;
  line: RegExp;
}

/** One place in a backend that no other test uses: a prefix in a bucket, a folder. */
export interface StoreSite {
  /** What the store must call itself, and where it must say a key is. */
  description: string;
  locate(key: string): string;
  /** False for a folder: it keeps no headers (and no ACL). */
  recordsHeaders: boolean;
  /** Opens the store here as a run does (stores/open.ts), under a per-call deadline (default 10 s). */
  open(timeoutMs?: number): Promise<ObjectStore>;
  /** The object as the backend holds it, read with the backend's own client (not the store). */
  readBack(key: string): Promise<HeldObject | undefined>;
  /** Starts counting calls and writes afresh. */
  mark(): Promise<void>;
  /** The calls that reached the backend since mark(), in order, refused ones too; undefined where reads cannot be seen (a folder). */
  calls(): ObservedCall[] | undefined;
  /** The keys the backend stored since mark(), in the order they landed. */
  writes(): Promise<string[]>;
  /**
   * From now on the backend refuses writes of `key` (nested below a directory) as an identity
   * without the permission would see it refused. Gives what the store must fail with.
   */
  refuseWrites(key: string): Promise<ExpectedRefusal>;
  /**
   * From now on the backend refuses a write of `key` with a public-read ACL, as a bucket that
   * takes no ACLs; absent where there are no ACLs (a folder).
   */
  refusePublicRead?(key: string): ExpectedRefusal;
  /**
   * Where the store has no per-object ACL at all (Azure Blob Storage: anonymous read is set
   * on the container), what every --public-read write fails with, before any request.
   */
  publicReadAlwaysRefused?: ExpectedRefusal;
  /** From now on a write of `key` is never answered; absent where nothing can stall on demand. */
  stall?(key: string): void;
  /** Undoes the refusals and stall(): the backend answers as before, holding what it held. */
  heal(): Promise<void>;
}

export interface StoreBackend {
  name: string;
  /** Why the deadline case does not run here, when the backend cannot stall (no `stall`). */
  noStall?: string;
  /** Starts what the backend needs (a server), once per file. */
  start(): Promise<void>;
  stop(): Promise<void>;
  site(): Promise<StoreSite>;
}

const JSON_TYPE = 'application/json';

/** `text` as a regular expression matching it literally, for the expected lines. */
export function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function putOptions(body: Buffer, overrides: Partial<PutOptions> = {}): PutOptions {
  return {
    contentType: JSON_TYPE,
    cacheControl: 'public, max-age=300',
    sha256: etagOf(body),
    publicRead: false,
    ...overrides,
  };
}

const statuses = (result: DestinationResult) =>
  result.objects.map((object) => `${object.kind}:${object.status}`);
/** The writes tried since mark(), refused ones too; undefined where the backend cannot show them. */
const putsSeen = (site: StoreSite) => site.calls()?.filter((call) => call.op === 'put');
const sortedCalls = (calls: ObservedCall[] | undefined) =>
  calls?.map((call) => `${call.op} ${call.key}`).sort();

/** The sites a test takes and the stores it opens there: closed and healed when it ends. */
interface SiteScope {
  /** A site no other test uses. */
  freshSite(): Promise<StoreSite>;
  /** A fresh site, and a store opened there. */
  fresh(timeoutMs?: number): Promise<{ site: StoreSite; store: ObjectStore }>;
}

export function describeStoreContract(backend: StoreBackend): void {
  /** The stores opened at each site, closed with the test that took the site. */
  const openedAt = new WeakMap<StoreSite, ObjectStore[]>();

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  async function open(site: StoreSite, timeoutMs?: number): Promise<ObjectStore> {
    const store = await site.open(timeoutMs);
    openedAt.get(site)?.push(store);
    return store;
  }

  // Each test's own scope (a fixture, not afterEach: the tests run side by side).
  const it = baseIt.extend<{ scope: SiteScope }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
    scope: async ({}, use) => {
      const sites: StoreSite[] = [];
      const freshSite = async () => {
        const site = await backend.site();
        sites.push(site);
        openedAt.set(site, []);
        return site;
      };
      await use({
        freshSite,
        async fresh(timeoutMs) {
          const site = await freshSite();
          return { site, store: await open(site, timeoutMs) };
        },
      });
      for (const site of sites) for (const store of openedAt.get(site) ?? []) store.close();
      await Promise.all(sites.map((site) => site.heal()));
    },
  });

  describe.concurrent(`${backend.name} store`, () => {
    it('gives back what put() stored, bytes and headers, and the backend holds them as given', async ({
      scope,
    }) => {
      const { site, store } = await scope.fresh();
      const body = Buffer.from('{"keys":[]}\n');
      const options = putOptions(body);
      await store.put(JWKS_KEY, body, options);

      expect((await store.get(JWKS_KEY))?.equals(body)).toBe(true);
      const held = await site.readBack(JWKS_KEY);
      expect(held?.body.equals(body)).toBe(true);
      if (site.recordsHeaders) {
        expect(await store.head(JWKS_KEY)).toEqual({
          sha256: options.sha256,
          contentType: JSON_TYPE,
          cacheControl: 'public, max-age=300',
          publicRead: false,
        });
        expect(held).toMatchObject({
          contentType: JSON_TYPE,
          cacheControl: 'public, max-age=300',
          sha256: options.sha256,
          publicRead: false,
        });
      } else {
        // Only the bytes are kept: the hash is of the file itself.
        expect(await store.head(JWKS_KEY)).toEqual({ sha256: etagOf(body) });
      }
    });

    it('records --public-read, and head() reports it, where the store keeps headers', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const body = Buffer.from('{"public":true}');
      const refused = site.publicReadAlwaysRefused;
      if (refused) {
        // No ACL to set: refused with advice, and not one request made.
        await site.mark();
        const error = (await store
          .put(DISCOVERY_KEY, body, putOptions(body, { publicRead: true }))
          .catch((caught) => caught)) as Error & { code?: string };
        expect(error.code).toBe(refused.code);
        expect(error.message).toMatch(refused.line);
        expect(site.calls() ?? []).toEqual([]);
        expect(await site.readBack(DISCOVERY_KEY)).toBeUndefined();
        return;
      }
      await store.put(DISCOVERY_KEY, body, putOptions(body, { publicRead: true }));
      const head = await store.head(DISCOVERY_KEY);
      if (site.recordsHeaders) {
        expect(head?.publicRead).toBe(true);
        expect((await site.readBack(DISCOVERY_KEY))?.publicRead).toBe(true);
      } else {
        expect(head).toEqual({ sha256: etagOf(body) });
      }
    });

    it('answers undefined for an object that does not exist, to head() and get()', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      await site.mark();
      expect(await store.head(JWKS_KEY)).toBeUndefined();
      expect(await store.get(STATE_KEY)).toBeUndefined();
      expect(await store.get('no/such/deep/key.json')).toBeUndefined();
      expect(await site.writes()).toEqual([]);
      const calls = site.calls();
      if (calls) {
        expect(sortedCalls(calls)).toEqual([
          `get ${STATE_KEY}`,
          'get no/such/deep/key.json',
          `head ${JWKS_KEY}`,
        ]);
      }
    });

    it('replaces an object whole on a second put(): bytes, headers and ACL', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const long = Buffer.from(`{"keys":["${'x'.repeat(4000)}"]}`);
      const short = Buffer.from('{"keys":[]}');
      const publicRead = site.publicReadAlwaysRefused === undefined;
      await store.put(JWKS_KEY, long, putOptions(long, { publicRead, cacheControl: 'no-cache' }));
      await store.put(JWKS_KEY, short, putOptions(short));
      expect((await store.get(JWKS_KEY))?.equals(short)).toBe(true);
      expect((await site.readBack(JWKS_KEY))?.body.equals(short)).toBe(true);
      if (site.recordsHeaders) {
        expect(await store.head(JWKS_KEY)).toEqual({
          sha256: etagOf(short),
          contentType: JSON_TYPE,
          cacheControl: 'public, max-age=300',
          publicRead: false,
        });
      }
    });

    it('keeps keys at any depth apart, each where locate() says', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const keys = ['top.json', DISCOVERY_KEY, 'a/b/c/d.json', 'a/b.json'];
      for (const key of keys)
        await store.put(key, Buffer.from(JSON.stringify({ key })), putOptions(Buffer.from(key)));
      for (const key of keys) {
        expect(store.locate(key)).toBe(site.locate(key));
        expect(JSON.parse((await store.get(key))?.toString() ?? '{}')).toEqual({ key });
        expect(JSON.parse((await site.readBack(key))?.body.toString() ?? '{}')).toEqual({ key });
      }
    });

    it('names itself and its objects as the destination was given', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      expect(store.description).toBe(site.description);
      expect(store.locate(STATE_KEY)).toBe(site.locate(STATE_KEY));
      expect(store.recordsHeaders).toBe(site.recordsHeaders);
    });

    it('after close(), what it wrote is there for the store opened again', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const body = Buffer.from('{"closed":true}');
      await store.put(STATE_KEY, body, putOptions(body, { cacheControl: 'no-cache' }));
      store.close();
      const again = await open(site);
      expect((await again.get(STATE_KEY))?.equals(body)).toBe(true);
    });

    it('refuses to read back an object larger than a stored document may be', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const big = Buffer.alloc(MAX_STORED_OBJECT_BYTES + 1, 0x20);
      await store.put(STATE_KEY, big, putOptions(big, { cacheControl: 'no-cache' }));
      await expect(store.get(STATE_KEY)).rejects.toMatchObject({
        code: 'STORE_READ_FAILED',
        message: expect.stringContaining(site.locate(STATE_KEY)),
      });
    });

    it.skipIf(backend.noStall !== undefined)(
      `every call has the run's deadline: one never answered fails with STORE_TIMEOUT at it${backend.noStall ? ` (skipped: ${backend.noStall})` : ''}`,
      async ({ scope }) => {
        const { site, store } = await scope.fresh(300);
        site.stall?.(JWKS_KEY);
        const body = Buffer.from('{}');
        const started = performance.now();
        const error = await store.put(JWKS_KEY, body, putOptions(body)).catch((caught: unknown) => caught);
        const elapsed = performance.now() - started;
        expect(error).toMatchObject({
          code: 'STORE_TIMEOUT',
          message: `${site.locate(JWKS_KEY)}: PUT got no answer within 0.3 s; the store is unreachable or stalled (check the endpoint and the network, or raise --store-timeout-seconds)`,
        });
        expect(elapsed).toBeGreaterThanOrEqual(290);
        expect(elapsed).toBeLessThan(5000);
        await site.heal();
        await (await open(site)).put(JWKS_KEY, body, putOptions(body));
        expect((await site.readBack(JWKS_KEY))?.body.equals(body)).toBe(true);
      },
    );

    it('a refused write fails with the stable code and one line naming the object; what was there stays', async ({
      scope,
    }) => {
      const { site, store } = await scope.fresh();
      const before = Buffer.from('{"before":true}');
      await store.put(DISCOVERY_KEY, before, putOptions(before));
      const expected = await site.refuseWrites(DISCOVERY_KEY);
      const after = Buffer.from('{"after":true}');
      const error = (await store
        .put(DISCOVERY_KEY, after, putOptions(after))
        .catch((caught) => caught)) as Error & {
        code?: string;
      };
      expect(error.code).toBe(expected.code);
      expect(error.message).toMatch(expected.line);
      expect(error.message).not.toContain('\n');
      await site.heal();
      expect((await site.readBack(DISCOVERY_KEY))?.body.equals(before)).toBe(true);
    });

    it('a bucket that takes no ACLs refuses --public-read with advice, and only that', async ({ scope }) => {
      const { site, store } = await scope.fresh();
      const expected = site.refusePublicRead?.(JWKS_KEY);
      const body = Buffer.from('{}');
      if (expected === undefined) {
        // No ACLs here (a folder): --public-read changes nothing it does.
        await store.put(JWKS_KEY, body, putOptions(body, { publicRead: true }));
        return;
      }
      const error = (await store
        .put(JWKS_KEY, body, putOptions(body, { publicRead: true }))
        .catch((caught) => caught)) as Error & { code?: string };
      expect(error.code).toBe(expected.code);
      expect(error.message).toMatch(expected.line);
      expect(error.message).toContain('refuses --public-read');
      expect(error.message).not.toContain('\n');
      await store.put(JWKS_KEY, body, putOptions(body));
      expect((await site.readBack(JWKS_KEY))?.body.equals(body)).toBe(true);
    });
  });

  describe.concurrent(`publish's sync on the ${backend.name} store`, () => {
    let keys: KeyObject[];
    beforeAll(() => {
      keys = [ecKey(), ecKey()];
    });

    /** One run as publish makes it: a store opened for the run, synced, closed. */
    async function sync(
      site: StoreSite,
      docKeys: KeyObject[],
      options: Partial<SyncOptions> = {},
      jwksUri?: string,
    ) {
      const store = await open(site);
      const documents = issuerDocuments(docKeys, jwksUri ? { jwksUri } : {});
      const result = await syncDestination(store, documents, syncOptions(options));
      store.close();
      return { result, documents };
    }

    /** The first run at a site, which must succeed. */
    async function publishFirst(site: StoreSite, docKeys: KeyObject[] = keys) {
      const first = await sync(site, docKeys);
      expect(first.result.error).toBeUndefined();
      return first;
    }

    async function heldBodies(site: StoreSite, objectKeys: string[]) {
      return Promise.all(objectKeys.map(async (key) => (await site.readBack(key))?.body.toString()));
    }

    it('a first run creates the JWKS, then the discovery document, then the state, exactly as rendered', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await site.mark();
      const { result, documents } = await sync(site, keys);
      expect(result.ok).toBe(true);
      expect(statuses(result)).toEqual(['jwks:created', 'discovery:created', 'state:created']);
      expect(await site.writes()).toEqual([JWKS_KEY, DISCOVERY_KEY, STATE_KEY]);
      // All reads happen before the first write.
      const calls = site.calls();
      if (calls) {
        const firstPut = calls.findIndex((call) => call.op === 'put');
        expect(sortedCalls(calls.slice(0, firstPut))).toEqual(
          [`get ${STATE_KEY}`, `get ${JWKS_KEY}`, `head ${DISCOVERY_KEY}`, `head ${JWKS_KEY}`].sort(),
        );
      }

      for (const [key, rendered] of [
        [JWKS_KEY, documents.jwks],
        [DISCOVERY_KEY, documents.discovery],
      ] as const) {
        const held = await site.readBack(key);
        expect(held?.body.equals(rendered.body), key).toBe(true);
        if (site.recordsHeaders) {
          expect(held, key).toMatchObject({
            contentType: JSON_TYPE,
            cacheControl: 'public, max-age=300',
            sha256: rendered.etag,
            publicRead: false,
          });
        }
      }
      const state = await site.readBack(STATE_KEY);
      expect(JSON.parse(state?.body.toString() ?? '{}')).toMatchObject({ version: 1, issuer: TEST_ISSUER });
      if (site.recordsHeaders) expect(state).toMatchObject({ cacheControl: 'no-cache', publicRead: false });
    });

    it('a rerun with nothing new writes nothing: one HEAD per document, one read of the state and of the JWKS', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      await site.mark();
      const { result } = await sync(site, keys);
      expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      expect(await site.writes()).toEqual([]);
      const calls = site.calls();
      if (calls) {
        expect(sortedCalls(calls)).toEqual(
          [`get ${STATE_KEY}`, `get ${JWKS_KEY}`, `head ${DISCOVERY_KEY}`, `head ${JWKS_KEY}`].sort(),
        );
      }
    });

    it('a changed key set rewrites only what changed, and the state read back keeps a removed key for its window', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      const [first, second] = keys as [KeyObject, KeyObject];
      await publishFirst(site, [first]);

      // A key added (same algorithm): the JWKS and the state change, the discovery document does not.
      await site.mark();
      const added = await sync(site, [first, second], { now: T0 + HOUR });
      expect(statuses(added.result)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
      expect(await site.writes()).toEqual([JWKS_KEY, STATE_KEY]);
      expect((await site.readBack(JWKS_KEY))?.body.equals(added.documents.jwks.body)).toBe(true);

      // The first key leaves the source: it stays published, its removal time recorded.
      const removed = await sync(site, [second], { now: T0 + 2 * HOUR });
      expect(statuses(removed.result)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
      expect(removed.result.keys?.retained.map((key) => key.removedAt)).toEqual(['2026-03-01T14:00:00Z']);

      // An hour later, inside the window: the time came from the state in the store, nothing is written.
      await site.mark();
      const later = await sync(site, [second], { now: T0 + 3 * HOUR });
      expect(statuses(later.result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      expect(later.result.keys?.retained.map((key) => key.removedAt)).toEqual(['2026-03-01T14:00:00Z']);
      expect(await site.writes()).toEqual([]);
    });

    it('headers alone changing (max-age) rewrite both documents where the store keeps headers, nothing on a folder', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      await site.mark();
      const { result } = await sync(site, keys, { maxAgeSeconds: 60 });
      if (site.recordsHeaders) {
        expect(statuses(result)).toEqual(['jwks:updated', 'discovery:updated', 'state:unchanged']);
        expect(await site.writes()).toEqual([JWKS_KEY, DISCOVERY_KEY]);
        expect((await site.readBack(JWKS_KEY))?.cacheControl).toBe('public, max-age=60');
      } else {
        expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
        expect(await site.writes()).toEqual([]);
      }
    });

    it('--public-read is recorded: turning it on rewrites the documents once, then nothing', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      await site.mark();
      const on = await sync(site, keys, { publicRead: true });
      if (site.publicReadAlwaysRefused) {
        // Nothing to record where no write may ask for it: every such run fails, writing nothing.
        expect(on.result.error?.code).toBe(site.publicReadAlwaysRefused.code);
        expect(statuses(on.result)).toEqual(['jwks:failed', 'discovery:skipped', 'state:unchanged']);
        expect(await site.writes()).toEqual([]);
        return;
      }
      await site.mark();
      const again = await sync(site, keys, { publicRead: true });
      if (site.recordsHeaders) {
        expect(statuses(on.result)).toEqual(['jwks:updated', 'discovery:updated', 'state:unchanged']);
        expect((await site.readBack(DISCOVERY_KEY))?.publicRead).toBe(true);
        expect((await site.readBack(STATE_KEY))?.publicRead).toBe(false);
      } else {
        expect(statuses(on.result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      }
      expect(statuses(again.result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
      expect(await site.writes()).toEqual([]);
    });

    it('a dry run writes nothing and reports what would change, with the lines of the JWKS', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      const before = await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY]);
      const extra = ecKey();
      await site.mark();
      const { result } = await sync(site, [...keys, extra], { dryRun: true, now: T0 + HOUR });
      expect(result.ok).toBe(true);
      expect(statuses(result)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
      expect(await site.writes()).toEqual([]);
      expect(putsSeen(site) ?? []).toEqual([]);
      const jwks = result.objects[0];
      const added = result.keys?.added[0] as string;
      expect(result.keys?.added).toHaveLength(1);
      expect(jwks?.diff?.some((line) => line.startsWith('+ ') && line.includes(added))).toBe(true);
      expect(jwks?.previousEtag).toBe(etagOf(Buffer.from(before[0] ?? '')));
      expect(await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY])).toEqual(before);
    });

    // Both refusal cases change both documents: a new key, and a new jwks_uri the discovery document must follow.
    const MOVED_JWKS_KEY = 'keys/jwks.json';
    const movedJwks = { jwksKey: MOVED_JWKS_KEY, now: T0 + HOUR };

    it('a refused JWKS write: the discovery document and the state are not written either, all stay as they were', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      const before = await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY]);
      const expected = await site.refuseWrites(MOVED_JWKS_KEY);
      await site.mark();
      const { result } = await sync(site, [...keys, ecKey()], movedJwks, `${TEST_ISSUER}/${MOVED_JWKS_KEY}`);
      expect(result.ok).toBe(false);
      expect(statuses(result)).toEqual(['jwks:failed', 'discovery:skipped', 'state:skipped']);
      expect(result.error?.code).toBe(expected.code);
      expect(result.error?.message).toMatch(expected.line);
      expect(result.error?.message).not.toContain('\n');
      expect(await site.writes()).toEqual([]);
      // One write was tried, and no other after it.
      const puts = putsSeen(site);
      if (puts) expect(puts).toEqual([{ op: 'put', key: MOVED_JWKS_KEY }]);
      await site.heal();
      expect(await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY])).toEqual(before);
      expect(await site.readBack(MOVED_JWKS_KEY)).toBeUndefined();
    });

    it('a refused discovery write after the JWKS: the keys are out, the old discovery document and state stay', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      const before = await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY]);
      const expected = await site.refuseWrites(DISCOVERY_KEY);
      await site.mark();
      const { result } = await sync(site, [...keys, ecKey()], movedJwks, `${TEST_ISSUER}/${MOVED_JWKS_KEY}`);
      expect(statuses(result)).toEqual(['jwks:created', 'discovery:failed', 'state:skipped']);
      expect(result.error?.code).toBe(expected.code);
      expect(result.error?.message).toMatch(expected.line);
      expect(await site.writes()).toEqual([MOVED_JWKS_KEY]);
      await site.heal();
      // The discovery document still published points at the old JWKS, which is still there.
      expect(await heldBodies(site, [JWKS_KEY, DISCOVERY_KEY, STATE_KEY])).toEqual(before);
      expect(JSON.parse(before[1] ?? '{}').jwks_uri).toBe(`${TEST_ISSUER}/${JWKS_KEY}`);
      expect(JSON.parse((await site.readBack(MOVED_JWKS_KEY))?.body.toString() ?? '{}').keys).toHaveLength(3);
    });

    it('--public-read refused by the bucket: nothing is written, and the line says what to do instead', async ({
      scope,
    }) => {
      const site = await scope.freshSite();
      await publishFirst(site);
      const expected = site.refusePublicRead?.(JWKS_KEY);
      await site.mark();
      const { result } = await sync(site, keys, { publicRead: true });
      if (expected === undefined) {
        // No ACLs (a folder): the flag changes nothing there.
        expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
        return;
      }
      expect(statuses(result)).toEqual(['jwks:failed', 'discovery:skipped', 'state:unchanged']);
      expect(result.error?.code).toBe(expected.code);
      expect(result.error?.message).toMatch(expected.line);
      expect(result.error?.message).not.toContain('\n');
      expect(await site.writes()).toEqual([]);
    });
  });
}

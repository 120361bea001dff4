import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DISCOVERY_KEY,
  ecKey,
  HOUR,
  issuerDocuments,
  JWKS_KEY,
  rsaKey,
  STATE_KEY,
  syncOptions,
  T0,
  TEST_ISSUER,
} from '../../test/support/issuer-documents.js';
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { kidOf } from '../core/keys.js';
import { etagOf } from '../core/render.js';
import { withDeadline } from '../stores/deadline.js';
import { createMemoryStore, type MemoryStore } from '../stores/memory.js';
import type { ObjectStore } from '../stores/store.js';
import { type DestinationResult, type SyncOptions, syncDestination } from './sync.js';

const statuses = (result: DestinationResult) =>
  result.objects.map((object) => `${object.kind}:${object.status}`);
/** The calls since `from`, as `op key`. */
const callsOf = (store: MemoryStore, from = 0) =>
  store.calls.slice(from).map((call) => `${call.op} ${call.key}`);
const puts = (store: MemoryStore, from = 0) =>
  store.calls.slice(from).flatMap((call) => (call.op === 'put' ? [call.key] : []));

function sync(store: ObjectStore, keys: readonly KeyObject[], options: Partial<SyncOptions> = {}) {
  return syncDestination(store, issuerDocuments(keys), syncOptions(options));
}

let a: KeyObject;
let b: KeyObject;
beforeAll(() => {
  [a, b] = [ecKey(), ecKey()];
});

describe('syncDestination: the plan and the order', () => {
  it('reads everything first, sweeps, then writes the JWKS, the discovery document and the state', async () => {
    const store = createMemoryStore();
    const result = await sync(store, [a, b]);
    expect(result.ok).toBe(true);
    const calls = callsOf(store);
    expect(calls.slice(0, 4).sort()).toEqual(
      [`get ${STATE_KEY}`, `get ${JWKS_KEY}`, `head ${DISCOVERY_KEY}`, `head ${JWKS_KEY}`].sort(),
    );
    expect(calls.slice(4)).toEqual([
      `sweep ${JWKS_KEY},${DISCOVERY_KEY},${STATE_KEY}`,
      `put ${JWKS_KEY}`,
      `put ${DISCOVERY_KEY}`,
      `put ${STATE_KEY}`,
    ]);
  });

  it('reports each object where the store says it is, with its size and ETag, and the bytes it now serves', async () => {
    const store = createMemoryStore({ name: 'bucket' });
    const documents = issuerDocuments([a]);
    const result = await syncDestination(store, documents, syncOptions());
    expect(result.destination).toBe('memory://bucket');
    expect(result.objects[0]).toEqual({
      kind: 'jwks',
      key: JWKS_KEY,
      location: `memory://bucket/${JWKS_KEY}`,
      status: 'created',
      bytes: documents.jwks.body.length,
      etag: documents.jwks.etag,
    });
    expect(result.published?.jwks.equals(documents.jwks.body)).toBe(true);
    expect(result.published?.discovery.equals(documents.discovery.body)).toBe(true);
    expect(result.keys).toEqual({ kids: [kidOf(a)], added: [kidOf(a)], retained: [], dropped: [] });
  });

  it('writes the documents with their headers and ACL, the state never public and never cached', async () => {
    const store = createMemoryStore();
    const documents = issuerDocuments([a]);
    await syncDestination(store, documents, syncOptions({ publicRead: true, maxAgeSeconds: 60 }));
    const options = Object.fromEntries(
      store.calls.flatMap((call) => (call.op === 'put' ? [[call.key, call.options]] : [])),
    );
    expect(options[JWKS_KEY]).toEqual({
      contentType: 'application/json',
      cacheControl: 'public, max-age=60',
      sha256: documents.jwks.etag,
      publicRead: true,
    });
    expect(options[DISCOVERY_KEY]).toMatchObject({ sha256: documents.discovery.etag, publicRead: true });
    expect(options[STATE_KEY]).toMatchObject({ cacheControl: 'no-cache', publicRead: false });
  });

  it('an unchanged run writes nothing, and reports the ETag it found only for what it rewrites', async () => {
    const store = createMemoryStore();
    const first = await sync(store, [a]);
    const mark = store.calls.length;
    const again = await sync(store, [a]);
    expect(statuses(again)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
    expect(puts(store, mark)).toEqual([]);
    expect(again.objects.some((object) => 'previousEtag' in object)).toBe(false);

    const changed = await sync(store, [a, b]);
    expect(changed.objects[0]?.previousEtag).toBe(first.objects[0]?.etag);
  });
});

describe('syncDestination: what counts as changed', () => {
  it.each([
    ['its Content-Type', { contentType: 'text/plain' }],
    ['its Cache-Control', { cacheControl: 'no-store' }],
    ['its ACL', { publicRead: true }],
  ])(
    'a document with the same bytes but another %s is rewritten where the store keeps headers',
    async (_what, change) => {
      const store = createMemoryStore();
      await sync(store, [a]);
      const held = store.objects.get(DISCOVERY_KEY);
      store.objects.set(DISCOVERY_KEY, { ...(held as NonNullable<typeof held>), ...change });
      const mark = store.calls.length;
      const result = await sync(store, [a]);
      expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:updated', 'state:unchanged']);
      expect(puts(store, mark)).toEqual([DISCOVERY_KEY]);
    },
  );

  it('where the store keeps no headers (a folder), only the bytes decide', async () => {
    const store = createMemoryStore({ recordsHeaders: false });
    await sync(store, [a]);
    const result = await sync(store, [a], { maxAgeSeconds: 60, publicRead: true });
    expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
  });

  it('the state is compared by its bytes alone', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    const held = store.objects.get(STATE_KEY);
    store.objects.set(STATE_KEY, {
      ...(held as NonNullable<typeof held>),
      cacheControl: 'public',
      sha256: '"x"',
    });
    expect(statuses(await sync(store, [a]))).toEqual([
      'jwks:unchanged',
      'discovery:unchanged',
      'state:unchanged',
    ]);
    store.objects.set(STATE_KEY, {
      ...(held as NonNullable<typeof held>),
      body: Buffer.from(JSON.stringify(JSON.parse(held?.body.toString() ?? ''))),
    });
    expect(statuses(await sync(store, [a]))).toEqual([
      'jwks:unchanged',
      'discovery:unchanged',
      'state:updated',
    ]);
  });
});

describe('syncDestination: a failure stops the writes', () => {
  it('a failed write marks the ones after it skipped, an unchanged one stays unchanged', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    store.fault = (call) => (call.op === 'put' && call.key === JWKS_KEY ? 'denied' : undefined);
    const mark = store.calls.length;
    // Another EC key: the JWKS and the state change, the discovery document does not.
    const result = await sync(store, [a, b]);
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual(['jwks:failed', 'discovery:unchanged', 'state:skipped']);
    expect(result.error).toEqual({
      code: 'STORE_ACCESS_DENIED',
      message: `memory://test/${JWKS_KEY}: access denied (HTTP 403 AccessDenied); the identity needs permission to write it`,
    });
    expect(result.objects[0]?.error).toEqual(result.error);
    expect(puts(store, mark)).toEqual([JWKS_KEY]);
  });

  it('the write after a failed one is skipped even when the failure is the last document', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    store.fault = (call) => (call.op === 'put' && call.key === DISCOVERY_KEY ? 'denied' : undefined);
    const result = await sync(store, [a, rsaKey()]);
    expect(statuses(result)).toEqual(['jwks:updated', 'discovery:failed', 'state:skipped']);
    expect(store.calls.filter((call) => call.op === 'put' && call.outcome === 'ok').at(-1)?.key).toBe(
      JWKS_KEY,
    );
  });

  it('anything a store throws that is not a GatewayError is still one line with a code', async () => {
    const store = createMemoryStore();
    store.fault = (call) => (call.op === 'put' ? new Error('socket hang up\n    at somewhere') : undefined);
    const result = await sync(store, [a]);
    expect(result.error?.code).toBe('STORE_WRITE_FAILED');
    expect(result.error?.message).toContain('socket hang up');
    expect(result.error?.message).not.toContain('\n');
  });

  it('a read that fails stops the run before any write, with no object reported', async () => {
    const store = createMemoryStore();
    store.fault = (call) => (call.op === 'get' && call.key === STATE_KEY ? 'denied' : undefined);
    const result = await sync(store, [a]);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('STORE_ACCESS_DENIED');
    expect(result.objects).toEqual([]);
    expect(callsOf(store).filter((call) => call.startsWith('put') || call.startsWith('sweep'))).toEqual([]);
  });

  it('a write past the deadline is a failed write: the ones after it are not made', async () => {
    const memory = createMemoryStore();
    await sync(memory, [a]);
    memory.fault = (call) => (call.op === 'put' && call.key === JWKS_KEY ? 'stall' : undefined);
    const result = await sync(withDeadline(memory, 20), [a, rsaKey()]);
    expect(statuses(result)).toEqual(['jwks:failed', 'discovery:skipped', 'state:skipped']);
    expect(result.error?.code).toBe('STORE_TIMEOUT');
  });

  it('a sweep that fails changes nothing: the run goes on', async () => {
    const store = createMemoryStore();
    store.fault = (call) => (call.op === 'sweep' ? new Error('EACCES') : undefined);
    const result = await sync(store, [a]);
    expect(result.ok).toBe(true);
    expect(puts(store)).toEqual([JWKS_KEY, DISCOVERY_KEY, STATE_KEY]);
  });

  it(`more than ${MAX_JWKS_KEYS} keys: PUBLISH_INVALID, nothing written`, async () => {
    const store = createMemoryStore();
    const many = Array.from({ length: MAX_JWKS_KEYS + 1 }, ecKey);
    const result = await sync(store, many);
    expect(result.error?.code).toBe('PUBLISH_INVALID');
    expect(result.error?.message).toContain(`${MAX_JWKS_KEYS + 1} keys`);
    expect(puts(store)).toEqual([]);
  });

  it('a damaged state stops the run rather than dropping retained keys', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    const held = store.objects.get(STATE_KEY);
    store.objects.set(STATE_KEY, {
      ...(held as NonNullable<typeof held>),
      body: Buffer.from('{"version": 2}'),
    });
    const mark = store.calls.length;
    const result = await sync(store, [b]);
    expect(result.error?.code).toBe('STORE_READ_FAILED');
    expect(result.error?.message).toContain(`memory://test/${STATE_KEY}`);
    expect(result.error?.message).toContain('the retention state is not version 1; fix or delete it');
    expect(puts(store, mark)).toEqual([]);
  });
});

describe('syncDestination: --dry-run', () => {
  it('writes and sweeps nothing, and shows the lines that would change in each document', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    const before = new Map([...store.objects].map(([key, object]) => [key, Buffer.from(object.body)]));
    const mark = store.calls.length;
    // An RSA key: the JWKS, the discovery document (RS256) and the state would all change.
    const result = await sync(store, [a, rsaKey()], { dryRun: true });
    expect(result.ok).toBe(true);
    expect(statuses(result)).toEqual(['jwks:updated', 'discovery:updated', 'state:updated']);
    const calls = callsOf(store, mark);
    expect(calls.filter((call) => call.startsWith('put') || call.startsWith('sweep'))).toEqual([]);
    // The JWKS was read for the plan already; only the discovery document is fetched for its diff.
    expect(calls.filter((call) => call === `get ${JWKS_KEY}`)).toHaveLength(1);
    expect(calls.filter((call) => call === `get ${DISCOVERY_KEY}`)).toHaveLength(1);
    const [jwks, discovery, state] = result.objects;
    expect(jwks?.diff?.filter((line) => line.startsWith('+ '))).toContain(
      `+       "kid": "${kidOf(rsaKey())}",`,
    );
    expect(discovery?.diff).toContain('+     "RS256"');
    expect(state?.diff).toBeUndefined();
    expect(jwks?.previousEtag).toBe(etagOf(before.get(JWKS_KEY) as Buffer));
    expect(result.published?.jwks.equals(issuerDocuments([a, rsaKey()]).jwks.body)).toBe(true);
    for (const [key, body] of before) expect(store.objects.get(key)?.body.equals(body), key).toBe(true);
  });

  it('shows no diff for an object it would create', async () => {
    const result = await sync(createMemoryStore(), [a], { dryRun: true });
    expect(statuses(result)).toEqual(['jwks:created', 'discovery:created', 'state:created']);
    expect(result.objects.map((object) => object.diff)).toEqual([undefined, undefined, undefined]);
  });
});

describe('syncDestination: key retention, from the state in the store', () => {
  it('keeps a rotated-out key (and its alg) for the window, writes nothing inside it, then drops it', async () => {
    const store = createMemoryStore();
    const [rsa, ec, next] = [rsaKey(), a, b];
    const [rsaKid, ecKid, nextKid] = [kidOf(rsa), kidOf(ec), kidOf(next)];
    await sync(store, [rsa, ec]);

    // T0 + 5 min: the RSA key left the source. It stays published, and RS256 stays advertised.
    const rotated = await sync(store, [ec, next], { now: T0 + 5 * 60_000 });
    expect(statuses(rotated)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:updated']);
    expect(rotated.keys).toEqual({
      kids: [ecKid, nextKid, rsaKid],
      added: [nextKid],
      retained: [{ kid: rsaKid, removedAt: '2026-03-01T12:05:00Z', until: '2026-03-02T12:05:00Z' }],
      dropped: [],
    });
    const state = JSON.parse(store.objects.get(STATE_KEY)?.body.toString() ?? '{}');
    expect(state.issuer).toBe(TEST_ISSUER);
    expect(state.keys.find((record: { kid: string }) => record.kid === rsaKid)).toMatchObject({
      firstSeen: '2026-03-01T12:00:00Z',
      removedAt: '2026-03-01T12:05:00Z',
    });

    // One second before the window ends: still there, and nothing is written.
    const mark = store.calls.length;
    const inside = await sync(store, [ec, next], { now: T0 + 5 * 60_000 + 24 * HOUR - 1000 });
    expect(statuses(inside)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:unchanged']);
    expect(puts(store, mark)).toEqual([]);

    // Window over: dropped from the JWKS, RS256 no longer advertised; exactly the source's documents.
    const after = await sync(store, [ec, next], { now: T0 + 5 * 60_000 + 24 * HOUR });
    expect(statuses(after)).toEqual(['jwks:updated', 'discovery:updated', 'state:updated']);
    expect(after.keys?.dropped).toEqual([rsaKid]);
    const expected = issuerDocuments([ec, next]);
    expect(store.objects.get(JWKS_KEY)?.body.equals(expected.jwks.body)).toBe(true);
    expect(store.objects.get(DISCOVERY_KEY)?.body.equals(expected.discovery.body)).toBe(true);
    expect(expected.discovery.document.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('adopts a JWKS published without a state object: its keys are retained, not dropped', async () => {
    const store = createMemoryStore();
    await sync(store, [a, b]);
    store.objects.delete(STATE_KEY);
    const result = await sync(store, [a], { now: T0 + HOUR });
    expect(result.keys?.retained.map((key) => key.kid)).toEqual([kidOf(b)]);
    expect(statuses(result)).toEqual(['jwks:unchanged', 'discovery:unchanged', 'state:created']);
  });

  it('passes on the warnings about what it read back, naming the object', async () => {
    const store = createMemoryStore();
    await sync(store, [a]);
    const held = store.objects.get(JWKS_KEY);
    const html = Buffer.from('<html>');
    store.objects.set(JWKS_KEY, { ...(held as NonNullable<typeof held>), body: html, sha256: etagOf(html) });
    const result = await sync(store, [a]);
    expect(result.warnings).toEqual([
      `memory://test/${JWKS_KEY} is not a JWKS; none of its keys can be carried over`,
    ]);
    expect(statuses(result)).toEqual(['jwks:updated', 'discovery:unchanged', 'state:unchanged']);
  });
});
